package dev.taskdaemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The original's {@code DAEMON_*} variables through {@link TaskDaemon.Builder#fromEnvironment(Map)}. */
class EnvironmentConfigTest {
  private static final String TOML = String.join("\n",
      "[daemon]",
      "task_timeout = 10",
      "max_retries = 1",
      "task_selection = \"lifo\"",
      "claim_batch = 4",
      "",
      "[handlers.echo]",
      "command = [\"cat\"]",
      "");

  @Test
  void eachVariableSetsItsKey_andOverridesTheFilesDaemonTable() {
    Map<String, Object> s = TaskDaemon.builder().fromTomlString(TOML, "handlers.toml")
        .fromEnvironment(Map.of(
            "DAEMON_TASK_TIMEOUT", "2.5",
            "DAEMON_MAX_RETRIES", "7",
            "DAEMON_TASK_SELECTION", "PRIORITY",
            "DAEMON_BATCH_SIZE", " 64 ",
            "DAEMON_QUEUE_TYPE", "hybrid",
            "DAEMON_DB_PATH", "/var/lib/td/123",
            "DAEMON_WORKERS", "6"))
        .daemonSettings();
    assertThat(s.get("task_timeout")).isEqualTo(Duration.ofMillis(2500));
    assertThat(s.get("max_retries")).isEqualTo(7);
    assertThat(s.get("task_selection")).isEqualTo(QueueOrder.PRIORITY);
    assertThat(s.get("claim_batch")).isEqualTo(64);
    assertThat(s.get("store")).isEqualTo("sqlite");
    assertThat(s.get("store_path")).isEqualTo("/var/lib/td/123");
    assertThat(s.get("max_in_flight")).isEqualTo(6);
  }

  @Test
  void queueTypes_mapToStores() {
    assertThat(store("memory")).isEqualTo("memory");
    assertThat(store("sqlite")).isEqualTo("sqlite");
    assertThat(store("Hybrid")).isEqualTo("sqlite");
  }

  private static String store(String queueType) {
    return (String) TaskDaemon.builder().fromEnvironment(Map.of("DAEMON_QUEUE_TYPE", queueType))
        .daemonSettings().get("store");
  }

  @Test
  void withoutTheStep_orWithoutDaemonVariables_nothingChanges() {
    Map<String, Object> fileOnly = TaskDaemon.builder().fromTomlString(TOML, "handlers.toml").daemonSettings();
    Map<String, Object> withUnrelated = TaskDaemon.builder().fromTomlString(TOML, "handlers.toml")
        .fromEnvironment(Map.of("PATH", "/bin", "MAX_RETRIES", "9", "daemon_max_retries", "9"))
        .daemonSettings();
    assertThat(withUnrelated).isEqualTo(fileOnly);
    assertThat(fileOnly.get("max_retries")).isEqualTo(1);
  }

  @Test
  void environmentBeforeTheFile_isOverriddenByTheFile() {
    Map<String, Object> s = TaskDaemon.builder().fromEnvironment(Map.of("DAEMON_MAX_RETRIES", "7"))
        .fromTomlString(TOML, "handlers.toml").daemonSettings();
    assertThat(s.get("max_retries")).isEqualTo(1);
  }

  @Test
  void malformedValues_areAllReportedAtStart_namingTheVariableAndTheRule() {
    TaskDaemon.Builder b = TaskDaemon.builder().fromTomlString(TOML, "handlers.toml").fromEnvironment(Map.of(
        "DAEMON_TASK_TIMEOUT", "soon",
        "DAEMON_MAX_RETRIES", "-1",
        "DAEMON_TASK_SELECTION", "random",
        "DAEMON_BATCH_SIZE", "2.5",
        "DAEMON_QUEUE_TYPE", "redis",
        "DAEMON_DB_PATH", "",
        "DAEMON_WORKERS", "-1"));
    assertThatThrownBy(b::validate).isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
            "environment DAEMON_TASK_TIMEOUT = \"soon\": expected a positive number of seconds (it sets task_timeout)",
            "environment DAEMON_MAX_RETRIES = \"-1\": expected an integer from 0 to 1000 (it sets max_retries)",
            "environment DAEMON_TASK_SELECTION = \"random\": expected \"fifo\", \"lifo\" or \"priority\""
                + " (it sets task_selection)",
            "environment DAEMON_BATCH_SIZE = \"2.5\": expected an integer from 1 to 10000 (it sets claim_batch)",
            "environment DAEMON_QUEUE_TYPE = \"redis\": expected \"memory\", \"sqlite\" or \"hybrid\" (hybrid and"
                + " sqlite both use the SQLite store)",
            "environment DAEMON_DB_PATH = \"\": expected a file path such as \"tasks.db\" (it sets store_path)",
            "environment DAEMON_WORKERS = \"-1\": expected an integer, 0 (no cap) or more (it sets max_in_flight)"));
  }

  @Test
  void outOfRangeNumbers_nameTheWholeRule() {
    TaskDaemon.Builder b = TaskDaemon.builder().fromTomlString(TOML, "handlers.toml").fromEnvironment(Map.of(
        "DAEMON_TASK_TIMEOUT", "99999999999", "DAEMON_BATCH_SIZE", "123456789012345678901234"));
    assertThatThrownBy(b::validate).isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
            "environment DAEMON_TASK_TIMEOUT = \"99999999999\": expected a number of seconds from 0.001 (1 ms)"
                + " to 31536000 (365 days) (it sets task_timeout)",
            "environment DAEMON_BATCH_SIZE = \"123456789012345678901234\": expected an integer from 1 to 10000"
                + " (it sets claim_batch)"));
  }

  @Test
  void serverAndUnknownVariables_areAccepted() {
    TaskDaemon.Builder b = TaskDaemon.builder().fromTomlString(TOML, "handlers.toml").fromEnvironment(Map.of(
        "DAEMON_HOST", "0.0.0.0", "DAEMON_PORT", "not-a-port-the-library-reads", "DAEMON_LOG_LEVEL", "loud",
        "DAEMON_SOMETHING_NEW", "x", "DAEMON_GRPC_PORT", "50051"));
    assertThat(b.validate().daemonSettings()).isEqualTo(
        TaskDaemon.builder().fromTomlString(TOML, "handlers.toml").daemonSettings());
  }

  @Test
  void unknownVariables_areListedOnce() {
    dev.taskdaemon.internal.config.EnvSource src = dev.taskdaemon.internal.config.EnvSource.of(Map.of(
        "DAEMON_ZETA", "1", "DAEMON_ALPHA", "2", "DAEMON_PORT", "8080", "DAEMON_MAX_RETRIES", "2", "OTHER", "3"));
    src.applyTo(dev.taskdaemon.internal.config.DaemonConfig.EMPTY);
    assertThat(src.unknown()).containsExactly("DAEMON_ALPHA", "DAEMON_ZETA");
  }

  /** The variable's documented purpose: the timeout of handlers that set none. */
  @Test
  void taskTimeoutFromTheEnvironment_isTheTimeoutOfHandlersThatSetNone() throws Exception {
    try (TaskDaemon d = TaskDaemon.builder()
        .handler(TestHandlers.handler("slow").instances(1).maxRetries(0).build())
        .fromEnvironment(Map.of("DAEMON_TASK_TIMEOUT", "0.5"))
        .start()) {
      long t0 = System.nanoTime();
      Result r = d.submit("slow", Map.of("op", "hang")).get(60, TimeUnit.SECONDS);
      assertThat(r).isInstanceOfSatisfying(Result.Failure.class,
          f -> assertThat(f.kind()).isEqualTo(Result.Failure.Kind.TIMEOUT));
      // The built-in default is 30 s: ending well before it shows the variable's 0.5 s applied.
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
    }
  }
}

package dev.taskdaemon.internal.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskdaemon.Backoff;
import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.internal.EngineConfig;
import dev.taskdaemon.internal.EngineConfigAccess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The configuration value and its key table, without starting anything. */
class DaemonConfigTest {
  @Test
  void editsReturnCopies_theOriginalNeverChanges() {
    DaemonConfig base = DaemonConfig.EMPTY;
    DaemonConfig edited = base.with(Keys.TASK_TIMEOUT, Duration.ofSeconds(5))
        .withHandler(HandlerSpec.builder("a").command("true").build());
    assertThat(base.get(Keys.TASK_TIMEOUT)).isEqualTo(Duration.ofSeconds(30));
    assertThat(base.handlers()).isEmpty();
    assertThat(edited.get(Keys.TASK_TIMEOUT)).isEqualTo(Duration.ofSeconds(5));
    assertThat(edited.handlers()).containsOnlyKeys("a");
    assertThatThrownBy(() -> edited.handlers().clear()).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void anotherSource_editsTheSameValue_afterToml() {
    // The shape of the environment source the server will add: names mapped to keys, converted by the
    // key's kind, bad input kept as a problem rather than thrown.
    Map<String, String> env = Map.of("DAEMON_TASK_TIMEOUT", "7", "DAEMON_MAX_RETRIES", "x");
    ConfigSource fromEnv = c -> {
      DaemonConfig out = c.with(Keys.TASK_TIMEOUT, Keys.TASK_TIMEOUT.fromToml(Long.parseLong(env.get("DAEMON_TASK_TIMEOUT"))));
      try {
        out = out.with(Keys.MAX_RETRIES, Keys.MAX_RETRIES.fromToml(env.get("DAEMON_MAX_RETRIES")));
      } catch (InvalidValueException e) {
        out = out.withProblems(List.of("DAEMON_MAX_RETRIES=x: expected " + e.expected()));
      }
      return out;
    };
    DaemonConfig c = fromEnv.applyTo(TomlSource.text("[daemon]\ntask_timeout = 3\nmax_retries = 1\n", "h.toml", null)
        .applyTo(DaemonConfig.EMPTY));
    assertThat(c.get(Keys.TASK_TIMEOUT)).isEqualTo(Duration.ofSeconds(7));
    assertThat(c.get(Keys.MAX_RETRIES)).isEqualTo(1);
    assertThat(c.problems()).containsExactly("DAEMON_MAX_RETRIES=x: expected an integer from 0 to 1000");
  }

  @Test
  void engineConfig_appliesTableDefaults_andHandlerValuesWin() {
    DaemonConfig c = TomlSource.text("[daemon]\nsettle_time = 0.2\nstart_check = true\nstart_timeout = 9\n"
        + "[handlers.a]\ncommand = [\"true\"]\nsettle_time = 0\n[handlers.b]\ncommand = [\"true\"]\n", "h.toml", null)
        .applyTo(DaemonConfig.EMPTY);
    assertThat(c.problems()).isEmpty();
    EngineConfig e = c.toEngineConfig(List.of(), Map.of(), null, null, null, null);
    assertThat(e.settleTime()).isEqualTo(Duration.ofMillis(200));
    assertThat(e.startCheck()).isTrue();
    assertThat(e.startTimeout()).isEqualTo(Duration.ofSeconds(9));
    assertThat(e.healthWindow()).isEqualTo(Duration.ofSeconds(1));
    assertThat(e.maxLineBytes()).isEqualTo(64 * 1024 * 1024);
    assertThat(e.retryBackoff()).isEqualTo(Backoff.DEFAULT);
    assertThat(e.handlers()).extracting(HandlerSpec::settleTime).containsExactly(Duration.ZERO, null);
    assertThat(EngineConfigAccess.settleTimes(e)).containsExactly(Duration.ZERO, Duration.ofMillis(200));
    assertThat(EngineConfigAccess.healthWindows(e)).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1));
    assertThat(DaemonConfig.EMPTY.toEngineConfig(List.of(), Map.of(), null, null, null, null).startCheck()).isFalse();
  }

  @Test
  void everyKeyIsInExactlyTheListsItsScopeSays() {
    assertThat(Keys.DAEMON_KEYS).contains("settle_time", "health_window", "start_check", "start_timeout",
        "drain_timeout").doesNotContain("timeout", "instances", "restart_backoff", "unhealthy_after");
    assertThat(Keys.HANDLER_KEYS).contains("settle_time", "timeout", "instances")
        .doesNotContain("health_window", "start_check", "task_timeout", "name");
  }
}

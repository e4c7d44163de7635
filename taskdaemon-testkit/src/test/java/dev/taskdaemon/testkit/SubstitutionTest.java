package dev.taskdaemon.testkit;

import static dev.taskdaemon.testkit.Daemons.await;
import static dev.taskdaemon.testkit.Daemons.ms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskdaemon.ConfigException;
import dev.taskdaemon.Result;
import dev.taskdaemon.Task;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskListener;
import dev.taskdaemon.TestHandlers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fakes replace chosen handlers of a real handlers.toml: a docker handler (whose runtime is not even on
 * this module's class path) and a local process handler.
 */
class SubstitutionTest {
  @TempDir
  Path dir;
  private Path toml;

  private final FakeHandler resize = FakeHandler.replying(t -> Reply.success(Map.of("resized", t.taskData())));
  private final FakeHandler ocr = FakeHandler.returning(Map.of("text", "hello"));

  @BeforeEach
  void writeToml() throws IOException {
    String command = TestHandlers.command().stream().map(s -> "\"" + s.replace("\\", "\\\\") + "\"")
        .collect(Collectors.joining(", ", "[", "]"));
    toml = dir.resolve("handlers.toml");
    Files.writeString(toml, String.join("\n",
        "[daemon]",
        "name = \"shop\"",
        "max_retries = 2",
        "",
        "[handlers.resize]",
        "image = \"acme/resize:2.3\"",
        "instances = 2",
        "timeout = 30",
        "memory_limit = \"512m\"",
        "cpus = 0.5",
        "retry_backoff = 5",
        "",
        "[handlers.ocr]",
        "command = " + command,
        "instances = 1",
        ""));
  }

  private TaskDaemon.Builder production() {
    return TaskDaemon.builder().fromToml(toml);
  }

  @Test
  void stubbedDockerAndProcessHandlers_runAsFakes_keepingTheirSettings() throws Exception {
    List<Duration> retryDelays = new CopyOnWriteArrayList<>();
    resize.inject(Fault.RETRYABLE_ERROR, 2);
    try (TaskDaemon daemon = Fakes.create().stub("resize", resize).stub("ocr", ocr)
        .start(production().listener(new TaskListener() {
          @Override
          public void retryScheduled(Task failed, Result.Failure cause, Duration delay) {
            retryDelays.add(delay);
          }
        }))) {
      Result r = await(daemon.submit("resize", Map.of("url", "cat.png")));

      assertThat(r.json().get("resized").get("url").asText()).isEqualTo("cat.png");
      assertThat(await(daemon.submit("ocr", Map.of())).json().get("text").asText()).isEqualTo("hello");
      assertThat(daemon.name()).isEqualTo("shop");
      // From the file: two instances, max_retries = 2 (three attempts); retry_backoff = 5 became zero.
      assertThat(daemon.stats("resize").instancesAlive()).isEqualTo(2);
      resize.assertReceived().hasAttempts(1, 2, 3).areAttemptsOfOneTask();
      assertThat(retryDelays).containsExactly(Duration.ZERO, Duration.ZERO);
    }
  }

  @Test
  void keepBackoff_keepsTheFilesRetryBackoff() throws Exception {
    List<Duration> retryDelays = new CopyOnWriteArrayList<>();
    resize.inject(Fault.RETRYABLE_ERROR);
    resize.inject(Fault.HANG);
    try (TaskDaemon daemon = Fakes.create().stub("resize", resize).stub("ocr", ocr).keepBackoff()
        .start(production().listener(new TaskListener() {
          @Override
          public void retryScheduled(Task failed, Result.Failure cause, Duration delay) {
            retryDelays.add(delay);
          }
        }))) {
      daemon.submit("resize", Map.of());
      resize.takeTask();
      // retry_backoff = 5 with the default ±20 % jitter: the first retry waits 4 to 6 s.
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !retryDelays.isEmpty());
      assertThat(retryDelays.get(0)).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(6));
      daemon.shutdownNow();
    }
  }

  @Test
  void timeout_replacesTheFilesTimeoutOfStubbedHandlers() throws Exception {
    resize.injectAlways(Fault.HANG);
    try (TaskDaemon daemon = Fakes.create().stub("resize", resize).stub("ocr", ocr).timeout(ms(50))
        .start(production())) {
      Result r = await(daemon.submit("resize", Map.of()));

      assertThat(r.asFailure().message()).startsWith("handler 'resize' instance resize-");
      assertThat(r.asFailure().message()).contains(" timed out after 0.05s (attempt 3 of 3)");
      resize.assertReceived().hasAttempts(1, 2, 3);
    }
  }

  @Test
  void unstubbedHandlers_failAtStartByDefault_namingEachOneAndWhereItIs() {
    Fakes fakes = Fakes.create().stub("resize", resize);

    assertThatThrownBy(() -> fakes.start(production()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("invalid configuration (1 problem):\n  - " + toml + ":13:1: handlers.ocr.runtime: no FakeHandler"
            + " stands in for 'ocr' and unstubbed handlers fail at start (Unstubbed.FAIL_START); stub it with"
            + " fakes.stub(\"ocr\", FakeHandler...), or choose fakes.unstubbed(Unstubbed.FAIL_TASKS) or"
            + " fakes.unstubbed(Unstubbed.REAL)");
  }

  @Test
  void unstubbedHandlers_failTheirTasks_whenChosen() throws Exception {
    Fakes fakes = Fakes.create().stub("resize", resize).unstubbed(Unstubbed.FAIL_TASKS);
    try (TaskDaemon daemon = fakes.start(production())) {
      assertThat(await(daemon.submit("resize", Map.of())).isSuccess()).isTrue();
      Result r = await(daemon.submit("ocr", Map.of()));

      assertThat(r.asFailure().retryable()).isFalse();
      assertThat(r.asFailure().message()).startsWith("handler 'ocr' has no FakeHandler and unstubbed handlers fail their"
          + " tasks (Unstubbed.FAIL_TASKS), yet attempt 1 of task ");
      assertThat(r.asFailure().message()).endsWith(" was submitted to it; stub it with fakes.stub(\"ocr\", FakeHandler...)");
      assertThat(fakes.failures()).extracting(Throwable::getMessage).containsExactly(r.asFailure().message());
    }
  }

  @Test
  void unstubbedHandlers_stayReal_whenChosen() throws Exception {
    try (TaskDaemon daemon = Fakes.create().stub("resize", resize).unstubbed(Unstubbed.REAL).start(production())) {
      Result real = await(daemon.submit("ocr", Map.of("page", 1)));

      // The real handler process answered: it reports its pid, which is not this JVM's.
      assertThat(real.json().get("data").get("page").asInt()).isEqualTo(1);
      assertThat(real.json().get("pid").asLong()).isNotEqualTo(ProcessHandle.current().pid());
      assertThat(await(daemon.submit("resize", Map.of())).isSuccess()).isTrue();
    }
  }

  @Test
  void aDockerHandlerLeftReal_withoutTheDockerRuntime_failsAtStartWithCoresMessage() {
    Fakes fakes = Fakes.create().stub("ocr", ocr).unstubbed(Unstubbed.REAL);

    assertThatThrownBy(() -> fakes.start(production()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("invalid configuration (2 problems):\n  - " + toml + ":6:1: handlers.resize.image: a handler with"
            + " an image runs on the docker runtime, which is not on the class path; add the"
            + " dev.taskdaemon:taskdaemon-docker dependency (or set runtime = \"process\" and a command)\n  - "
            + toml + ":10:1: handlers.resize.cpus: unknown key; did you mean 'env'?");
  }

  @Test
  void aStubForAHandlerTheFileDoesNotDefine_failsAtInstall() {
    Fakes fakes = Fakes.create().stub("rezise", resize);

    assertThatThrownBy(() -> fakes.install(production()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fakes.stub(\"rezise\", ...): no handler 'rezise' is defined in the builder; handlers: [ocr,"
            + " resize]. Load handlers.toml or define the handler (builder.handler(\"rezise\", h -> h.instances(1)))"
            + " before install()");
  }

  @Test
  void aTestOnlyFileCanNameTheFakeRuntimeItself() throws Exception {
    FakeHandler echo = FakeHandler.echoing();
    Fakes fakes = Fakes.create().stub("echo", echo);
    try (TaskDaemon daemon = TaskDaemon.builder()
        .fromTomlString("[handlers.echo]\nruntime = \"fake\"\ninstances = 1\n", "test.toml")
        .runtime(fakes.runtime())
        .start()) {
      assertThat(await(daemon.submit("echo", Map.of("a", 1))).json().get("a").asInt()).isEqualTo(1);
    }
  }
}

package dev.taskdaemon.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.HandlerStartException;
import dev.taskdaemon.Result;
import dev.taskdaemon.Task;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults of the api transport that a real engine does not produce on demand, against {@link
 * FakeEngine} on a real Unix socket: each ends in a clear error or a replaced instance, never a
 * hang, and every task gets its outcome.
 */
class DockerApiFaultTest {
  @TempDir
  Path dir;

  private final List<String> failedAttempts = new CopyOnWriteArrayList<>();
  private final TaskListener listener = new TaskListener() {
    @Override
    public void attemptEnded(Task task, String instance, Result outcome, Duration elapsed) {
      if (outcome.isFailure()) {
        failedAttempts.add(outcome.asFailure().message());
      }
    }
  };

  private HandlerSpec.Builder handler(FakeEngine engine) {
    return HandlerSpec.builder("h").image("fake/image:1").instances(1).option("pull", "never")
        .option("docker_host", engine.host()).option("docker_transport", "api");
  }

  private TaskDaemon.Builder daemon() {
    return TaskDaemon.builder().name(Busybox.daemonName("dt-fake")).listener(listener);
  }

  @Test
  void aLyingFrameHeader_endsTheInstance_andTheTaskSucceedsOnItsReplacement() throws Exception {
    try (FakeEngine engine = new FakeEngine(dir, "1.41",
        Map.of(1, (e, n, line) -> FakeEngine.frame(7, "{\"status\":\"success\",\"result\":\"forged\"}\n")),
        (e, n, line) -> FakeEngine.success(n));
        TaskDaemon daemon = daemon().handler(handler(engine).build()).start()) {
      Result r = daemon.submit("h", Map.of("k", 1)).get(60, TimeUnit.SECONDS);
      assertThat(r.isSuccess()).as(String.valueOf(r)).isTrue();
      assertThat(r.json().asInt()).isEqualTo(2);
      assertThat(failedAttempts).hasSize(1);
      // Giving up the stream closes the container's stdin; this container then exits as a handler does on EOF.
      assertThat(failedAttempts).containsExactly("handler 'h' instance h-0 exited with code 0 (the Docker"
          + " engine's attach stream for container td_" + daemon.name() + "_h-0_" + daemon.session()
          + " sent a malformed frame header (stream type 7, reserved bytes zero, length 39); the stream cannot be"
          + " trusted any more) during the task (attempt 1 of 4); no stderr output");
    }
  }

  @Test
  void anAttachStreamThatEnds_whileTheContainerRuns_isKilledAndReplaced() throws Exception {
    try (FakeEngine engine = new FakeEngine(dir, "1.41", Map.of(1, (e, n, line) -> null),
        (e, n, line) -> FakeEngine.success(n));
        TaskDaemon daemon = daemon().handler(handler(engine).build()).start()) {
      Result r = daemon.submit("h", Map.of("k", 1)).get(60, TimeUnit.SECONDS);
      assertThat(r.isSuccess()).as(String.valueOf(r)).isTrue();
      assertThat(r.json().asInt()).isEqualTo(2);
      // The container did not end with its stream: it is killed, and its task retried.
      assertThat(failedAttempts).containsExactly("handler 'h' instance h-0 closed its stdout during the task"
          + " (attempt 1 of 4); no stderr output");
      assertThat(engine.created()).isEqualTo(2);
    }
  }

  @Test
  void anEngineThatGoesAwayMidTask_failsTheTaskClearly_andLaterTasksToo_neverHangs() throws Exception {
    try (FakeEngine engine = new FakeEngine(dir, "1.41", Map.of(), (e, n, line) -> {
      e.vanish();
      return null;
    });
        TaskDaemon daemon = daemon().handler(handler(engine).maxRetries(0).build()).start()) {
      Result r = daemon.submit("h", Map.of("k", 1)).get(60, TimeUnit.SECONDS);
      assertThat(r.isFailure()).isTrue();
      assertThat(r.asFailure().message()).startsWith("handler 'h' instance h-0 exited with code -1 (the Docker engine at "
          + engine.host() + " stopped answering: ");
      // The replacement cannot be created: tasks end with the reason instead of waiting for it.
      List<CompletableFuture<Result>> later = List.of(daemon.submit("h", Map.of("k", 2)),
          daemon.submit("h", Map.of("k", 3)));
      for (CompletableFuture<Result> f : later) {
        Result l = f.get(120, TimeUnit.SECONDS);
        assertThat(l.isFailure()).isTrue();
        assertThat(l.asFailure().message()).contains("Cannot connect to the Docker daemon at " + engine.host()
            + ". Is the docker daemon running?");
      }
    }
  }

  @Test
  void anEngineTooOldForTheApiTransport_failsStart_namingTheVersionsAndTheWayOut() throws Exception {
    try (FakeEngine engine = new FakeEngine(dir, "1.24", Map.of(), (e, n, line) -> FakeEngine.success(n))) {
      assertThatThrownBy(() -> daemon().handler(handler(engine).build()).start())
          .isInstanceOf(HandlerStartException.class)
          .hasMessage("the Docker engine at " + engine.host() + " (version fake) speaks API versions 1.12 to 1.24,"
              + " and the api transport speaks 1.30 to 1.51. Upgrade the engine, or set docker_transport = \"cli\""
              + " for handler 'h'");
      assertThat(engine.created()).isZero();
    }
  }
}

package dev.taskdaemon.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.Backoff;
import dev.taskdaemon.Recorder;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskFuture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Handlers that misbehave; every task involved ends with exactly one correct outcome. */
class HostileHandlersTest {

  /** Go and Rust SDK handlers exit with code 2 when a task panics. */
  private static final String PANICS_ON_SOME_TASKS = Sh.loop(
      "case \"$line\" in *please-panic*) echo \"panic: boom on a bad input\" >&2; exit 2;; esac; " + Sh.ECHO);

  @Test
  void tasksThatKillTheirInstance_failAlone_andNeverStarveHealthyTasks() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("panicky", PANICS_ON_SOME_TASKS).instances(2).maxRetries(3).build())
        .retryBackoff(Backoff.NONE)
        .start()) {
      List<TaskFuture> poison = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        poison.add(daemon.submit("panicky", Map.of("please-panic", i)));
      }
      List<TaskFuture> good = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        good.add(daemon.submit("panicky", Map.of("i", i)));
      }
      for (TaskFuture f : good) {
        Result r = Sh.get(f);
        assertThat(r.isSuccess()).as("a healthy task behind the poison ones").isTrue();
        assertThat(Sh.echoedId(r)).isEqualTo(f.taskId());
      }
      for (TaskFuture f : poison) {
        Result.Failure r = Sh.get(f).asFailure();
        assertThat(r.kind()).isEqualTo(Result.Failure.Kind.CRASH);
        assertThat(r.retryable()).isFalse();
        assertThat(r.message()).contains(" exited with code 2 during the task (attempt 4 of 4); last stderr lines:")
            .contains("| panic: boom on a bad input");
      }
      assertThat(daemon.stats("panicky").succeeded()).isEqualTo(30);
      assertThat(daemon.stats("panicky").failed()).isEqualTo(3);
      assertThat(daemon.stats("panicky").healthy()).isTrue();
      TaskFuture after = daemon.submit("panicky", Map.of("after", true));
      assertThat(Sh.echoedId(Sh.get(after))).isEqualTo(after.taskId());
    }
  }

  @Test
  void aHandlerThatCannotStart_failsItsQueuedTasksFast_withItsStderr_andBacksOff() throws Exception {
    Recorder rec = new Recorder();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("broken", "echo 'fatal: no configuration file' >&2; exit 1").instances(2).build())
        .listener(rec)
        .start()) {
      List<TaskFuture> tasks = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        tasks.add(daemon.submit("broken", Map.of("i", i)));
      }
      for (TaskFuture f : tasks) {
        Result.Failure r = Sh.get(f).asFailure();
        assertThat(r.kind()).isEqualTo(Result.Failure.Kind.UNAVAILABLE);
        assertThat(r.message()).startsWith("handler 'broken' is unhealthy: its instances die before they are given"
            + " any task (").contains("exited with code 1").contains("| fatal: no configuration file");
      }
      assertThat(daemon.stats("broken").healthy()).isFalse();
    }
    assertThat(rec.started.size()).as("launches for 100 tasks: start failures, not one crash per task")
        .isLessThan(20);
  }

  @Test
  void aResponsePrintedAtStartUp_isNeverATasksAnswer() throws Exception {
    String script = "printf '{\"status\":\"success\",\"result\":\"ready\"}\\n'; " + Sh.loop(Sh.ECHO);
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("eager", script).instances(1).build())
        .start()) {
      List<TaskFuture> tasks = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        tasks.add(daemon.submit("eager", Map.of("i", i)));
      }
      for (TaskFuture f : tasks) {
        assertThat(Sh.echoedId(Sh.get(f))).isEqualTo(f.taskId());
      }
      assertThat(daemon.stats("eager").restarts()).as("start-up output is not out of sync").isZero();
    }
  }

  @Test
  void aLateDuplicateAnswer_thatEchoesTaskId_neverBecomesTheNextTasksAnswer() throws Exception {
    // Answers every request twice, the second time 50 ms later: by then the next request is in flight.
    String answer = Sh.TASK_ID + "; r=\"{\\\"status\\\":\\\"success\\\",\\\"task_id\\\":\\\"$id\\\",\\\"result\\\":$line}\"";
    String script = Sh.loop(answer + "; printf '%s\\n' \"$r\"; sleep 0.05; printf '%s\\n' \"$r\"");
    Recorder rec = new Recorder();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("stutter", script).instances(1).maxRetries(10).build())
        .retryBackoff(Backoff.NONE)
        .restartBackoff(Backoff.NONE)
        .listener(rec)
        .start()) {
      List<TaskFuture> tasks = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        tasks.add(daemon.submit("stutter", Map.of("i", i)));
      }
      for (TaskFuture f : tasks) {
        Result r = Sh.get(f);
        assertThat(Sh.echoedId(r)).as("each task gets its own answer").isEqualTo(f.taskId());
      }
    }
    assertThat(rec.exited).anySatisfy(e -> assertThat(e).contains("out of sync"));
  }

  @Test
  void aHandlerThatKeepsAnsweringNobody_isReplacedWithBackOff_notInASpin() throws Exception {
    // Prints a response half a second after it starts, when it is idle (its 50 ms settle time is long
    // over, its 5 s health window is not): out of sync every time.
    String script = "sleep 0.5; printf '{\"status\":\"success\",\"result\":\"hi\"}\\n'; " + Sh.loop(Sh.ECHO);
    Recorder rec = new Recorder();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("chatty", script).instances(1).build())
        .unhealthyAfter(3, Duration.ofSeconds(5))
        .listener(rec)
        .start()) {
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !daemon.stats("chatty").healthy());
      Result.Failure r = Sh.get(daemon.submit("chatty", Map.of())).asFailure();
      assertThat(r.kind()).isEqualTo(Result.Failure.Kind.UNAVAILABLE);
      assertThat(r.message()).startsWith("handler 'chatty' is unhealthy: its instances write responses while they"
          + " have no task");
      int before = rec.started.size();
      Awaitility.await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> true);
      assertThat(rec.started.size() - before).as("launches in 2 s once backing off").isLessThanOrEqualTo(3);
    }
  }

  @Test
  void aHandlerThatDiesLeavingAChildOnItsStdout_isACrashAtOnce_andTheChildIsStopped(@TempDir Path dir)
      throws Exception {
    Path pidFile = dir.resolve("child.pid");
    String script = "read -r line; (exec sleep 1000) & echo $! > '" + pidFile + "'; echo 'dying now' >&2; exit 9";
    long t0 = System.nanoTime();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("orphaner", script).instances(1).maxRetries(0).timeout(Duration.ofSeconds(60)).build())
        .start()) {
      Result.Failure r = Sh.get(daemon.submit("orphaner", Map.of())).asFailure();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("noticed through the process, not a timeout")
          .isLessThan(Duration.ofSeconds(30));
      assertThat(r.kind()).isEqualTo(Result.Failure.Kind.CRASH);
      assertThat(r.message()).contains(" exited with code 9 during the task (attempt 1 of 1)")
          .contains("| dying now");
    }
    long child = Long.parseLong(Files.readString(pidFile).trim());
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> ProcessHandle.of(child).map(p -> !p.isAlive()).orElse(true));
    Optional<ProcessHandle> h = ProcessHandle.of(child);
    assertThat(h.isEmpty() || !h.get().isAlive()).isTrue();
  }

  @Test
  void aTimeoutAfterLinesThatAreNotResponses_quotesTheFirstAndSaysWhy() throws Exception {
    String script = Sh.loop("printf '{\"status\":5}\\n'; printf 'SUCCESS\\n'; sleep 1000");
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("confused", script).instances(1).maxRetries(0).timeout(Duration.ofSeconds(1)).build())
        .start()) {
      Result.Failure r = Sh.get(daemon.submit("confused", Map.of())).asFailure();
      assertThat(r.kind()).isEqualTo(Result.Failure.Kind.TIMEOUT);
      assertThat(r.message()).isEqualTo("handler 'confused' instance confused-0 timed out after 1s (attempt 1 of 1);"
          + " the instance was killed and replaced. It wrote no response, only lines that are not responses; the first"
          + " was '{\"status\":5}' (its \"status\" is 5, not \"success\" or \"error\")");
    }
  }

  @Test
  void retryOnCrashOff_theFinalFailureIsNotRetryable_andCountsOnlyAttemptsThatCanHappen() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("fragile", Sh.loop("exit 3")).instances(1).maxRetries(3).retryOnCrash(false).build())
        .start()) {
      Result.Failure r = Sh.get(daemon.submit("fragile", Map.of())).asFailure();
      assertThat(r.kind()).isEqualTo(Result.Failure.Kind.CRASH);
      assertThat(r.retryable()).isFalse();
      assertThat(r.message()).contains(" exited with code 3 during the task (attempt 1 of 1)");
      assertThat(daemon.stats("fragile").retried()).isZero();
    }
  }
}

package dev.taskdaemon.testkit;

import static dev.taskdaemon.testkit.Daemons.await;
import static dev.taskdaemon.testkit.Daemons.ms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.taskdaemon.HandlerStats;
import dev.taskdaemon.Result;
import dev.taskdaemon.Task;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskListener;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Each fault, injected in one line, against a real daemon (real codec, pool, retries and timeouts). */
class FaultsTest {
  private static final String NO_STDOUT = ". It wrote nothing to stdout during the attempt: if it did answer, make it"
      + " flush stdout after each line (e.g. print(..., flush=True), System.out.flush(), fflush(stdout))";

  private final FakeHandler resize = FakeHandler.replying(t -> Reply.success(Map.of("width", t.taskData().get("w"))));
  private final List<Result> attemptOutcomes = new CopyOnWriteArrayList<>();
  private final TaskListener outcomes = new TaskListener() {
    @Override
    public void attemptEnded(Task task, String instance, Result outcome, Duration elapsed) {
      attemptOutcomes.add(outcome);
    }
  };

  /** The default 30 s timeout: a stalled machine cannot turn an answer into a timeout. */
  private TaskDaemon start(int maxRetries) {
    return Fakes.create().stub("resize", resize).start(Daemons.resize(maxRetries).listener(outcomes));
  }

  /**
   * For the tests of timeouts: the default 30 s timeout on a clock the test moves, so an answer can
   * never be mistaken for a timeout however slow the machine, and a timeout takes no real time.
   */
  private final ManualScheduler clock = new ManualScheduler();

  private TaskDaemon startOnClock(int maxRetries) {
    return Fakes.create().stub("resize", resize).start(Daemons.resize(maxRetries).listener(outcomes).scheduler(clock));
  }

  /** Waits for the next attempt to reach the fake, then moves the clock past its timeout. */
  private void timeOutTheNextAttempt() {
    resize.takeTask(Duration.ofSeconds(5));
    await().atMost(5, TimeUnit.SECONDS).until(() -> clock.pendingDelays().contains(Duration.ofSeconds(30)));
    clock.advance(Duration.ofSeconds(30));
  }

  @Test
  void retryableError_twiceThenSuccess_threeAttemptsOfOneTask() throws Exception {
    resize.inject(Fault.RETRYABLE_ERROR, 2);
    try (TaskDaemon daemon = start(3)) {
      Result r = await(daemon.submit("resize", Map.of("w", 128)));

      assertThat(r.json().get("width").asInt()).isEqualTo(128);
      resize.assertReceived().hasCount(3).hasAttempts(1, 2, 3).areAttemptsOfOneTask()
          .allHaveTaskData(Map.of("w", 128));
      assertThat(attemptOutcomes).startsWith(Result.failure("injected retryable error", true),
          Result.failure("injected retryable error", true));
      assertThat(daemon.stats("resize").retried()).isEqualTo(2);
    }
  }

  @Test
  void retryableErrorAlways_exhaustsMaxRetries() throws Exception {
    resize.injectAlways(Fault.RETRYABLE_ERROR);
    try (TaskDaemon daemon = start(1)) {
      Result r = await(daemon.submit("resize", Map.of("w", 1)));

      assertThat(r).isEqualTo(Result.failure("injected retryable error", true));
      resize.assertReceived().hasAttempts(1, 2);
    }
  }

  @Test
  void permanentError_endsTheTaskWithoutRetry() throws Exception {
    resize.inject(Fault.PERMANENT_ERROR);
    try (TaskDaemon daemon = start(3)) {
      Result r = await(daemon.submit("resize", Map.of("w", 1)));

      assertThat(r).isEqualTo(Result.failure("injected permanent error", false));
      resize.assertReceived().hasCount(1);
      // The fault was used up: the next task gets the normal answer.
      assertThat(await(daemon.submit("resize", Map.of("w", 2))).json().get("width").asInt()).isEqualTo(2);
    }
  }

  @Test
  void crash_killsTheInstanceMidTask_andTheRetryRunsOnItsReplacement() throws Exception {
    resize.inject(Fault.CRASH);
    try (TaskDaemon daemon = start(1)) {
      Result r = await(daemon.submit("resize", Map.of("w", 7)));

      assertThat(r.json().get("width").asInt()).isEqualTo(7);
      assertThat(attemptOutcomes.get(0)).isEqualTo(Result.failure("handler 'resize' instance resize-0 exited with code 1"
          + " (a crash the test injected) during the task (attempt 1 of 2); last stderr lines:\n"
          + "    | crashing on purpose (Fault.CRASH)", true, Result.Failure.Kind.CRASH));
      resize.assertReceived().hasAttempts(1, 2).areAttemptsOfOneTask();
      HandlerStats s = daemon.stats("resize");
      assertThat(s.restarts()).isEqualTo(1);
      assertThat(s.instancesAlive()).isEqualTo(1);
    }
  }

  @Test
  void crash_withNoRetryLeft_failsTheTaskWithTheExitCodeAndStderr() throws Exception {
    resize.enqueue(Reply.crash(137).withStderr("Killed"));
    try (TaskDaemon daemon = start(0)) {
      Result r = await(daemon.submit("resize", Map.of("w", 7)));

      assertThat(r).isEqualTo(Result.failure("handler 'resize' instance resize-0 exited with code 137"
          + " (a crash the test injected) during the task (attempt 1 of 1); last stderr lines:\n    | Killed", true,
          Result.Failure.Kind.CRASH));
    }
  }

  @Test
  void crashAlways_onASingleInstance_endsWithTheHandlerUnhealthy_asForARealProgram() throws Exception {
    resize.injectAlways(Fault.CRASH);
    try (TaskDaemon daemon = start(5)) {
      Result r = await(daemon.submit("resize", Map.of("w", 1)));

      // Three instances in a row died before ever answering, with none left alive: the engine's rule.
      assertThat(r.asFailure().message()).isEqualTo("handler 'resize' is unhealthy: instances exit as soon as they"
          + " start (3 in a row; the last exited with code 1 (a crash the test injected)); last stderr lines:\n"
          + "    | crashing on purpose (Fault.CRASH)");
      resize.assertReceived().hasAttempts(1, 2, 3);
      assertThat(daemon.stats("resize").healthy()).isFalse();
    }
  }

  @Test
  void hang_timesOut_theInstanceIsKilledAndReplaced_laterTasksAreServed() throws Exception {
    resize.inject(Fault.HANG);
    try (TaskDaemon daemon = startOnClock(0)) {
      CompletableFuture<Result> pending = daemon.submit("resize", Map.of("w", 1));
      timeOutTheNextAttempt();
      Result r = await(pending);

      assertThat(r).isEqualTo(Result.failure("handler 'resize' instance resize-0 timed out after 30s (attempt 1 of 1);"
          + " the instance was killed and replaced" + NO_STDOUT, true, Result.Failure.Kind.TIMEOUT));
      assertThat(await(daemon.submit("resize", Map.of("w", 2))).json().get("width").asInt()).isEqualTo(2);
      HandlerStats s = daemon.stats("resize");
      assertThat(s.timedOut()).isEqualTo(1);
      assertThat(s.restarts()).isEqualTo(1);
      // The killed fake's thread ends: a hang does not leak.
      await().atMost(5, TimeUnit.SECONDS).until(() -> !threadAlive(Fakes.THREAD_NAME_PREFIX + "tk-resize-0"));
    }
  }

  @Test
  void hangOnce_thenTheRetrySucceeds() throws Exception {
    resize.inject(Fault.HANG);
    try (TaskDaemon daemon = startOnClock(1)) {
      CompletableFuture<Result> pending = daemon.submit("resize", Map.of("w", 3));
      timeOutTheNextAttempt();
      Result r = await(pending);

      assertThat(r.json().get("width").asInt()).isEqualTo(3);
      resize.assertReceived().hasAttempts(1, 2);
      assertThat(attemptOutcomes.get(0).asFailure().message()).startsWith("handler 'resize' instance resize-0 timed out");
    }
  }

  @Test
  void noise_beforeTheAnswerIsSkipped_andTheRealAnswerIsUsed() throws Exception {
    resize.inject(Fault.NOISE);
    try (TaskDaemon daemon = start(0)) {
      Result r = await(daemon.submit("resize", Map.of("w", 5)));

      assertThat(r.json().get("width").asInt()).isEqualTo(5);
      // The instance stayed in sync: it serves the next task, no replacement.
      assertThat(await(daemon.submit("resize", Map.of("w", 6))).json().get("width").asInt()).isEqualTo(6);
      assertThat(daemon.stats("resize").restarts()).isZero();
    }
  }

  @Test
  void slow_answersAfterTheDelay() throws Exception {
    resize.slowDelay(ms(60)).inject(Fault.SLOW);
    try (TaskDaemon daemon = start(0)) {
      long t0 = System.nanoTime();
      Result r = await(daemon.submit("resize", Map.of("w", 9)));
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

      assertThat(r.json().get("width").asInt()).isEqualTo(9);
      assertThat(elapsedMs).isGreaterThanOrEqualTo(60);
    }
  }

  @Test
  void slowerThanTheTimeout_timesOut() throws Exception {
    resize.slowDelay(Duration.ofSeconds(60)).inject(Fault.SLOW);
    try (TaskDaemon daemon = startOnClock(0)) {
      CompletableFuture<Result> pending = daemon.submit("resize", Map.of("w", 1));
      timeOutTheNextAttempt();
      Result r = await(pending);

      assertThat(r).isEqualTo(Result.failure("handler 'resize' instance resize-0 timed out after 30s (attempt 1 of 1);"
          + " the instance was killed and replaced" + NO_STDOUT, true, Result.Failure.Kind.TIMEOUT));
    }
  }

  @Test
  void cannedRepliesAreUsedInOrder_thenTheFunction() throws Exception {
    resize.enqueue(Reply.success("first"), Reply.error("second", false));
    try (TaskDaemon daemon = start(0)) {
      assertThat(await(daemon.submit("resize", Map.of("w", 1))).json().asText()).isEqualTo("first");
      assertThat(await(daemon.submit("resize", Map.of("w", 2)))).isEqualTo(Result.failure("second", false));
      assertThat(await(daemon.submit("resize", Map.of("w", 3))).json().get("width").asInt()).isEqualTo(3);
    }
  }

  static boolean threadAlive(String name) {
    return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
  }
}

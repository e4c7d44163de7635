package dev.taskdaemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A {@link Scheduler}'s clock has {@link System#nanoTime()}'s meaning, whose origin is arbitrary: its
 * values may be below zero. The engine must dispatch, time out and retry the same way then.
 */
class SchedulerClockTest {
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "test-clock");
    t.setDaemon(true);
    return t;
  });

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  /** Real time, shifted far below zero. */
  private Scheduler negativeClock() {
    long shift = 1L << 62;
    return new Scheduler() {
      @Override
      public void schedule(Runnable action, Duration delay) {
        timer.schedule(action, delay.toNanos(), TimeUnit.NANOSECONDS);
      }

      @Override
      public long nanoTime() {
        return System.nanoTime() - shift;
      }
    };
  }

  @Test
  // A separate thread: without the fix, submit() never returns, and the test must fail, not hang.
  @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aClockBelowZero_dispatchesRetriesAndTimesOutAsAnyOther() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder()
        .scheduler(negativeClock())
        .handler(TestHandlers.handler("q").instances(3).maxRetries(2).timeout(Duration.ofSeconds(1)).build())
        .start()) {
      // Each submit dispatches while other instances are idle: with "no retry waiting" read as "a retry
      // is due", the submitting thread looked for a ready task forever and never returned.
      List<CompletableFuture<Result>> echoes = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        echoes.add(daemon.submit("q", Map.of("op", "echo", "i", i)));
      }
      CompletableFuture<Result> retried = daemon.submit("q", Map.of("op", "fail-until", "attempt", 2));
      CompletableFuture<Result> hung = daemon.submit("q", Map.of("op", "hang"));
      for (int i = 0; i < echoes.size(); i++) {
        Result r = echoes.get(i).get(30, TimeUnit.SECONDS);
        assertThat(r.isSuccess()).as("task %d: %s", i, r).isTrue();
        assertThat(r.json().get("data").get("i").asInt()).isEqualTo(i);
      }
      Result r = retried.get(30, TimeUnit.SECONDS);
      assertThat(r.isSuccess()).as("%s", r).isTrue();
      assertThat(r.json().get("attempt").asInt()).isEqualTo(2);
      Result h = hung.get(30, TimeUnit.SECONDS);
      assertThat(h.isSuccess()).isFalse();
      assertThat(h.asFailure().kind()).isEqualTo(Result.Failure.Kind.TIMEOUT);
      assertThat(h.asFailure().message()).contains("timed out after 1");
    }
  }

  /** Delegates to real time, but refuses every second timer, as an executor shut down too early does. */
  private Scheduler refusingEverySecond(RuntimeException refusal) {
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    return new Scheduler() {
      @Override
      public void schedule(Runnable action, Duration delay) {
        if (calls.incrementAndGet() % 2 == 0) {
          throw refusal;
        }
        timer.schedule(action, delay.toNanos(), TimeUnit.NANOSECONDS);
      }

      @Override
      public long nanoTime() {
        return System.nanoTime();
      }
    };
  }

  @Test
  @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aSchedulerThatRefusesTimers_costsNoTimeoutAndNoRetry() throws Exception {
    for (RuntimeException refusal : List.of(new java.util.concurrent.RejectedExecutionException("shut down"),
        new IllegalStateException("a bug in the scheduler"))) {
      // Before: a refused timer was dropped (RejectedExecutionException) or thrown out of the claim after
      // the task had left the queue (any other exception): hung tasks never timed out, tasks were lost.
      try (TaskDaemon daemon = TaskDaemon.builder()
          .scheduler(refusingEverySecond(refusal))
          .handler(TestHandlers.handler("q").instances(2).maxRetries(1).timeout(Duration.ofSeconds(1))
              .retryBackoff(new Backoff(Duration.ofMillis(50), Duration.ofMillis(50), 1.0, 0.0)).build())
          .start()) {
        List<CompletableFuture<Result>> hung = new ArrayList<>();
        List<CompletableFuture<Result>> retried = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          hung.add(daemon.submit("q", Map.of("op", "hang")));
          retried.add(daemon.submit("q", Map.of("op", "fail-until", "attempt", 2)));
        }
        for (CompletableFuture<Result> f : retried) {
          Result r = f.get(40, TimeUnit.SECONDS);
          assertThat(r.isSuccess()).as("%s: %s", refusal, r).isTrue();
          assertThat(r.json().get("attempt").asInt()).isEqualTo(2);
        }
        for (CompletableFuture<Result> f : hung) {
          Result r = f.get(40, TimeUnit.SECONDS);
          assertThat(r.isSuccess()).isFalse();
          assertThat(r.asFailure().kind()).as("%s: %s", refusal, r).isEqualTo(Result.Failure.Kind.TIMEOUT);
        }
      }
    }
  }
}

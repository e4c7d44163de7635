package dev.taskdaemon.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.Backoff;
import dev.taskdaemon.HandlerStats;
import dev.taskdaemon.Result;
import dev.taskdaemon.Result.Failure.Kind;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskFuture;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Known outcomes on real processes give exact counts: every task of every kind of ending is counted
 * once under its handler and outcome, every attempt is timed once, every retry counted once.
 */
class OutcomeCountersTest {

  @Test
  void everyOutcome_isCountedExactlyOnce_andEveryAttemptTimed() throws Exception {
    MeterRegistry registry = new SimpleMeterRegistry();
    TaskDaemonMetrics metrics = new TaskDaemonMetrics();
    List<TaskFuture> work = new ArrayList<>();
    Result slow;
    Result big;
    HandlerStats workStats;
    try (TaskDaemon daemon = TaskDaemon.builder().name("counts")
        .handler(Sh.handler("work", Sh.WORK).instances(2).maxRetries(1).retryBackoff(Backoff.NONE).build())
        .handler(Sh.handler("slow", Sh.HANG).instances(1).timeout(Duration.ofMillis(300)).maxRetries(0).build())
        .handler(Sh.handler("big", Sh.OVERSIZE).instances(1).maxLineBytes(1024).maxRetries(0).build())
        .listener(metrics)
        .start()) {
      metrics.monitor(daemon).bindTo(registry);
      for (String what : List.of("ok", "ok", "ok", "fail", "flaky", "crash")) {
        work.add(daemon.submit("work", Map.of("do", what)));
      }
      slow = Sh.get(daemon.submit("slow", Map.of()));
      big = Sh.get(daemon.submit("big", Map.of()));
      for (TaskFuture f : work) {
        Sh.get(f);
      }
      workStats = daemon.stats("work");
    } // close() delivers every event before it returns: the counts below are final
    List<Object> outcomes = new ArrayList<>();
    for (TaskFuture f : work) {
      Result r = f.get();
      outcomes.add(r.isSuccess() ? "success" : r.asFailure().kind());
    }
    assertThat(outcomes).containsExactly("success", "success", "success", Kind.HANDLER, "success", Kind.CRASH);
    assertThat(slow.asFailure().kind()).isEqualTo(Kind.TIMEOUT);
    assertThat(big.asFailure().kind()).isEqualTo(Kind.PROTOCOL);

    Read m = new Read(registry);
    assertThat(m.count("taskdaemon.tasks.submitted", "handler", "work")).isEqualTo(6);
    assertThat(m.count("taskdaemon.tasks.submitted", "handler", "slow")).isEqualTo(1);
    assertThat(m.count("taskdaemon.tasks.submitted", "handler", "big")).isEqualTo(1);
    assertThat(m.completed("work")).isEqualTo(Map.of("success", 4.0, "handler", 1.0, "timeout", 0.0, "crash", 1.0,
        "protocol", 0.0, "unavailable", 0.0, "cancelled", 0.0));
    assertThat(m.completed("slow")).containsEntry("timeout", 1.0).containsEntry("success", 0.0);
    assertThat(m.completed("big")).containsEntry("protocol", 1.0).containsEntry("success", 0.0);
    // flaky's first attempt and crash's first attempt were retried
    assertThat(m.count("taskdaemon.tasks.retried", "handler", "work")).isEqualTo(2);
    assertThat(m.count("taskdaemon.tasks.retried", "handler", "slow")).isZero();

    // 4 successes; fail's only attempt and flaky's first; crash's two
    assertThat(m.timerCounts("taskdaemon.task.attempt", "work"))
        .isEqualTo(Map.of("success", 4L, "handler", 2L, "crash", 2L));
    assertThat(m.timerCounts("taskdaemon.task.attempt", "slow")).isEqualTo(Map.of("timeout", 1L));
    assertThat(m.timerCounts("taskdaemon.task.attempt", "big")).isEqualTo(Map.of("protocol", 1L));
    assertThat(registry.get("taskdaemon.task.attempt").tags("handler", "slow", "outcome", "timeout").timer()
        .totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).as("the timed-out attempt ran its 300 ms")
        .isGreaterThanOrEqualTo(250);
    // one wait per task, never one per retry
    assertThat(registry.get("taskdaemon.task.queue.wait").tags("handler", "work").timer().count()).isEqualTo(6);
    assertThat(registry.get("taskdaemon.task.queue.wait").tags("handler", "slow").timer().count()).isEqualTo(1);

    // the engine's own counters agree
    assertThat(workStats.succeeded()).isEqualTo(4);
    assertThat(workStats.failed()).isEqualTo(2);
    assertThat(workStats.retried()).isEqualTo(2);
  }

  @Test
  void cancelledTasks_countAsCancelled_andOnlyTheRunningOneAsAnAttempt(@TempDir Path dir) throws Exception {
    MeterRegistry registry = new SimpleMeterRegistry();
    TaskDaemonMetrics metrics = new TaskDaemonMetrics();
    Result running;
    Result queued;
    try (TaskDaemon daemon = TaskDaemon.builder().name("cancels")
        .handler(Sh.blocking("block", dir.resolve("never")).instances(1).build())
        .listener(metrics)
        .start()) {
      metrics.monitor(daemon).bindTo(registry);
      TaskFuture first = daemon.submit("block", Map.of("n", 1));
      TaskFuture second = daemon.submit("block", Map.of("n", 2));
      Awaitility.await().atMost(Duration.ofSeconds(30))
          .until(() -> daemon.stats("block").inFlight() == 1 && daemon.stats("block").queued() == 1);
      assertThat(daemon.cancel(second.taskId())).isTrue();
      assertThat(daemon.cancel(first.taskId())).isTrue();
      running = Sh.get(first);
      queued = Sh.get(second);
    }
    assertThat(running.asFailure().kind()).isEqualTo(Kind.CANCELLED);
    assertThat(queued.asFailure().kind()).isEqualTo(Kind.CANCELLED);
    Read m = new Read(registry);
    assertThat(m.count("taskdaemon.tasks.submitted", "handler", "block")).isEqualTo(2);
    assertThat(m.completed("block")).containsEntry("cancelled", 2.0).containsEntry("success", 0.0);
    assertThat(m.timerCounts("taskdaemon.task.attempt", "block")).isEqualTo(Map.of("cancelled", 1L));
    assertThat(registry.get("taskdaemon.task.queue.wait").tags("handler", "block").timer().count())
        .as("the queued task never started").isEqualTo(1);
  }

  @Test
  void anUnhealthyHandler_showsAsUnhealthy_andItsRefusedTasksAsUnavailable() throws Exception {
    MeterRegistry registry = new SimpleMeterRegistry();
    TaskDaemonMetrics metrics = new TaskDaemonMetrics();
    try (TaskDaemon daemon = TaskDaemon.builder().name("unhealthy")
        .handler(Sh.handler("broken", Sh.EXIT).instances(1).build())
        .handler(Sh.handler("echo", Sh.ECHO).instances(1).build())
        .restartBackoff(new Backoff(Duration.ofMillis(10), Duration.ofMillis(50), 2.0, 0.0))
        .listener(metrics)
        .start()) {
      metrics.monitor(daemon).bindTo(registry);
      Awaitility.await().atMost(Duration.ofSeconds(30))
          .until(() -> registry.get("taskdaemon.handler.healthy").tag("handler", "broken").gauge().value() == 0.0);
      assertThat(registry.get("taskdaemon.handler.healthy").tag("handler", "echo").gauge().value()).isEqualTo(1.0);
      Result refused = Sh.get(daemon.submit("broken", Map.of()));
      assertThat(refused.asFailure().kind()).isEqualTo(Kind.UNAVAILABLE);
      assertThat(Sh.get(daemon.submit("echo", Map.of())).isSuccess()).isTrue();
      Awaitility.await().atMost(Duration.ofSeconds(30))
          .until(() -> registry.get("taskdaemon.instance.restarts").tag("handler", "broken").functionCounter()
              .count() >= 2);
    }
    Read m = new Read(registry);
    assertThat(m.count("taskdaemon.tasks.submitted", "handler", "broken")).isEqualTo(1);
    assertThat(m.completed("broken")).containsEntry("unavailable", 1.0).containsEntry("success", 0.0);
    assertThat(m.timerCounts("taskdaemon.task.attempt", "broken")).as("refused without an attempt").isEmpty();
    assertThat(m.completed("echo")).containsEntry("success", 1.0).containsEntry("unavailable", 0.0);
    assertThat(m.count("taskdaemon.instance.restarts", "handler", "echo")).isZero();
  }
}

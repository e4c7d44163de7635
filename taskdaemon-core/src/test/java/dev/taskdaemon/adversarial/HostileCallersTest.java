package dev.taskdaemon.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.DaemonClosedException;
import dev.taskdaemon.HandlerSelection;
import dev.taskdaemon.Result;
import dev.taskdaemon.Task;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskFuture;
import dev.taskdaemon.TaskListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Callers whose code throws, blocks or re-enters: every task still ends exactly once. */
class HostileCallersTest {
  private static final String SLOW_ECHO = Sh.loop("case \"$line\" in *slow*) sleep 0.3;; esac; " + Sh.ECHO);
  private static final String HANG = Sh.loop("sleep 1000");

  @Test
  void listenersThatThrowErrors_loseNoTask_andKillNoInstance() throws Exception {
    TaskListener hostile = new TaskListener() {
      @Override
      public void attemptStarted(Task task, String instance) {
        throw new AssertionError("a listener's own assertion failed");
      }

      @Override
      public void taskCompleted(Task task, Result result) {
        throw new StackOverflowError("listener recursed");
      }

      @Override
      public void taskSubmitted(Task task) {
        throw new IllegalStateException("listener bug");
      }
    };
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("echo", Sh.loop(Sh.ECHO)).instances(2).build())
        .listener(hostile)
        .start()) {
      List<TaskFuture> tasks = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        tasks.add(daemon.submit("echo", Map.of("i", i)));
      }
      for (TaskFuture f : tasks) {
        assertThat(Sh.echoedId(Sh.get(f))).isEqualTo(f.taskId());
      }
      assertThat(daemon.stats("echo").restarts()).isZero();
      assertThat(daemon.stats("echo").succeeded()).isEqualTo(20);
    }
  }

  @Test
  void aSelectionStrategyThatThrowsAnError_fallsBackToTheLowestIdleSlot() throws Exception {
    HandlerSelection broken = (idle, size, previous) -> {
      throw new AssertionError("strategy bug");
    };
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("echo", Sh.loop(Sh.ECHO)).instances(3).selection(broken).build())
        .start()) {
      for (int i = 0; i < 10; i++) {
        TaskFuture f = daemon.submit("echo", Map.of("i", i));
        assertThat(Sh.echoedId(Sh.get(f))).isEqualTo(f.taskId());
      }
      assertThat(daemon.stats("echo").restarts()).isZero();
    }
  }

  @Test
  void aCallbackMayBlockOnAnotherTask_withoutADeadlock() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("echo", SLOW_ECHO).instances(1).maxRetries(0).timeout(Duration.ofSeconds(20)).build())
        .start()) {
      TaskFuture first = daemon.submit("echo", Map.of("slow", 1));
      TaskFuture second = daemon.submit("echo", Map.of("n", 2));
      AtomicReference<String> thread = new AtomicReference<>();
      // On the instance's own reader thread this would wait for an answer that thread has to read.
      CompletableFuture<String> chained = first.thenApply(r -> {
        thread.set(Thread.currentThread().getName());
        return Sh.echoedId(second.join());
      });
      assertThat(chained.get(15, TimeUnit.SECONDS)).isEqualTo(second.taskId());
      assertThat(Sh.echoedId(Sh.get(first))).isEqualTo(first.taskId());
      assertThat(thread.get()).startsWith("td-taskdaemon-callback-");
      assertThat(daemon.stats("echo").timedOut()).isZero();
    }
  }

  @Test
  void closeFromACallback_isBounded_andFailsNoTaskThatWasAnswered() throws Exception {
    TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("echo", SLOW_ECHO).instances(2).build())
        .start();
    TaskFuture first = daemon.submit("echo", Map.of("n", 1));
    TaskFuture second = daemon.submit("echo", Map.of("slow", 2));
    CountDownLatch closed = new CountDownLatch(1);
    first.whenComplete((r, e) -> {
      daemon.close();
      closed.countDown();
    });
    assertThat(closed.await(30, TimeUnit.SECONDS)).as("close() inside a callback returns").isTrue();
    assertThat(Sh.echoedId(Sh.get(first))).isEqualTo(first.taskId());
    // close() drains: the task still running when it was called is answered, not failed.
    assertThat(Sh.echoedId(Sh.get(second))).isEqualTo(second.taskId());
  }

  @Test
  void shutdownNowDuringADrainingClose_winsAtOnce() throws Exception {
    TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("stuck", HANG).instances(4).timeout(Duration.ofSeconds(60)).build())
        .drainTimeout(Duration.ofSeconds(60))
        .start();
    List<TaskFuture> tasks = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      tasks.add(daemon.submit("stuck", Map.of("i", i)));
    }
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> daemon.stats("stuck").inFlight() == 4);
    Thread closer = new Thread(daemon::close, "test-closer");
    closer.start();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> closer.getState() == Thread.State.TIMED_WAITING);
    long t0 = System.nanoTime();
    daemon.shutdownNow();
    closer.join(30_000);
    assertThat(closer.isAlive()).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("not the 60 s drain").isLessThan(Duration.ofSeconds(20));
    for (TaskFuture f : tasks) {
      assertThat(f).isCompletedExceptionally();
      try {
        f.get();
      } catch (ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(DaemonClosedException.class)
            .hasMessageContaining("shutdownNow() was called").hasMessageContaining(f.taskId());
      }
    }
  }

  @Test
  void aCallbackExecutorThatThrows_losesNoStageNoEventAndNoAwait() throws Exception {
    java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
    dev.taskdaemon.Recorder rec = new dev.taskdaemon.Recorder();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("echo", SLOW_ECHO).instances(2).maxRetries(0).build())
        .callbackExecutor(r -> {
          refused.incrementAndGet();
          throw new IllegalStateException("a broken executor");
        })
        .listener(rec)
        .start()) {
      List<TaskFuture> tasks = new ArrayList<>();
      List<CompletableFuture<String>> chained = new ArrayList<>();
      List<CompletableFuture<Result>> awaited = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        TaskFuture f = daemon.submit("echo", Map.of("i", i));
        tasks.add(f);
        // Before: the executor's exception left the engine's completion of the task half done: the
        // stage never ran, await() never completed, the completion event never came.
        chained.add(f.thenApply(Sh::echoedId));
        awaited.add(daemon.await(f.taskId()));
      }
      for (int i = 0; i < tasks.size(); i++) {
        String id = tasks.get(i).taskId();
        assertThat(Sh.echoedId(tasks.get(i).get(15, TimeUnit.SECONDS))).isEqualTo(id);
        assertThat(chained.get(i).get(15, TimeUnit.SECONDS)).isEqualTo(id);
        assertThat(Sh.echoedId(awaited.get(i).get(15, TimeUnit.SECONDS))).isEqualTo(id);
      }
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> rec.completions.size() == 20);
      assertThat(refused.get()).isPositive();
      assertThat(Sh.echoedId(Sh.get(daemon.submit("echo", Map.of("after", 1))))).isNotNull();
    }
  }

  @Test
  void aCallbackExecutorThatRejects_neverRunsACallbackOnAnEngineThread() throws Exception {
    java.util.concurrent.ExecutorService gone = java.util.concurrent.Executors.newSingleThreadExecutor();
    gone.shutdown();
    CountDownLatch release = new CountDownLatch(1);
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("echo", SLOW_ECHO).instances(1).maxRetries(0).build())
        .callbackExecutor(gone)
        .start()) {
      AtomicReference<String> thread = new AtomicReference<>();
      CompletableFuture<String> blocked = daemon.submit("echo", Map.of("n", 1)).thenApply(r -> {
        thread.set(Thread.currentThread().getName());
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return Sh.echoedId(r);
      });
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> thread.get() != null);
      // Before: the rejected callback ran where the task completed, on the instance's stdout reader,
      // so while it blocked no later answer of that instance was read.
      TaskFuture next = daemon.submit("echo", Map.of("n", 2));
      CompletableFuture<String> after = next.thenApply(Sh::echoedId);
      assertThat(after.get(10, TimeUnit.SECONDS)).isEqualTo(next.taskId());
      assertThat(thread.get()).doesNotContain("-echo-").startsWith("td-taskdaemon-callback-");
      release.countDown();
      assertThat(blocked.get(10, TimeUnit.SECONDS)).isNotNull();
    } finally {
      release.countDown();
    }
  }

  @Test
  void afterClose_aCallbackExecutorShutDownToo_runsLateCallbacksOnTheCaller() throws Exception {
    java.util.concurrent.ExecutorService mine = java.util.concurrent.Executors.newSingleThreadExecutor();
    TaskFuture f;
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("echo", SLOW_ECHO).instances(1).maxRetries(0).build())
        .callbackExecutor(mine)
        .start()) {
      f = daemon.submit("echo", Map.of("n", 1));
      assertThat(Sh.echoedId(Sh.get(f))).isEqualTo(f.taskId());
    }
    mine.shutdown();
    // The daemon is closed and so is the caller's executor: a callback added now runs where it is added.
    AtomicReference<String> thread = new AtomicReference<>();
    CompletableFuture<String> late = f.thenApply(r -> {
      thread.set(Thread.currentThread().getName());
      return Sh.echoedId(r);
    });
    assertThat(late.get(10, TimeUnit.SECONDS)).isEqualTo(f.taskId());
    assertThat(thread.get()).isEqualTo(Thread.currentThread().getName());
  }
}

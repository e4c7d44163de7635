package dev.taskdaemon.adversarial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskdaemon.Backoff;
import dev.taskdaemon.DaemonClosedException;
import dev.taskdaemon.HandlerSelection;
import dev.taskdaemon.Recorder;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskFuture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thread that waits for its task's outcome reads the instance's answer itself (process runtime).
 * Each test first makes the caller's thread wait for a slow task while it runs, which makes the
 * instance leave its next answers to the caller; then the hazard happens while that thread is
 * inside the read (checked on its stack), and the outcome must be the one the reader thread gives.
 */
class CallerReadsTest {
  /** Echoes; {@code slow} waits first, {@code hang} never answers, {@code die} exits on its first attempt. */
  private static final String SCRIPT = Sh.loop("case \"$line\" in "
      + "*'\"slow\"'*) sleep 0.3;; "
      + "*'\"slower\"'*) sleep 1.5;; "
      + "*'\"hang\"'*) sleep 1000;; "
      + "*'\"die\"'*'\"attempt\":1}'*) sleep 0.3; exit 3;; "
      + "esac; " + Sh.ECHO);

  private final ExecutorService callers = Executors.newCachedThreadPool();

  @AfterEach
  void stopCallers() throws InterruptedException {
    callers.shutdownNow();
    assertThat(callers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
  }

  /** Runs {@code body} on a caller thread that has just waited for a slow task while it ran. */
  private <T> Future<T> caller(TaskDaemon daemon, String handler, AtomicReference<Thread> thread, Callable<T> body) {
    return callers.submit(() -> {
      // Twice: the first may wait in the queue until an instance has settled, not in flight.
      for (int i = 0; i < 2; i++) {
        TaskFuture warm = daemon.submit(handler, Map.of("op", "slow"));
        assertThat(Sh.echoedId(warm.get(60, TimeUnit.SECONDS))).isEqualTo(warm.taskId());
      }
      // Published only now: the second warm-up may be read on this thread too, and a test waiting
      // for this thread's read must see the read of the task it is about.
      thread.set(Thread.currentThread());
      return body.call();
    });
  }

  /** Waits until {@code t} is reading an instance's stdout for its task. */
  private static void awaitReading(AtomicReference<Thread> t) {
    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(2)).until(() -> t.get() != null
        && Arrays.stream(t.get().getStackTrace()).anyMatch(f -> f.getMethodName().equals("readFor")));
  }

  private static String echoedAttempt(Result r) {
    return r.json().get("attempt").asText();
  }

  @Test
  void waitingCallers_readTheirOwnAnswers_onTheirOwnThreads() throws Exception {
    Map<String, String> completedOn = new ConcurrentHashMap<>();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("echo", SCRIPT).instances(1).build())
        .callbackExecutor(Runnable::run) // a dependent runs on the thread that completed the task
        .start()) {
      AtomicReference<Thread> t = new AtomicReference<>();
      Integer onCaller = caller(daemon, "echo", t, () -> {
        int mine = 0;
        for (int i = 0; i < 50; i++) {
          TaskFuture f = daemon.submit("echo", Map.of("i", i));
          f.whenComplete((r, e) -> completedOn.put(f.taskId(), Thread.currentThread().getName()));
          assertThat(Sh.echoedId(f.get(60, TimeUnit.SECONDS))).isEqualTo(f.taskId());
          Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> completedOn.containsKey(f.taskId()));
          if (completedOn.get(f.taskId()).equals(Thread.currentThread().getName())) {
            mine++;
          }
        }
        return mine;
      }).get(60, TimeUnit.SECONDS);
      // Without the caller's read every task completes on the instance's stdout thread. The sweep may
      // hand a few answers back when this thread is descheduled for over a millisecond.
      assertThat(onCaller).isGreaterThan(25);
      assertThat(daemon.stats("echo").succeeded()).isEqualTo(52);
      assertThat(daemon.stats("echo").restarts()).isZero();
    }
  }

  @Test
  void timeoutWhileTheCallerReads_endsTheAttemptAsTheReaderWould() throws Exception {
    Recorder rec = new Recorder();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("h", SCRIPT).instances(1).timeout(Duration.ofSeconds(1)).maxRetries(0).build())
        .listener(rec)
        .start()) {
      AtomicReference<Thread> t = new AtomicReference<>();
      long[] took = new long[1];
      Future<Result> hung = caller(daemon, "h", t, () -> {
        long start = System.nanoTime();
        Result r = daemon.submit("h", Map.of("op", "hang")).get(30, TimeUnit.SECONDS);
        took[0] = System.nanoTime() - start;
        return r;
      });
      awaitReading(t);
      Result r = hung.get(30, TimeUnit.SECONDS);
      assertThat(r.isSuccess()).isFalse();
      assertThat(r.asFailure().kind()).isEqualTo(Result.Failure.Kind.TIMEOUT);
      assertThat(r.asFailure().message()).contains("instance h-0 timed out after 1s (attempt 1 of 1)");
      assertThat(Duration.ofNanos(took[0])).isLessThan(Duration.ofSeconds(15));
      // The replacement serves the next task.
      TaskFuture next = daemon.submit("h", Map.of("n", 1));
      assertThat(Sh.echoedId(Sh.get(next))).isEqualTo(next.taskId());
      // Listener events arrive on their own thread, after the futures may have completed.
      Awaitility.await().atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(rec.exited).contains("h-0: timed out"));
    }
  }

  @Test
  void crashWhileTheCallerReads_isOneAttempt_andTheRetryAnswers() throws Exception {
    Recorder rec = new Recorder();
    try (TaskDaemon daemon = TaskDaemon.builder()
                // First-available: the warm-up and the dying task use slot 0, whose reader the warm-up parked.
        .handler(Sh.handler("h", SCRIPT).instances(2).selection(HandlerSelection.FIRST_AVAILABLE).maxRetries(1)
            .build())
        .listener(rec)
        .start()) {
      AtomicReference<Thread> t = new AtomicReference<>();
      AtomicReference<String> id = new AtomicReference<>();
      Future<Result> dying = caller(daemon, "h", t, () -> {
        TaskFuture f = daemon.submit("h", Map.of("op", "die"));
        id.set(f.taskId());
        return f.get(60, TimeUnit.SECONDS);
      });
      awaitReading(t);
      Result r = dying.get(60, TimeUnit.SECONDS);
      assertThat(Sh.echoedId(r)).isEqualTo(id.get());
      assertThat(echoedAttempt(r)).isEqualTo("2");
      // Listener events arrive on their own thread, after the future may have completed.
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> rec.completions.containsKey(id.get()));
      assertThat(rec.exited).anySatisfy(e -> assertThat(e).contains("exited with code 3"));
      assertThat(rec.completions.get(id.get()).get()).isEqualTo(1);
      assertThat(daemon.stats("h").retried()).isEqualTo(1);
    }
  }

  @Test
  void closeWhileTheCallerReads_drainsIt_andTheCallerGetsItsAnswer() throws Exception {
    TaskDaemon daemon = TaskDaemon.builder().handler(Sh.handler("h", SCRIPT).instances(1).build()).start();
    AtomicReference<Thread> t = new AtomicReference<>();
    AtomicReference<String> id = new AtomicReference<>();
    Future<Result> slow = caller(daemon, "h", t, () -> {
      TaskFuture f = daemon.submit("h", Map.of("op", "slower"));
      id.set(f.taskId());
      return f.get(60, TimeUnit.SECONDS);
    });
    awaitReading(t);
    daemon.close();
    assertThat(Sh.echoedId(slow.get(30, TimeUnit.SECONDS))).isEqualTo(id.get());
  }

  @Test
  void shutdownNowWhileTheCallerReads_failsTheTask_andFreesTheCaller() throws Exception {
    TaskDaemon daemon = TaskDaemon.builder().handler(Sh.handler("h", SCRIPT).instances(1).build()).start();
    AtomicReference<Thread> t = new AtomicReference<>();
    Future<Result> hung = caller(daemon, "h", t, () -> daemon.submit("h", Map.of("op", "hang")).get(60, TimeUnit.SECONDS));
    awaitReading(t);
    daemon.shutdownNow();
    assertThatThrownBy(() -> hung.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(DaemonClosedException.class);
    // The caller's thread left the read: the kill ended the instance's stdout.
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Arrays.stream(t.get().getStackTrace())
        .noneMatch(f -> f.getMethodName().equals("readFor")));
  }

  @Test
  void interruptedCaller_leavesTheReadToTheEngine_andTheTaskStillEnds() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder().handler(Sh.handler("h", SCRIPT).instances(1).build()).start()) {
      AtomicReference<Thread> t = new AtomicReference<>();
      AtomicReference<TaskFuture> task = new AtomicReference<>();
      Future<Boolean> interrupted = caller(daemon, "h", t, () -> {
        // Slow, so that its answer cannot be in (read by the engine's thread) before get() is called:
        // get() of a completed future returns its value whatever the interrupt flag says.
        TaskFuture f = daemon.submit("h", Map.of("op", "slow"));
        task.set(f);
        Thread.currentThread().interrupt();
        try {
          f.get();
          return false;
        } catch (InterruptedException e) {
          return true;
        }
      });
      assertThat(interrupted.get(30, TimeUnit.SECONDS)).isTrue();
      // Nobody waits for it any more, yet it is read and completes.
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> task.get().isDone());
      assertThat(Sh.echoedId(task.get().getNow(null))).isEqualTo(task.get().taskId());
    }
  }

  @Test
  void interruptWhileTheCallerReads_isSeenOnceTheAnswerIsIn() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder().handler(Sh.handler("h", SCRIPT).instances(1).build()).start()) {
      AtomicReference<Thread> t = new AtomicReference<>();
      AtomicReference<TaskFuture> task = new AtomicReference<>();
      Future<String> outcome = caller(daemon, "h", t, () -> {
        TaskFuture f = daemon.submit("h", Map.of("op", "slower"));
        task.set(f);
        try {
          Result r = f.get();
          // Read on this thread: the answer is returned and the interrupt stays set, as a completed
          // CompletableFuture does.
          return Sh.echoedId(r) + (Thread.interrupted() ? " interrupted" : " not interrupted");
        } catch (InterruptedException e) {
          return "InterruptedException";
        }
      });
      awaitReading(t);
      t.get().interrupt();
      assertThat(outcome.get(30, TimeUnit.SECONDS)).isEqualTo(task.get().taskId() + " interrupted");
    }
  }

  @Test
  void timedGetShorterThanTheAttempt_returnsOnTime_withoutReading() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("h", SCRIPT).instances(1).timeout(Duration.ofSeconds(30)).build())
        .start()) {
      AtomicReference<Thread> t = new AtomicReference<>();
      AtomicReference<TaskFuture> task = new AtomicReference<>();
      Future<Long> waited = caller(daemon, "h", t, () -> {
        TaskFuture f = daemon.submit("h", Map.of("op", "slower"));
        task.set(f);
        long start = System.nanoTime();
        assertThatThrownBy(() -> f.get(200, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        return System.nanoTime() - start;
      });
      assertThat(Duration.ofNanos(waited.get(30, TimeUnit.SECONDS))).isLessThan(Duration.ofSeconds(1));
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> task.get().isDone());
      assertThat(Sh.echoedId(task.get().getNow(null))).isEqualTo(task.get().taskId());
    }
  }

  @Test
  void futuresTheSubmitterDoesNotWaitFor_areReadAnyway() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder().handler(Sh.handler("h", SCRIPT).instances(1).build()).start()) {
      AtomicReference<Thread> t = new AtomicReference<>();
      List<TaskFuture> dropped = new ArrayList<>();
      List<CompletableFuture<String>> chained = new ArrayList<>();
      caller(daemon, "h", t, () -> {
        for (int i = 0; i < 20; i++) {
          // Waited for: keeps the instance leaving answers to this thread ...
          TaskFuture w = daemon.submit("h", Map.of("w", i));
          assertThat(Sh.echoedId(w.join())).isEqualTo(w.taskId());
          // ... which then does not come for these: the engine's reader must take them over.
          TaskFuture f = daemon.submit("h", Map.of("dropped", i));
          dropped.add(f);
          TaskFuture g = daemon.submit("h", Map.of("chained", i));
          chained.add(g.thenApply(Sh::echoedId));
        }
        return null;
      }).get(60, TimeUnit.SECONDS);
      for (TaskFuture f : dropped) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(f::isDone);
        assertThat(Sh.echoedId(f.getNow(null))).isEqualTo(f.taskId());
      }
      for (CompletableFuture<String> c : chained) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(c::isDone);
        assertThat(c.getNow(null)).isNotNull();
      }
      assertThat(daemon.stats("h").succeeded()).isEqualTo(62);
      assertThat(daemon.stats("h").restarts()).isZero();
    }
  }

  @Test
  void idleOutputLeftUnread_isIdleOutput_neverTheNextTasksAnswerOrFailure(@TempDir Path dir) throws Exception {
    Path wrote = dir.resolve("wrote");
    String script = Sh.loop("case \"$line\" in "
        + "*'\"slow\"'*) sleep 0.3;; "
        + "esac; " + Sh.ECHO + "; "
        + "case \"$line\" in *'\"stray\"'*) sleep 0.2; printf '{\"status\":\"success\",\"result\":\"stray\"}\\n'; "
        + "touch '" + wrote + "';; esac");
    Recorder rec = new Recorder();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("h", script).instances(1).maxRetries(0).build())
        .listener(rec)
        .start()) {
      AtomicReference<Thread> t = new AtomicReference<>();
      Result next = caller(daemon, "h", t, () -> {
        TaskFuture stray = daemon.submit("h", Map.of("op", "stray"));
        assertThat(Sh.echoedId(stray.get(60, TimeUnit.SECONDS))).isEqualTo(stray.taskId());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(wrote));
        TaskFuture n = daemon.submit("h", Map.of("n", 1));
        Result r = n.get(60, TimeUnit.SECONDS);
        assertThat(Sh.echoedId(r)).isEqualTo(n.taskId());
        return r;
      }).get(60, TimeUnit.SECONDS);
      assertThat(echoedAttempt(next)).isEqualTo("1");
      Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(
          () -> assertThat(rec.exited).contains("h-0: out of sync: it wrote a response while it had no task"));
      assertThat(daemon.stats("h").failed()).isZero();
      assertThat(daemon.stats("h").succeeded()).isEqualTo(4);
    }
  }

  @Test
  void syncAndAsyncTasksOnOneInstance_eachGetsItsOwnAnswer() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder().handler(Sh.handler("h", SCRIPT).instances(1).build()).start()) {
      AtomicReference<Thread> t = new AtomicReference<>();
      List<TaskFuture> async = new ArrayList<>();
      Map<String, String> viaCallback = new ConcurrentHashMap<>();
      caller(daemon, "h", t, () -> {
        for (int i = 0; i < 100; i++) {
          TaskFuture f = daemon.submit("h", Map.of("i", i));
          if (i % 3 == 0) {
            assertThat(Sh.echoedId(f.get())).isEqualTo(f.taskId());
          } else {
            async.add(f);
            f.thenAccept(r -> viaCallback.put(f.taskId(), Sh.echoedId(r)));
          }
        }
        return null;
      }).get(60, TimeUnit.SECONDS);
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> viaCallback.size() == async.size());
      for (TaskFuture f : async) {
        assertThat(viaCallback.get(f.taskId())).isEqualTo(f.taskId());
      }
      assertThat(daemon.stats("h").succeeded()).isEqualTo(102);
      assertThat(daemon.stats("h").restarts()).isZero();
    }
  }

  @Test
  void chaos_manySubmittersMixingWaitsAndCallbacks_everyOutcomeExact() throws Exception {
    String script = Sh.loop("case \"$line\" in "
        + "*'\"err\"'*) printf '{\"status\":\"error\",\"error\":\"bad input\",\"retryable\":false}\\n';; "
        + "*'\"die\"'*'\"attempt\":1}'*) exit 3;; "
        + "*'\"noise\"'*) echo 'not a response'; " + Sh.ECHO + ";; "
        + "*) " + Sh.ECHO + ";; esac");
    Recorder rec = new Recorder();
    String[] ops = {"ok", "ok", "ok", "err", "die", "noise"};
    int threads = 16;
    int perThread = 30;
    Map<String, String> opOf = new ConcurrentHashMap<>();
    Map<String, Result> outcomes = new ConcurrentHashMap<>();
    AtomicInteger callbacks = new AtomicInteger();
    List<TaskFuture> unwaited = java.util.Collections.synchronizedList(new ArrayList<>());
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("h", script).instances(4).maxRetries(1).retryBackoff(Backoff.NONE).build())
        .listener(rec)
        .start()) {
      List<Future<?>> all = new ArrayList<>();
      for (int s = 0; s < threads; s++) {
        int seed = s;
        all.add(callers.submit(() -> {
          Random rnd = new Random(seed);
          for (int i = 0; i < perThread; i++) {
            String op = ops[rnd.nextInt(ops.length)];
            TaskFuture f = daemon.submit("h", Map.of("op", op, "i", i));
            opOf.put(f.taskId(), op);
            switch (rnd.nextInt(5)) {
              case 0 -> outcomes.put(f.taskId(), f.get());
              case 1 -> outcomes.put(f.taskId(), f.get(60, TimeUnit.SECONDS));
              case 2 -> outcomes.put(f.taskId(), f.join());
              case 3 -> f.whenComplete((r, e) -> {
                outcomes.put(f.taskId(), r);
                callbacks.incrementAndGet();
              });
              default -> unwaited.add(f);
            }
          }
          return null;
        }));
      }
      for (Future<?> f : all) {
        f.get(120, TimeUnit.SECONDS);
      }
      for (TaskFuture f : unwaited) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(f::isDone);
        outcomes.put(f.taskId(), f.getNow(null));
      }
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> outcomes.size() == threads * perThread);
      for (Map.Entry<String, String> e : opOf.entrySet()) {
        Result r = outcomes.get(e.getKey());
        switch (e.getValue()) {
          case "err" -> {
            assertThat(r.isSuccess()).isFalse();
            assertThat(r.asFailure().kind()).isEqualTo(Result.Failure.Kind.HANDLER);
            assertThat(r.asFailure().message()).isEqualTo("bad input");
          }
          case "die" -> {
            assertThat(Sh.echoedId(r)).isEqualTo(e.getKey());
            assertThat(echoedAttempt(r)).isEqualTo("2");
          }
          default -> {
            assertThat(Sh.echoedId(r)).isEqualTo(e.getKey());
            assertThat(echoedAttempt(r)).isEqualTo("1");
          }
        }
      }
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> rec.completions.size() == threads * perThread);
      assertThat(rec.completions.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
      long dies = opOf.values().stream().filter("die"::equals).count();
      assertThat(daemon.stats("h").retried()).isEqualTo(dies);
    }
  }
}

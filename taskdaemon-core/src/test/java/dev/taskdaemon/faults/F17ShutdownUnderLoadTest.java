package dev.taskdaemon.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.DaemonClosedException;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TestHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** F17: thousands of concurrent submitters while the daemon shuts down. */
class F17ShutdownUnderLoadTest {

  private void run(boolean graceful) throws Exception {
    TaskDaemon daemon = TaskDaemon.builder()
        .name(graceful ? "f17close" : "f17now")
        .handler(TestHandlers.handler("echo").instances(4).queueCapacity(1_000_000).build())
        .drainTimeout(Duration.ofSeconds(20))
        .start();
    int threads = 2000;
    int perThread = 5;
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(threads);
    List<CompletableFuture<Result>> futures = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> submitters = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread th = new Thread(() -> {
        try {
          go.await();
          for (int i = 0; i < perThread; i++) {
            futures.add(daemon.submit("echo", Map.of("i", i)));
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          done.countDown();
        }
      }, "f17-submitter-" + t);
      th.start();
      submitters.add(th);
    }
    go.countDown();
    if (graceful) {
      daemon.close();
    } else {
      daemon.shutdownNow();
    }
    assertThat(done.await(60, TimeUnit.SECONDS)).as("every submitter finished").isTrue();
    for (Thread th : submitters) {
      th.join(10_000);
      assertThat(th.isAlive()).isFalse();
    }
    assertThat(futures).hasSize(threads * perThread);
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    for (CompletableFuture<Result> f : futures) {
      assertThat(f).as("every future completes").isDone();
      try {
        assertThat(f.get().isSuccess()).isTrue();
        ok.incrementAndGet();
      } catch (ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(DaemonClosedException.class);
        refused.incrementAndGet();
      }
    }
    assertThat(ok.get() + refused.get()).isEqualTo(threads * perThread);
    String prefix = "td-" + daemon.name() + "-";
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet()
        .stream().noneMatch(t -> t.getName().startsWith(prefix) && t.isAlive()));
    System.out.printf("F17 %s: %d succeeded, %d refused or failed as closed%n",
        graceful ? "close()" : "shutdownNow()", ok.get(), refused.get());
  }

  @Test
  void close_withThousandsOfConcurrentSubmitters_completesEveryFutureOnce() throws Exception {
    run(true);
  }

  @Test
  void shutdownNow_withThousandsOfConcurrentSubmitters_completesEveryFutureOnce() throws Exception {
    run(false);
  }
}

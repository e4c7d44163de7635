package dev.taskdaemon.testkit;

import static dev.taskdaemon.testkit.Daemons.await;
import static dev.taskdaemon.testkit.Daemons.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Nothing the testkit starts outlives the daemon: no thread, no process. */
class NoLeaksTest {

  private static Set<String> liveThreads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
        .map(Thread::getName)
        .collect(Collectors.toSet());
  }

  private static long childProcesses() {
    return ProcessHandle.current().children().count();
  }

  /** Fake threads are gone when close() returns; the engine's own threads shortly after. */
  private static void assertNothingLeft(String daemon, long childrenBefore) {
    assertThat(liveThreads(Fakes.THREAD_NAME_PREFIX)).as("fake instance threads after close()").isEmpty();
    Awaitility.await("engine threads of daemon " + daemon + " to end").atMost(Duration.ofSeconds(10))
        .until(() -> liveThreads("td-" + daemon + "-").isEmpty());
    assertThat(childProcesses()).isEqualTo(childrenBefore);
  }

  @Test
  void afterEveryFault_closeLeavesNoThreadAndNoProcess() throws Exception {
    long children = childProcesses();
    FakeHandler resize = FakeHandler.echoing().slowDelay(ms(20));
    FakeHandler ocr = FakeHandler.returning("text");
    TaskDaemon daemon = Fakes.create().stub("resize", resize).stub("ocr", ocr).timeout(ms(100))
        .start(TaskDaemon.builder().name("leak1")
            .handler("resize", h -> h.instances(2).maxRetries(1))
            .handler("ocr", h -> h.instances(2)));
    try {
      assertThat(liveThreads(Fakes.THREAD_NAME_PREFIX)).hasSize(4);
      for (Fault f : Fault.values()) {
        resize.inject(f);
        Result r = await(daemon.submit("resize", Map.of("fault", f.name())));
        assertThat(r).as("outcome after %s", f).isNotNull();
      }
      await(daemon.submit("ocr", Map.of()));
      // Crash and hang replaced instances; their threads already ended.
      assertThat(liveThreads(Fakes.THREAD_NAME_PREFIX)).hasSize(4);
    } finally {
      daemon.close();
    }
    assertNothingLeft("leak1", children);
  }

  @Test
  void closingWhileAFakeHangsMidTask_endsItsThread() throws Exception {
    long children = childProcesses();
    FakeHandler resize = FakeHandler.echoing().injectAlways(Fault.HANG);
    TaskDaemon daemon = Fakes.create().stub("resize", resize)
        .start(TaskDaemon.builder().name("leak2").drainTimeout(Duration.ZERO).stopGrace(ms(50))
            .handler("resize", h -> h.instances(1)));
    CompletableFuture<Result> f = daemon.submit("resize", Map.of());
    resize.takeTask();

    daemon.close();

    assertThat(f).isCompletedExceptionally();
    assertNothingLeft("leak2", children);
  }

  @Test
  void closingWhileTheTestsFunctionBlocks_interruptsAndEndsItsThread() throws Exception {
    long children = childProcesses();
    CountDownLatch never = new CountDownLatch(1);
    FakeHandler resize = FakeHandler.replying(t -> {
      try {
        never.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Reply.success();
    });
    TaskDaemon daemon = Fakes.create().stub("resize", resize)
        .start(TaskDaemon.builder().name("leak3").drainTimeout(Duration.ZERO).stopGrace(ms(50))
            .handler("resize", h -> h.instances(1)));
    daemon.submit("resize", Map.of());
    resize.takeTask();

    daemon.close();

    assertNothingLeft("leak3", children);
  }

  @Test
  void shutdownNowDuringACrashLoop_leavesNoThreadAndNoProcess() throws Exception {
    long children = childProcesses();
    // Each task crashes its instance, so replacements are being launched all the time.
    FakeHandler resize = FakeHandler.echoing().injectAlways(Fault.CRASH);
    TaskDaemon daemon = Fakes.create().stub("resize", resize)
        .start(TaskDaemon.builder().name("leak4").handler("resize", h -> h.instances(2).maxRetries(0)));
    List<CompletableFuture<Result>> futures = java.util.stream.IntStream.range(0, 20)
        .mapToObj(i -> daemon.submit("resize", Map.of("i", i))).collect(Collectors.toList());
    futures.get(0).get(10, java.util.concurrent.TimeUnit.SECONDS);

    daemon.shutdownNow();

    assertNothingLeft("leak4", children);
    assertThat(futures).allMatch(CompletableFuture::isDone);
  }
}

package dev.taskdaemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Queue order, capacity and the engine's refusals, with real handler processes. */
class QueueTest {

  /** Occupies the single instance, queues tasks "t0".."t4" with the given priorities, returns dispatch order. */
  private List<String> dispatchOrder(QueueOrder order, int... priorities) throws Exception {
    Recorder rec = new Recorder();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(TestHandlers.handler("q").instances(1).queueOrder(order).build())
        .listener(rec)
        .start()) {
      CompletableFuture<Result> blocker = daemon.submit("q", Map.of("op", "sleep", "ms", 1000, "name", "blocker"));
      rec.awaitAttempts(1, Duration.ofSeconds(10));
      List<CompletableFuture<Result>> all = new ArrayList<>();
      for (int i = 0; i < priorities.length; i++) {
        all.add(daemon.submit("q", Map.of("name", "t" + i), priorities[i]));
      }
      assertThat(blocker.get(30, TimeUnit.SECONDS).isSuccess()).isTrue();
      for (CompletableFuture<Result> f : all) {
        assertThat(f.get(30, TimeUnit.SECONDS).isSuccess()).isTrue();
      }
      // Events may lag behind futures; every attempt's start is delivered, in order, soon after.
      rec.awaitAttempts(priorities.length + 1, Duration.ofSeconds(10));
      List<String> names = new ArrayList<>();
      for (Task t : rec.attemptsStarted) {
        names.add(t.taskData().get("name").asText());
      }
      return names.subList(1, names.size());
    }
  }

  @Test
  void fifo_oldestFirst() throws Exception {
    assertThat(dispatchOrder(QueueOrder.FIFO, 10, 90, 50, 90, 10)).containsExactly("t0", "t1", "t2", "t3", "t4");
  }

  @Test
  void lifo_newestFirst() throws Exception {
    assertThat(dispatchOrder(QueueOrder.LIFO, 10, 90, 50, 90, 10)).containsExactly("t4", "t3", "t2", "t1", "t0");
  }

  @Test
  void priority_highestFirst_fifoAmongEquals() throws Exception {
    assertThat(dispatchOrder(QueueOrder.PRIORITY, 10, 90, 50, 90, 10, 50))
        .containsExactly("t1", "t3", "t2", "t5", "t0", "t4");
  }

  @Test
  void fullQueue_isRefusedAtOnce_withThePoolState() throws Exception {
    Recorder rec = new Recorder();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(TestHandlers.handler("q").instances(1).queueCapacity(2).build())
        .listener(rec)
        .start()) {
      CompletableFuture<Result> blocker = daemon.submit("q", Map.of("op", "sleep", "ms", 500));
      rec.awaitAttempts(1, Duration.ofSeconds(10));
      CompletableFuture<Result> a = daemon.submit("q", Map.of());
      CompletableFuture<Result> b = daemon.submit("q", Map.of());
      CompletableFuture<Result> c = daemon.submit("q", Map.of());
      assertThat(c).isCompletedExceptionally();
      assertThatThrownBy(c::get).isInstanceOf(ExecutionException.class).cause()
          .isInstanceOf(QueueFullException.class)
          .hasMessage("handler 'q' queue full (capacity=2, queued=2, instances=1, alive=1, busy=1); raise"
              + " queue_capacity or instances, or submit more slowly");
      assertThat(((QueueFullException) catchCause(c)).handler()).isEqualTo("q");
      for (CompletableFuture<Result> f : List.of(blocker, a, b)) {
        assertThat(f.get(30, TimeUnit.SECONDS).isSuccess()).isTrue();
      }
    }
  }

  @Test
  void priorityOutsideZeroToHundred_isRejected() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder().handler(TestHandlers.handler("q").instances(1).build()).start()) {
      assertThatThrownBy(() -> daemon.submit("q", Map.of(), 101))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("priority must be from 0 to 100, was 101");
    }
  }

  static Throwable catchCause(CompletableFuture<?> f) {
    try {
      f.get();
      throw new AssertionError("future completed normally");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}

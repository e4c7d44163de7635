package dev.taskdaemon.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.Backoff;
import dev.taskdaemon.InstanceState;
import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.Result;
import dev.taskdaemon.Task;
import dev.taskdaemon.TaskFuture;
import dev.taskdaemon.spi.HandlerProcess;
import dev.taskdaemon.spi.InstanceInfo;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The pool's decisions, each part on its own: no process, no thread, no clock. */
class PoolPartsTest {
  private static final Backoff RESTART = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(30), 2.0, 0.0);

  private static PendingTask task(long seq, int priority) {
    String id = "00000000-0000-4000-8000-" + String.format("%012d", seq);
    return new PendingTask(Task.ofJson(id, "t", "{}".getBytes(StandardCharsets.UTF_8), 1), priority, seq,
        new TaskFuture(id, Runnable::run));
  }

  // ---------------------------------------------------------------- HealthTracker

  @Test
  void health_startFailuresMakeTheHandlerUnhealthyOnlyWhenNoInstanceIsAlive() {
    HealthTracker h = new HealthTracker(3, RESTART);
    assertThat(h.startFailure("r1", 0)).isFalse();
    assertThat(h.startFailure("r2", 1)).isFalse();
    assertThat(h.startFailure("r3", 1)).as("one instance still alive").isFalse();
    assertThat(h.unhealthyReason()).isNull();
    assertThat(h.startFailure("r4", 0)).isTrue();
    assertThat(h.unhealthyReason()).isEqualTo("r4");
    assertThat(h.startFailure("r5", 0)).as("already unhealthy: not newly").isFalse();
    assertThat(h.unhealthyReason()).isEqualTo("r5");
    assertThat(h.survived()).as("was unhealthy").isTrue();
    assertThat(h.unhealthyReason()).isNull();
  }

  @Test
  void health_taskDeathsNeverMakeTheHandlerUnhealthy_butTheThirdInARowMakesTheNextReplacementAProbe() {
    HealthTracker h = new HealthTracker(3, RESTART);
    for (int i = 0; i < 10; i++) {
      h.taskDeath();
    }
    assertThat(h.unhealthyReason()).isNull();
    assertThat(h.nextIsProbe()).isTrue();
    h.answered();
    assertThat(h.nextIsProbe()).isFalse();
    h.taskDeath();
    h.taskDeath();
    assertThat(h.nextIsProbe()).isFalse();
    h.taskDeath();
    assertThat(h.nextIsProbe()).isTrue();
    h.survived();
    assertThat(h.nextIsProbe()).as("the probe lived: the deaths were the tasks' doing").isFalse();
  }

  @Test
  void health_restartBackOffGrowsWithFailuresAndResetsOnAnAnswerOrAProvenInstance() {
    HealthTracker h = new HealthTracker(3, RESTART);
    h.idleFailure();
    assertThat(h.restartDelay()).isZero();
    h.taskDeath();
    assertThat(h.restartDelay()).isEqualTo(Duration.ofMillis(100));
    h.startFailure("x", 1);
    assertThat(h.restartDelay()).isEqualTo(Duration.ofMillis(200));
    h.answered();
    assertThat(h.restartDelay()).isZero();
    h.idleFailure();
    h.idleFailure();
    assertThat(h.restartDelay()).isEqualTo(Duration.ofMillis(100));
    h.survived();
    assertThat(h.restartDelay()).isZero();
  }

  // ---------------------------------------------------------------- RetryPolicy

  @Test
  void retry_onlyRetryableFailuresOfAllowedKinds_withinTheBudget() {
    RetryPolicy p = new RetryPolicy(2, Backoff.NONE, true, false);
    Result.Failure retryable = new Result.Failure("x", true);
    assertThat(p.retryDelay(1, retryable)).isZero();
    assertThat(p.retryDelay(2, retryable)).isZero();
    assertThat(p.retryDelay(3, retryable)).as("max_retries = 2 allows 3 attempts").isNull();
    assertThat(p.retryDelay(1, new Result.Failure("x", false))).isNull();
    assertThat(p.retryDelay(1, new Result.Failure("x", true, Result.Failure.Kind.TIMEOUT))).isZero();
    assertThat(p.retryDelay(1, new Result.Failure("x", true, Result.Failure.Kind.CRASH))).isNull();
    assertThat(p.retryDelay(1, new Result.Failure("x", true, Result.Failure.Kind.UNAVAILABLE))).isNull();
  }

  @Test
  void retry_attemptOfCountsOnlyAttemptsThatCanHappen() {
    RetryPolicy p = new RetryPolicy(3, Backoff.NONE, true, false);
    assertThat(p.attemptOf(1, Result.Failure.Kind.TIMEOUT)).isEqualTo("attempt 1 of 4");
    assertThat(p.attemptOf(1, Result.Failure.Kind.CRASH)).isEqualTo("attempt 1 of 1");
    assertThat(p.attemptOf(3, Result.Failure.Kind.CRASH)).isEqualTo("attempt 3 of 3");
  }

  // ---------------------------------------------------------------- MemoryTaskQueue

  @Test
  void queue_ordersNewTasks_holdsRetriesUntilDue_andCountsOnlyNewTasksAgainstCapacity() {
    MemoryTaskQueue q = new MemoryTaskQueue(QueueOrder.PRIORITY, 2);
    PendingTask low = task(1, 10);
    PendingTask high = task(2, 90);
    assertThat(q.offer(low)).isTrue();
    assertThat(q.offer(high)).isTrue();
    assertThat(q.offer(task(3, 50))).as("capacity 2").isFalse();
    assertThat(q.poll(0)).isSameAs(high);
    PendingTask retry = task(0, 50);
    retry.attempt = 2;
    retry.dueNanos = 1_000;
    q.retry(retry);
    assertThat(q.offer(task(4, 50))).as("a waiting retry takes no capacity").isTrue();
    assertThat(q.ready()).isEqualTo(2);
    assertThat(q.waiting()).isEqualTo(1);
    assertThat(q.nextDueNanos()).isEqualTo(1_000);
    assertThat(q.poll(999).seq).as("the retry is not due yet").isEqualTo(4);
    assertThat(q.poll(1_000)).isSameAs(retry);
    assertThat(q.poll(1_000)).isSameAs(low);
    assertThat(q.poll(1_000)).isNull();
    assertThat(q.isEmpty()).isTrue();
  }

  @Test
  void queue_fifoAndLifo() {
    MemoryTaskQueue fifo = new MemoryTaskQueue(QueueOrder.FIFO, 10);
    MemoryTaskQueue lifo = new MemoryTaskQueue(QueueOrder.LIFO, 10);
    for (long s = 1; s <= 3; s++) {
      fifo.offer(task(s, 50));
      lifo.offer(task(s, 50));
    }
    List<Long> f = new ArrayList<>();
    List<Long> l = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      f.add(fifo.poll(0).seq);
      l.add(lifo.poll(0).seq);
    }
    assertThat(f).containsExactly(1L, 2L, 3L);
    assertThat(l).containsExactly(3L, 2L, 1L);
    assertThat(fifo.drain()).isEmpty();
  }

  // ---------------------------------------------------------------- InstanceSlots

  @Test
  void slots_allowOnlyTheDocumentedTransitions() {
    InstanceSlots slots = new InstanceSlots(2);
    Instance a = instance(0, 1);
    assertThat(slots.place(a)).isTrue();
    assertThat(slots.place(instance(0, 2))).as("slot taken").isFalse();
    assertThat(slots.move(a, InstanceState.IDLE, InstanceState.BUSY)).as("not idle yet").isFalse();
    assertThat(slots.move(a, InstanceState.STARTING, InstanceState.BUSY)).as("no task while starting").isFalse();
    assertThat(slots.move(a, InstanceState.STARTING, InstanceState.IDLE)).isTrue();
    assertThat(slots.idle()).containsExactly(0);
    assertThat(slots.move(a, InstanceState.IDLE, InstanceState.BUSY)).isTrue();
    assertThat(slots.idle()).isEmpty();
    assertThat(slots.move(a, InstanceState.BUSY, InstanceState.RETIRING)).isTrue();
    assertThat(slots.get(0)).as("a retired instance leaves its slot at once").isNull();
    assertThat(slots.count(InstanceState.RETIRING)).isEqualTo(1);
    assertThat(slots.move(a, InstanceState.RETIRING, InstanceState.IDLE)).as("never back into service").isFalse();
    assertThat(slots.move(a, InstanceState.RETIRING, InstanceState.DEAD)).isTrue();
    assertThat(slots.all()).isEmpty();
    assertThat(slots.move(a, InstanceState.DEAD, InstanceState.DEAD)).isFalse();
  }

  @Test
  void slots_aStandbyTakesOverItsSlotOnlyOnceTheSlotIsFree() {
    InstanceSlots slots = new InstanceSlots(1);
    Instance old = instance(0, 1);
    Instance next = instance(0, 2);
    slots.place(old);
    slots.move(old, InstanceState.STARTING, InstanceState.IDLE);
    assertThat(slots.placeStandby(next)).isTrue();
    assertThat(slots.alive()).isEqualTo(2);
    assertThat(slots.promote(0)).as("the old one still serves").isNull();
    slots.move(old, InstanceState.IDLE, InstanceState.RETIRING);
    assertThat(slots.promote(0)).isSameAs(next);
    assertThat(slots.get(0)).isSameAs(next);
    assertThat(slots.standby(0)).isNull();
  }

  private static Instance instance(int slot, int generation) {
    return new Instance(null, new InstanceInfo("d", "s", "h", slot, generation), new NullProcess(), 1024,
        org.slf4j.LoggerFactory.getLogger("test"), 0);
  }

  /** A process that is never started: enough for state bookkeeping. */
  private static final class NullProcess implements HandlerProcess {
    @Override
    public OutputStream stdin() {
      return new ByteArrayOutputStream();
    }

    @Override
    public InputStream stdout() {
      return new ByteArrayInputStream(new byte[0]);
    }

    @Override
    public InputStream stderr() {
      return new ByteArrayInputStream(new byte[0]);
    }

    @Override
    public CompletableFuture<Integer> onExit() {
      return new CompletableFuture<>();
    }

    @Override
    public void terminate() {}

    @Override
    public void kill(Duration bound) {}

    @Override
    public String describe() {
      return "null";
    }
  }
}

package dev.taskdaemon.testkit;

import dev.taskdaemon.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * A {@link Scheduler} whose time moves only when the test says so. Give it to the daemon with
 * {@code TaskDaemon.Builder.scheduler(clock)}; then a timeout or a retry back-off happens exactly
 * when {@link #advance(Duration)} passes its due time, on the test's thread, and a timeout test takes
 * no real time at all.
 *
 * <pre>{@code
 * ManualScheduler clock = new ManualScheduler();
 * resize.injectAlways(Fault.HANG);
 * try (TaskDaemon daemon = fakes.start(builder.scheduler(clock))) {
 *   CompletableFuture<Result> r = daemon.submit("resize", Map.of("width", 128));
 *   resize.takeTask(Duration.ofSeconds(1));    // the attempt is running
 *   clock.advance(Duration.ofSeconds(30));     // its timeout fires now
 *   assertThat(r.get().asFailure().kind()).isEqualTo(Result.Failure.Kind.TIMEOUT);
 * }
 * }</pre>
 *
 * <p>Thread-safe. Actions due at the same time run in the order they were scheduled.
 */
public final class ManualScheduler implements Scheduler {
  private static final class Entry {
    final long due;
    final long seq;
    final Runnable action;
    boolean cancelled;

    Entry(long due, long seq, Runnable action) {
      this.due = due;
      this.seq = seq;
      this.action = action;
    }
  }

  private final PriorityQueue<Entry> queue = new PriorityQueue<>((a, b) ->
      a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
  private long now;
  private long seq;

  @Override
  public synchronized Cancellable schedule(Runnable action, Duration delay) {
    Objects.requireNonNull(action, "action");
    Entry e = new Entry(now + Math.max(0, delay.toNanos()), seq++, action);
    queue.add(e);
    return () -> {
      synchronized (this) {
        e.cancelled = true;
        queue.remove(e);
      }
    };
  }

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  /**
   * Moves time forward by {@code by} and runs, on this thread and outside this scheduler's lock,
   * every action that falls due, including actions those actions schedule within the window.
   */
  public void advance(Duration by) {
    if (by.isNegative()) {
      throw new IllegalArgumentException("time only moves forward; got " + by);
    }
    long target;
    synchronized (this) {
      target = now + by.toNanos();
    }
    while (true) {
      Entry next;
      synchronized (this) {
        next = queue.peek();
        if (next == null || next.due > target) {
          now = target;
          return;
        }
        queue.poll();
        now = Math.max(now, next.due);
      }
      next.action.run();
    }
  }

  /** Runs whatever is due now (zero-delay actions), without moving time. */
  public void runDue() {
    advance(Duration.ZERO);
  }

  /** How many actions wait for a later time. */
  public synchronized int pending() {
    return queue.size();
  }

  /** The delays, from now, of the actions that wait, soonest first. */
  public synchronized List<Duration> pendingDelays() {
    List<Entry> all = new ArrayList<>(queue);
    all.sort(queue.comparator());
    List<Duration> out = new ArrayList<>();
    for (Entry e : all) {
      out.add(Duration.ofNanos(e.due - now));
    }
    return out;
  }
}

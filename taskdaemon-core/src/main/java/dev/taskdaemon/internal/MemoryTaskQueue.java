package dev.taskdaemon.internal;

import dev.taskdaemon.QueueOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/** The in-memory {@link TaskQueue}: a priority heap in the handler's order, and one of due retries. */
final class MemoryTaskQueue implements TaskQueue {
  private final PriorityQueue<PendingTask> ready;
  private final PriorityQueue<PendingTask> waiting =
      new PriorityQueue<>(Comparator.comparingLong((PendingTask t) -> t.dueNanos).thenComparingLong(t -> t.seq));
  private final int capacity;
  /** New tasks in {@link #ready}; retries do not count against the capacity. */
  private int admitted;

  MemoryTaskQueue(QueueOrder order, int capacity) {
    this.ready = new PriorityQueue<>(comparator(order));
    this.capacity = capacity;
  }

  static Comparator<PendingTask> comparator(QueueOrder order) {
    switch (order) {
      case LIFO:
        return (a, b) -> Long.compare(b.seq, a.seq);
      case PRIORITY:
        return (a, b) -> a.priority != b.priority ? Integer.compare(b.priority, a.priority) : Long.compare(a.seq, b.seq);
      case FIFO:
      default:
        return (a, b) -> Long.compare(a.seq, b.seq);
    }
  }

  @Override
  public int reserve(int n, boolean all) {
    int room = capacity - admitted;
    int granted = all ? (room >= n ? n : 0) : Math.max(0, Math.min(n, room));
    admitted += granted;
    return granted;
  }

  @Override
  public void unreserve(int n) {
    admitted -= n;
  }

  @Override
  public void offerReserved(PendingTask t) {
    ready.add(t);
  }

  @Override
  public boolean remove(PendingTask t) {
    if (ready.remove(t)) {
      if (t.attempt == t.firstAttempt) {
        admitted--;
      }
      return true;
    }
    if (waiting.remove(t)) {
      if (t.attempt == t.firstAttempt) {
        admitted--; // a delayed new task
      }
      return true;
    }
    return false;
  }

  @Override
  public void retry(PendingTask t) {
    waiting.add(t);
  }

  @Override
  public void putBack(PendingTask t) {
    ready.add(t);
    if (t.attempt == t.firstAttempt) {
      admitted++;
    }
  }

  @Override
  public PendingTask poll(long nowNanos) {
    PendingTask w;
    while ((w = waiting.peek()) != null && nowNanos - w.dueNanos >= 0) {
      ready.add(waiting.poll());
    }
    PendingTask t = ready.poll();
    if (t != null && t.attempt == t.firstAttempt) {
      admitted--;
    }
    return t;
  }

  @Override
  public long nextDueNanos() {
    PendingTask w = waiting.peek();
    return w == null ? Long.MAX_VALUE : w.dueNanos;
  }

  @Override
  public int ready() {
    return ready.size();
  }

  @Override
  public int waiting() {
    return waiting.size();
  }

  @Override
  public int capacity() {
    return capacity;
  }

  @Override
  public List<PendingTask> drain() {
    List<PendingTask> all = new ArrayList<>(ready);
    all.addAll(waiting);
    ready.clear();
    waiting.clear();
    admitted = 0;
    return all;
  }
}

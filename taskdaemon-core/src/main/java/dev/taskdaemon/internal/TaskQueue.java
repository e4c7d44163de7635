package dev.taskdaemon.internal;

import java.util.List;

/**
 * One handler's queue of tasks waiting for an instance: new tasks in their order (fifo, lifo or
 * priority) and retries waiting out their back-off. The pool guards it with its lock; implementations
 * need not be thread-safe. A durable store plugs in here.
 */
interface TaskQueue {

  /** Admits a new task; false when the queue is full. */
  boolean offer(PendingTask t);

  /** Puts a task back for its next attempt, ready at {@code t.dueNanos}. Never refused for capacity. */
  void retry(PendingTask t);

  /** Removes and returns the next task ready at {@code nowNanos}, or null when none is. */
  PendingTask poll(long nowNanos);

  /** When the earliest waiting retry becomes ready, or {@link Long#MAX_VALUE} when none waits. */
  long nextDueNanos();

  /** Tasks ready to run. */
  int ready();

  /** Retries waiting out their back-off. */
  int waiting();

  /** The most new tasks {@link #offer} admits. */
  int capacity();

  /** Removes and returns everything, ready and waiting. */
  List<PendingTask> drain();

  default boolean isEmpty() {
    return ready() == 0 && waiting() == 0;
  }
}

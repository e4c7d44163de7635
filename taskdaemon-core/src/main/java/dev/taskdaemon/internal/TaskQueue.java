package dev.taskdaemon.internal;

import java.util.List;

/**
 * One handler's queue of tasks waiting for an instance: new tasks in their order (fifo, lifo or
 * priority) and retries waiting out their back-off. The pool guards it with its lock; implementations
 * need not be thread-safe. A durable store plugs in here.
 */
interface TaskQueue {

  /** Admits a new task; false when the queue is full. */
  default boolean offer(PendingTask t) {
    if (reserve(1, true) == 0) {
      return false;
    }
    offerReserved(t);
    return true;
  }

  /**
   * Reserves room for up to {@code n} new tasks, all or nothing when {@code all}; returns how many
   * were reserved. A reservation is used by {@link #offerReserved} or given back by {@link #unreserve}.
   */
  int reserve(int n, boolean all);

  /** Gives back reserved room that will not be used. */
  void unreserve(int n);

  /** Admits a new task into room reserved for it. */
  void offerReserved(PendingTask t);

  /** Removes a task that is ready or waiting; false when it is in neither. */
  boolean remove(PendingTask t);

  /** Puts a task back for its next attempt, ready at {@code t.dueNanos}. Never refused for capacity. */
  void retry(PendingTask t);

  /**
   * Returns a task that {@link #poll} gave out but that was never sent, to its place in the order, with
   * the room it held. Never refused for capacity: the room was its own a moment ago.
   */
  void putBack(PendingTask t);

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

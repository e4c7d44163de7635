package dev.taskdaemon.internal;

import dev.taskdaemon.Task;
import dev.taskdaemon.TaskFuture;

/** A submitted task from acceptance to its one terminal outcome. */
final class PendingTask {
  final Task first;
  final int priority;
  final long seq;
  final TaskFuture future;
  /** The number of the attempt to run next, or running now. Guarded by the pool lock. */
  int attempt = 1;
  /** When a retry waiting in the queue becomes due (scheduler nanos). Guarded by the pool lock. */
  long dueNanos;
  /** Set, under the pool lock, by whichever path reaches the terminal outcome first. */
  boolean finished;

  PendingTask(Task first, int priority, long seq, TaskFuture future) {
    this.first = first;
    this.priority = priority;
    this.seq = seq;
    this.future = future;
  }

  String id() {
    return first.taskId();
  }

  Task task(int attempt) {
    return first.withAttempt(attempt);
  }
}

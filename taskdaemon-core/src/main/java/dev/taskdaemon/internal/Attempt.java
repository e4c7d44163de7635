package dev.taskdaemon.internal;

import dev.taskdaemon.Task;

/** One attempt of a task on one instance. Ended exactly once, under the pool lock. */
final class Attempt {
  final PendingTask pending;
  final Task task;
  final Instance instance;
  final long startNanos;
  /** stdout bytes the instance had produced when the attempt started; tells "never flushed" apart. */
  final long stdoutBytesAtStart;
  /** When the attempt times out ({@link #startNanos} plus the timeout). */
  long deadlineNanos;
  boolean ended;

  Attempt(PendingTask pending, Task task, Instance instance, long startNanos, long stdoutBytesAtStart) {
    this.pending = pending;
    this.task = task;
    this.instance = instance;
    this.startNanos = startNanos;
    this.stdoutBytesAtStart = stdoutBytesAtStart;
  }
}

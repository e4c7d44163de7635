package dev.taskdaemon.internal;

import dev.taskdaemon.Task;

/** One attempt of a task on one instance. Ended exactly once, under the pool lock. */
final class Attempt {
  final PendingTask pending;
  final Task task;
  final Instance instance;
  final long startNanos;
  /**
   * How many stdout bytes the engine had received from the instance when it wrote the request: a line
   * that starts before this offset was in the pipe already and can never be this attempt's answer.
   */
  volatile long mark = Long.MAX_VALUE;
  /** When the attempt times out ({@link #startNanos} plus the timeout). */
  long deadlineNanos;
  /** Written under the pool lock; read without it by a caller reading this attempt's answer. */
  volatile boolean ended;
  /** The first stdout line skipped as a non-response during the attempt, with why; explains a timeout. */
  String firstSkipped;

  Attempt(PendingTask pending, Task task, Instance instance, long startNanos) {
    this.pending = pending;
    this.task = task;
    this.instance = instance;
    this.startNanos = startNanos;
  }
}

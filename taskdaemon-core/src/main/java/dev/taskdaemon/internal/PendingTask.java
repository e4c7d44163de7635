package dev.taskdaemon.internal;

import dev.taskdaemon.Task;
import dev.taskdaemon.TaskFuture;
import java.time.Duration;

/** A task this host holds, from acceptance (or its claim from the store) until its outcome or release. */
final class PendingTask {
  final Task first;
  final int priority;
  final long seq;
  final TaskFuture future;
  /** This task's own max_retries, or null for the handler's. */
  final Integer maxRetries;
  /** This task's own timeout per attempt, or null for the handler's. */
  final Duration timeout;
  /** The attempt number when the retry budget started (0, or the attempts before a redrive). */
  final int retryBase;
  /** The attempt it was admitted with: 1 for a new task, more for one claimed again from the store. */
  final int firstAttempt;
  /** The number of the attempt to run next, or running now. Guarded by the pool lock. */
  int attempt;
  /** When a retry waiting in the queue becomes due (scheduler nanos). Guarded by the pool lock. */
  long dueNanos;
  /** Set, under the pool lock, by whichever path reaches the terminal outcome (or the release) first. */
  boolean finished;
  /** The attempt in flight, or null. Guarded by the pool lock. */
  Attempt running;
  /** Cancelled before it was admitted to the queue. Guarded by the pool lock. */
  boolean cancelled;
  /**
   * In memory, a retry waiting out its back-off: its record shows it pending and held by nobody, until
   * the next attempt's start takes it back.
   */
  volatile boolean released;
  /** An attempt was sent to an instance while this host held the task. */
  volatile boolean started;

  PendingTask(Task first, int priority, long seq, TaskFuture future) {
    this(first, priority, seq, future, null, null, 0);
  }

  PendingTask(Task first, int priority, long seq, TaskFuture future, Integer maxRetries, Duration timeout,
      int retryBase) {
    this.first = first;
    this.priority = priority;
    this.seq = seq;
    this.future = future;
    this.maxRetries = maxRetries;
    this.timeout = timeout;
    this.retryBase = retryBase;
    this.firstAttempt = first.attempt();
    this.attempt = first.attempt();
  }

  String id() {
    return first.taskId();
  }

  Task task(int attempt) {
    return first.withAttempt(attempt);
  }
}

package dev.taskdaemon;

import java.time.Duration;

/**
 * Observes tasks and instances. Every method has a no-op default; override the ones you need.
 *
 * <p>Callbacks run on engine threads, never while an engine lock is held, possibly concurrently: an
 * implementation must be thread-safe and quick. An exception thrown by a callback is logged and
 * otherwise ignored.
 */
public interface TaskListener {

  /** Does nothing. */
  TaskListener NONE = new TaskListener() {};

  /** A task was accepted by {@code submit}; {@code task.attempt()} is 1. */
  default void taskSubmitted(Task task) {}

  /** An attempt was written to an instance. */
  default void attemptStarted(Task task, String instance) {}

  /** An attempt ended: with the handler's answer, a timeout, a crash, or a protocol error. */
  default void attemptEnded(Task task, String instance, Result outcome, Duration elapsed) {}

  /** A retry of {@code failed} will be queued after {@code delay}. */
  default void retryScheduled(Task failed, Result.Failure cause, Duration delay) {}

  /** A task reached its one terminal outcome. */
  default void taskCompleted(Task task, Result result) {}

  /** An instance started. */
  default void instanceStarted(String handler, String instance) {}

  /** An instance exited or was stopped; {@code reason} says why. */
  default void instanceExited(String handler, String instance, String reason) {}
}

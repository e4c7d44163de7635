package dev.taskdaemon;

import java.time.Duration;

/**
 * Observes tasks and instances. Every method has a no-op default; override the ones you need.
 *
 * <p><b>Threads and order.</b> Events are delivered on one thread of the daemon's own ({@code
 * td-<daemon>-events}), one at a time, in the order the engine emitted them: for one task, submitted →
 * attempt started → attempt ended → (retry scheduled → attempt started → …) → completed. Delivery is
 * asynchronous: an event may arrive after the task's future has completed (read {@link
 * TaskDaemon#stats()}, which is complete once {@code get()} returns, for counts you assert right
 * away). Every event is delivered before {@link TaskDaemon#close()} returns. A listener that blocks
 * delays only later events, never a task; one that throws (even an {@code Error}) is logged and
 * the engine goes on.
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

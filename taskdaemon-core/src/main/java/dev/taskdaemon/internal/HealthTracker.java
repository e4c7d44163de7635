package dev.taskdaemon.internal;

import dev.taskdaemon.Backoff;
import java.time.Duration;

/**
 * Tells a handler that cannot start from tasks that kill their instance, and paces replacements.
 * Guarded by the pool lock.
 *
 * <ul>
 *   <li>A <em>start failure</em> is a launch that failed, or an instance that died (or went out of sync)
 *       with no task in flight before it survived the health window. {@code unhealthyAfter} of them in a
 *       row, with no instance left alive, make the handler unhealthy: its queued tasks fail at once.
 *   <li>A <em>task death</em> is an instance that died or was retired during a task. It is that task's
 *       attempt (its retry budget covers it) and never fails another task. After {@link #PROBE_AFTER} of
 *       them in a row with no success, the next replacement is a probe: it gets no task until it has
 *       survived the health window. If it dies first, that is a start failure; if it lives, the deaths
 *       were the tasks' doing and dispatch resumes.
 *   <li>Every death or retirement since the last answer, or since an instance last survived the health
 *       window, lengthens the restart back-off.
 * </ul>
 */
final class HealthTracker {
  static final int PROBE_AFTER = 3;

  private final int unhealthyAfter;
  private final Backoff restartBackoff;
  private int failuresInARow;
  private int startFailuresInARow;
  private int taskDeathsInARow;
  private String unhealthyReason;

  HealthTracker(int unhealthyAfter, Backoff restartBackoff) {
    this.unhealthyAfter = unhealthyAfter;
    this.restartBackoff = restartBackoff;
  }

  /** An attempt got an answer. */
  void answered() {
    failuresInARow = 0;
    taskDeathsInARow = 0;
  }

  /** An instance died or was retired while it ran a task. */
  void taskDeath() {
    failuresInARow++;
    taskDeathsInARow++;
  }

  /**
   * A launch failed, or an instance died before proving itself. Returns true when this makes the
   * handler unhealthy (it was not before).
   *
   * @param reason the message queued tasks fail with, naming the handler
   * @param alive instances still running
   */
  boolean startFailure(String reason, int alive) {
    failuresInARow++;
    startFailuresInARow++;
    if (startFailuresInARow >= unhealthyAfter && alive == 0) {
      boolean was = unhealthyReason != null;
      unhealthyReason = reason;
      return !was;
    }
    return false;
  }

  /** An idle instance died or went out of sync after it had proved itself. */
  void idleFailure() {
    failuresInARow++;
  }

  /** An instance survived the health window. Returns true when the handler was unhealthy until now. */
  boolean survived() {
    // The deaths before were the tasks' doing: replacements need no growing back-off for them.
    failuresInARow = 0;
    startFailuresInARow = 0;
    taskDeathsInARow = 0;
    boolean was = unhealthyReason != null;
    unhealthyReason = null;
    return was;
  }

  /** The next replacement must survive the health window before it gets a task. */
  boolean nextIsProbe() {
    return taskDeathsInARow >= PROBE_AFTER;
  }

  /** The delay before the next replacement starts. */
  Duration restartDelay() {
    return failuresInARow <= 1 ? Duration.ZERO : restartBackoff.delay(failuresInARow - 1);
  }

  /** Why the handler is unhealthy, or null while it is healthy. */
  String unhealthyReason() {
    return unhealthyReason;
  }

  int startFailuresInARow() {
    return startFailuresInARow;
  }
}

package dev.taskdaemon;

import java.time.Duration;

/**
 * The engine's source of time: attempt timeouts, retry back-off, restart back-off and health checks
 * are scheduled here, and elapsed times are measured with {@link #nanoTime()}. The default runs on
 * one daemon thread and the system clock; give {@link TaskDaemon.Builder#scheduler(Scheduler)} a
 * controllable one to drive time by hand in tests.
 *
 * <p>Bounded waits of {@code close()} (drain, stop grace) always use real time.
 *
 * <p>The engine calls {@link #schedule} while it holds a pool lock (to arm an instance's timeout as
 * the task is handed over), so {@code schedule} must return at once and must not call back into the
 * daemon; the actions themselves run later, with no engine lock held, and only hand work to other
 * threads.
 */
public interface Scheduler {

  /**
   * Runs {@code action} once, {@code delay} from now (at once for a zero delay may run it on the
   * caller's thread). Actions are short and never block. A call that throws (an executor shut down
   * before the daemon closed) is logged as an error, and that action runs on a scheduler of the
   * daemon's own in real time, so that no timeout or retry is lost.
   */
  void schedule(Runnable action, Duration delay);

  /** Monotonic time in nanoseconds, with the meaning of {@link System#nanoTime()}. */
  long nanoTime();
}

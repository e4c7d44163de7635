package dev.taskdaemon.internal;

import java.time.Duration;

/** A point in real (monotonic) time that bounded waits count down to. */
final class Deadline {
  private final long atNanos;

  private Deadline(long atNanos) {
    this.atNanos = atNanos;
  }

  /** About 73 years: the longest wait a clock reading plus a duration is allowed to mean. */
  static final long FOREVER_NANOS = Long.MAX_VALUE / 4;

  static Deadline after(Duration d) {
    return new Deadline(System.nanoTime() + saturatedNanos(d));
  }

  /**
   * {@code d} in nanoseconds, at most {@link #FOREVER_NANOS} (and at least its negative): a duration
   * the API accepts can be longer than a {@code long} of nanoseconds holds (292 years), where {@link
   * Duration#toNanos()} throws, and a clock reading plus even a fitting one can overflow.
   */
  static long saturatedNanos(Duration d) {
    long seconds = d.getSeconds();
    if (seconds >= FOREVER_NANOS / 1_000_000_000L) {
      return FOREVER_NANOS;
    }
    if (seconds <= -FOREVER_NANOS / 1_000_000_000L) {
      return -FOREVER_NANOS;
    }
    return d.toNanos();
  }

  long remainingNanos() {
    return Math.max(0, atNanos - System.nanoTime());
  }

  /** At least 1 ms while time is left, so a wait never means "forever". */
  long remainingMillis() {
    return Math.max(1, remainingNanos() / 1_000_000);
  }

  boolean expired() {
    return atNanos - System.nanoTime() <= 0;
  }
}

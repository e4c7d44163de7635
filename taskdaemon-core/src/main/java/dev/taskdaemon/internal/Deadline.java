package dev.taskdaemon.internal;

import java.time.Duration;

/** A point in real (monotonic) time that bounded waits count down to. */
final class Deadline {
  private final long atNanos;

  private Deadline(long atNanos) {
    this.atNanos = atNanos;
  }

  static Deadline after(Duration d) {
    return new Deadline(System.nanoTime() + Math.min(d.toNanos(), Long.MAX_VALUE / 4));
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

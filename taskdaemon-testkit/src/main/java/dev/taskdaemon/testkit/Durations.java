package dev.taskdaemon.testkit;

import java.time.Duration;

/** Durations as people read them in messages: {@code 5s}, {@code 250ms}. */
final class Durations {
  private Durations() {}

  static String format(Duration d) {
    long ms = d.toMillis();
    if (ms >= 1000 && ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}

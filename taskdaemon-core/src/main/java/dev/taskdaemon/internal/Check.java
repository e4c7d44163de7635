package dev.taskdaemon.internal;

import java.time.Duration;

/** Value checks shared by the daemon and handler builders, so both say the same thing. */
public final class Check {
  private Check() {}

  public static int maxRetries(int n) {
    if (n < 0 || n > 1000) {
      throw new InvalidValueException("max_retries", n, "an integer from 0 to 1000");
    }
    return n;
  }

  public static int queueCapacity(int n) {
    return positive("queue_capacity", n);
  }

  public static int maxLineBytes(int n) {
    if (n < 1024) {
      throw new InvalidValueException("max_line_bytes", n, "an integer of at least 1024");
    }
    return n;
  }

  public static int positive(String key, int n) {
    if (n < 1) {
      throw new InvalidValueException(key, n, "a positive integer");
    }
    return n;
  }

  public static Duration positive(String key, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new InvalidValueException(key, d, "a positive number of seconds");
    }
    return d;
  }

  public static Duration nonNegative(String key, Duration d) {
    if (d == null || d.isNegative()) {
      throw new InvalidValueException(key, d, "a number of seconds, 0 or more");
    }
    return d;
  }
}

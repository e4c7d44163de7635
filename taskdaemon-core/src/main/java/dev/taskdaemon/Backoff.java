package dev.taskdaemon;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential back-off with jitter, used between the attempts of a task.
 *
 * <p>The delay before retry {@code n} (1 for the first retry) is {@code min(max, initial *
 * multiplier^(n-1))}, then spread by ±{@code jitter} (a fraction, 0 to 1) at random.
 *
 * @param initial the delay before the first retry
 * @param max the largest delay
 * @param multiplier the growth factor, at least 1
 * @param jitter the random spread as a fraction of the delay, 0 to 1
 */
public record Backoff(Duration initial, Duration max, double multiplier, double jitter) {

  /** No delay at all: retries are queued at once. Handy in tests. */
  public static final Backoff NONE = new Backoff(Duration.ZERO, Duration.ZERO, 1.0, 0.0);

  /** The default: 100 ms, doubling, at most 10 s, ±20 % jitter. */
  public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), 2.0, 0.2);

  public Backoff {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(max, "max");
    if (initial.isNegative()) {
      throw new IllegalArgumentException("initial must not be negative, was " + initial);
    }
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("max (" + max + ") must not be less than initial (" + initial + ")");
    }
    if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
      throw new IllegalArgumentException("multiplier must be a finite number >= 1, was " + multiplier);
    }
    if (!(jitter >= 0.0 && jitter <= 1.0)) {
      throw new IllegalArgumentException("jitter must be from 0 to 1, was " + jitter);
    }
  }

  /** The delay before retry number {@code retry} (1 for the first retry), jitter applied. */
  public Duration delay(int retry) {
    double base = nanos(initial) * Math.pow(multiplier, Math.max(0, retry - 1));
    base = Math.min(base, nanos(max));
    if (jitter > 0 && base > 0) {
      base = base * (1 + jitter * (ThreadLocalRandom.current().nextDouble() * 2 - 1));
    }
    // In doubles, since a duration may be longer than a long of nanoseconds holds (292 years); the
    // cast saturates there.
    return Duration.ofNanos((long) Math.max(0, base));
  }

  private static double nanos(Duration d) {
    return d.getSeconds() * 1e9 + d.getNano();
  }
}

package dev.taskdaemon.internal;

import dev.taskdaemon.Backoff;
import dev.taskdaemon.Result;
import java.time.Duration;

/** Whether a failed attempt is tried again, and when. Immutable. */
final class RetryPolicy {
  private final int maxRetries;
  private final Backoff backoff;
  private final boolean onTimeout;
  private final boolean onCrash;

  RetryPolicy(int maxRetries, Backoff backoff, boolean onTimeout, boolean onCrash) {
    this.maxRetries = maxRetries;
    this.backoff = backoff;
    this.onTimeout = onTimeout;
    this.onCrash = onCrash;
  }

  /** True when a failure of this kind may be retried at all. */
  boolean retries(Result.Failure.Kind kind) {
    switch (kind) {
      case TIMEOUT:
        return onTimeout;
      case CRASH:
        return onCrash;
      case UNAVAILABLE:
      case CANCELLED:
        return false;
      default:
        return true;
    }
  }

  /** The delay before attempt {@code attempt + 1}, or null when {@code failure} of attempt {@code attempt} is final. */
  Duration retryDelay(int attempt, Result.Failure failure) {
    return retryDelay(attempt, maxRetries, failure);
  }

  /**
   * Like {@link #retryDelay(int, Result.Failure)} for a task with its own budget: {@code attempt} counts
   * from the start of the budget (after a redrive, from there), {@code max} is its max_retries.
   */
  Duration retryDelay(int attempt, int max, Result.Failure failure) {
    if (!failure.retryable() || !retries(failure.kind()) || attempt > max) {
      return null;
    }
    return backoff.delay(attempt);
  }

  /** The handler's max_retries. */
  int maxRetries() {
    return maxRetries;
  }

  /**
   * "attempt 2 of 4" for a failure of {@code kind}: the total counts only attempts that can happen, so
   * with {@code retry_on_crash = false} a crash reads "attempt 1 of 1".
   */
  String attemptOf(int attempt, Result.Failure.Kind kind) {
    return attemptOf(attempt, maxRetries, kind);
  }

  /** {@link #attemptOf(int, Result.Failure.Kind)} with a task's own max_retries. */
  String attemptOf(int attempt, int max, Result.Failure.Kind kind) {
    int total = retries(kind) ? Math.max(attempt, max + 1) : attempt;
    return "attempt " + attempt + " of " + total;
  }
}

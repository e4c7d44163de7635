package dev.taskdaemon;

import java.util.Locale;

/**
 * Where a task is in its life. A task is {@link #PENDING} until an attempt starts, {@link #PROCESSING}
 * while one runs, and ends in exactly one of {@link #COMPLETED}, {@link #FAILED} or {@link #CANCELLED}.
 * A task waiting out a retry back-off is {@code PENDING} again, with {@link TaskInfo#nextAttemptAt()}
 * set. {@link TaskDaemon#redrive} brings a failed or cancelled task back to {@code PENDING}.
 */
public enum TaskStatus {
  /** Waiting for an instance: new, delayed, waiting out a retry back-off, or taken into a host's window. */
  PENDING,
  /** An attempt is running on an instance. */
  PROCESSING,
  /** The handler answered with a result. Final. */
  COMPLETED,
  /** The task failed for good: a handler error, or retries exhausted, or unavailable. Final. */
  FAILED,
  /** Cancelled before it finished. Final. */
  CANCELLED;

  /** True for {@code COMPLETED}, {@code FAILED} and {@code CANCELLED}. */
  public boolean isFinal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }

  /** The lowercase name stores and the HTTP API use ({@code "pending"}, ...). */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The status named {@code name}, in any case; throws naming the accepted names. */
  public static TaskStatus parse(String name) {
    for (TaskStatus s : values()) {
      if (s.name().equalsIgnoreCase(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown task status '" + name
        + "'; use one of pending, processing, completed, failed, cancelled");
  }
}

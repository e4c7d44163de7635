package dev.taskdaemon;

import dev.taskdaemon.internal.config.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Per-task choices for {@link TaskDaemon#enqueue(String, Object, TaskOptions)} and {@link
 * TaskDaemon#submit(String, Object, TaskOptions)}. Immutable; each {@code with}-style method returns a
 * copy.
 *
 * <pre>{@code
 * daemon.enqueue("resize", image, TaskOptions.defaults()
 *     .priority(80)
 *     .taskId("resize-" + image.id())      // idempotency key: a second enqueue returns the same task
 *     .notBefore(Instant.now().plusSeconds(60))
 *     .timeout(Duration.ofMinutes(2))
 *     .maxRetries(5));
 * }</pre>
 */
public final class TaskOptions {
  private static final TaskOptions DEFAULTS = new TaskOptions(TaskDaemon.DEFAULT_PRIORITY, null, null, null, null);

  private final int priority;
  private final String taskId;
  private final Instant notBefore;
  private final Duration timeout;
  private final Integer maxRetries;

  private TaskOptions(int priority, String taskId, Instant notBefore, Duration timeout, Integer maxRetries) {
    this.priority = priority;
    this.taskId = taskId;
    this.notBefore = notBefore;
    this.timeout = timeout;
    this.maxRetries = maxRetries;
  }

  /** Priority 50, a generated id, no delay, the handler's timeout and max_retries. */
  public static TaskOptions defaults() {
    return DEFAULTS;
  }

  /** Priority from 0 to 100 (higher runs first when the handler's selection is {@code priority}). */
  public TaskOptions priority(int priority) {
    if (priority < 0 || priority > 100) {
      throw new IllegalArgumentException("priority must be from 0 to 100, was " + priority);
    }
    return new TaskOptions(priority, taskId, notBefore, timeout, maxRetries);
  }

  /**
   * A caller-chosen task id, which makes enqueueing idempotent: enqueueing an id that already exists
   * returns it and stores no second task. At most 200 characters, none of them control characters.
   */
  public TaskOptions taskId(String taskId) {
    Objects.requireNonNull(taskId, "taskId");
    if (taskId.isEmpty() || taskId.length() > 200) {
      throw new IllegalArgumentException("taskId must have 1 to 200 characters, had " + taskId.length());
    }
    for (int i = 0; i < taskId.length(); i++) {
      char c = taskId.charAt(i);
      if (Character.isISOControl(c)) {
        throw new IllegalArgumentException("taskId must not contain control characters (at index " + i + ")");
      }
      if (Character.isHighSurrogate(c) && i + 1 < taskId.length() && Character.isLowSurrogate(taskId.charAt(i + 1))) {
        i++; // a whole supplementary character
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException("taskId must be valid Unicode: an unpaired surrogate at index " + i);
      }
    }
    return new TaskOptions(priority, taskId, notBefore, timeout, maxRetries);
  }

  /** The task may not start before this time (a delayed task). */
  public TaskOptions notBefore(Instant notBefore) {
    return new TaskOptions(priority, taskId, Objects.requireNonNull(notBefore, "notBefore"), timeout, maxRetries);
  }

  /** The task may not start before {@code delay} from now. */
  public TaskOptions delay(Duration delay) {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative, was " + delay);
    }
    return notBefore(Instant.now().plus(delay));
  }

  /** This task's timeout per attempt, instead of the handler's {@code timeout}: positive, at most 365 days. */
  public TaskOptions timeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, was " + timeout);
    }
    if (timeout.compareTo(Kind.MAX_DURATION) > 0) { // the limit of a handler's timeout too
      throw new IllegalArgumentException("timeout must be at most 365 days, as a handler's timeout, was " + timeout);
    }
    return new TaskOptions(priority, taskId, notBefore, timeout, maxRetries);
  }

  /** This task's {@code max_retries}, instead of the handler's (0 to 100). */
  public TaskOptions maxRetries(int maxRetries) {
    if (maxRetries < 0 || maxRetries > 100) {
      throw new IllegalArgumentException("maxRetries must be from 0 to 100, was " + maxRetries);
    }
    return new TaskOptions(priority, taskId, notBefore, timeout, maxRetries);
  }

  public int priority() {
    return priority;
  }

  /** The caller-chosen id, or {@code null} for a generated one. */
  public String taskId() {
    return taskId;
  }

  /** The earliest start, or {@code null}. */
  public Instant notBefore() {
    return notBefore;
  }

  /** The timeout override, or {@code null}. */
  public Duration timeout() {
    return timeout;
  }

  /** The max_retries override, or {@code null}. */
  public Integer maxRetries() {
    return maxRetries;
  }

  @Override
  public String toString() {
    return "TaskOptions[priority=" + priority + (taskId != null ? ", taskId=" + taskId : "")
        + (notBefore != null ? ", notBefore=" + notBefore : "") + (timeout != null ? ", timeout=" + timeout : "")
        + (maxRetries != null ? ", maxRetries=" + maxRetries : "") + "]";
  }
}

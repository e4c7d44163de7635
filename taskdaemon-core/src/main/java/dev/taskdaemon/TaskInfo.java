package dev.taskdaemon;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;

/**
 * What the store knows about one task, as {@link TaskDaemon#task(String)} and {@link
 * TaskDaemon#tasks(TaskQuery)} return it. A snapshot: it does not change when the task moves on.
 *
 * @param id the task's id, the {@code task_id} its handler receives
 * @param taskType the handler that runs it
 * @param status where the task is
 * @param priority 0 to 100
 * @param attempts how many attempts have started (or were taken into a host's window); across redrives
 *     it keeps counting up
 * @param createdAt when it was stored
 * @param updatedAt when its record last changed
 * @param nextAttemptAt when a {@code PENDING} task may start next (a delayed task, or a retry waiting out
 *     its back-off); {@code null} when it may start at once or has finished
 * @param result the outcome once the task is final ({@link Result.Failure} of kind {@code CANCELLED} for a
 *     cancelled task); {@code null} before
 * @param lastError the message of the last failed attempt, or {@code null}
 * @param taskData the task's data, parsed from the stored JSON
 */
public record TaskInfo(
    String id,
    String taskType,
    TaskStatus status,
    int priority,
    int attempts,
    Instant createdAt,
    Instant updatedAt,
    Instant nextAttemptAt,
    Result result,
    String lastError,
    JsonNode taskData) {

  public TaskInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(taskType, "taskType");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(updatedAt, "updatedAt");
  }
}

package dev.taskdaemon;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One attempt of a task as it is sent to a handler: exactly the four fields of the wire request.
 *
 * @param taskId a UUID, the same for every attempt of one submitted task
 * @param taskType the handler name the task was submitted to
 * @param taskData the JSON payload given to {@link TaskDaemon#submit(String, Object)}
 * @param attempt 1 for the first attempt, rising by one for each retry
 */
public record Task(String taskId, String taskType, JsonNode taskData, int attempt) {
  public Task {
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(taskType, "taskType");
    Objects.requireNonNull(taskData, "taskData");
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be >= 1, was " + attempt);
    }
  }
}

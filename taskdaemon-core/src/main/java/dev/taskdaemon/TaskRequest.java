package dev.taskdaemon;

import java.util.Objects;

/**
 * One task of a batch for {@link TaskDaemon#enqueueAll(java.util.List)}.
 *
 * @param taskType the handler to run it
 * @param taskData anything the daemon's ObjectMapper can encode (a Map, a record, a JsonNode), or null
 * @param options per-task choices
 */
public record TaskRequest(String taskType, Object taskData, TaskOptions options) {
  public TaskRequest {
    Objects.requireNonNull(taskType, "taskType");
    Objects.requireNonNull(options, "options");
  }

  /** A request with default options. */
  public static TaskRequest of(String taskType, Object taskData) {
    return new TaskRequest(taskType, taskData, TaskOptions.defaults());
  }
}

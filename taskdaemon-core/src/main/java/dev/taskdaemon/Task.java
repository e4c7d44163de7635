package dev.taskdaemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskdaemon.internal.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One attempt of a task as it is sent to a handler: exactly the four fields of the wire request.
 *
 * <p>The task data is held as the UTF-8 JSON that is written to the handler (encoded once, when the
 * task is submitted); {@link #taskData()} parses it on first use. Immutable and thread-safe; equal
 * when all four fields are equal.
 */
public final class Task {
  private final String taskId;
  private final String taskType;
  private final byte[] json;
  private final int attempt;
  private volatile JsonNode node;

  private Task(String taskId, String taskType, byte[] json, JsonNode node, int attempt) {
    this.taskId = Objects.requireNonNull(taskId, "taskId");
    this.taskType = Objects.requireNonNull(taskType, "taskType");
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be >= 1, was " + attempt);
    }
    this.json = json;
    this.node = node;
    this.attempt = attempt;
  }

  /**
   * A task whose data is a JSON tree.
   *
   * @param taskId a UUID, the same for every attempt of one submitted task
   * @param taskType the handler name the task was submitted to
   * @param taskData the JSON payload
   * @param attempt 1 for the first attempt, rising by one for each retry
   */
  public Task(String taskId, String taskType, JsonNode taskData, int attempt) {
    this(taskId, taskType, null, Objects.requireNonNull(taskData, "taskData"), attempt);
  }

  /**
   * A task whose data is given as UTF-8 JSON text, as it is on the wire. The array is not copied: the
   * caller must not change it afterwards.
   */
  public static Task ofJson(String taskId, String taskType, byte[] utf8Json, int attempt) {
    return new Task(taskId, taskType, Objects.requireNonNull(utf8Json, "utf8Json"), null, attempt);
  }

  /** The same task for another attempt; shares the encoded data. */
  public Task withAttempt(int attempt) {
    return attempt == this.attempt ? this : new Task(taskId, taskType, json, node, attempt);
  }

  /** A UUID, the same for every attempt of one submitted task. */
  public String taskId() {
    return taskId;
  }

  /** The handler name the task was submitted to. */
  public String taskType() {
    return taskType;
  }

  /** 1 for the first attempt, rising by one for each retry. */
  public int attempt() {
    return attempt;
  }

  /** The task data as a JSON tree, parsed on first use. */
  public JsonNode taskData() {
    JsonNode n = node;
    if (n == null) {
      try {
        n = Json.results().readTree(json);
      } catch (IOException e) {
        throw new UncheckedIOException("task " + taskId + " holds data that is not valid JSON", e);
      }
      node = n;
    }
    return n;
  }

  /** Binds the task data to {@code type}, straight from its JSON text when it has not been parsed. */
  public <T> T taskDataAs(Class<T> type) {
    ObjectMapper m = Json.mapper();
    try {
      return json != null && node == null ? m.readValue(json, type) : m.treeToValue(taskData(), type);
    } catch (IOException e) {
      throw new IllegalArgumentException("task data does not convert to " + type.getName() + ": " + e.getMessage(), e);
    }
  }

  /** The task data as JSON text. */
  public String taskDataJson() {
    return json != null ? new String(json, StandardCharsets.UTF_8) : node.toString();
  }

  /**
   * The task data as UTF-8 JSON bytes, exactly as written to the handler; for the engine and runtimes.
   * Do not modify the array.
   */
  public byte[] taskDataBytes() {
    if (json != null) {
      return json;
    }
    try {
      return Json.mapper().writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException("task " + taskId + ": data cannot be encoded", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Task t && attempt == t.attempt && taskId.equals(t.taskId) && taskType.equals(t.taskType)
        && taskData().equals(t.taskData());
  }

  @Override
  public int hashCode() {
    return Objects.hash(taskId, taskType, attempt);
  }

  @Override
  public String toString() {
    String data = taskDataJson();
    return "Task[taskId=" + taskId + ", taskType=" + taskType + ", taskData="
        + (data.length() > 200 ? data.substring(0, 200) + "…" : data) + ", attempt=" + attempt + "]";
  }
}

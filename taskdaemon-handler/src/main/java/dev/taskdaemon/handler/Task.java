package dev.taskdaemon.handler;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskdaemon.handler.internal.Protocol;

/**
 * One request as the handler function sees it: {@code task_id}, {@code task_type}, {@code attempt}
 * and {@code task_data}, the data either as a {@link JsonNode} or bound to a type.
 */
public final class Task {
  private final Protocol.Request request;
  private final ObjectMapper mapper;

  Task(Protocol.Request request, ObjectMapper mapper) {
    this.request = request;
    this.mapper = mapper;
  }

  /** The task's id (the same for every attempt of one task), or {@code null} if the request had none. */
  public String taskId() {
    return request.taskId;
  }

  /** The task type, which is the name of the handler in the host's configuration; may be {@code null}. */
  public String taskType() {
    return request.taskType;
  }

  /** 1 for the first attempt, one more for each retry (1 if the request had no {@code attempt}). */
  public int attempt() {
    return request.attempt;
  }

  /** The task's {@code task_data}: a JSON null node, never {@code null}, when there is none. */
  public JsonNode data() {
    return request.data;
  }

  /**
   * The task's {@code task_data} bound to {@code type} (a record, a POJO, a {@code Map}, ...) with the
   * handler's {@code ObjectMapper}. Fields the type does not have are ignored by the default mapper.
   *
   * @param type what to bind to
   * @param <T> that type
   * @return the bound value; {@code null} when {@code task_data} is JSON null
   * @throws IllegalArgumentException when the data does not fit the type; its message, which says
   *     where and why, becomes the task's (non-retryable) error unless caught
   */
  public <T> T data(Class<T> type) {
    try {
      return mapper.treeToValue(request.data, type);
    } catch (JsonMappingException e) {
      throw new IllegalArgumentException("task_data does not fit " + type.getSimpleName() + ": "
          + Protocol.bindingMessage(e), e);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("task_data does not fit " + type.getSimpleName() + ": "
          + e.getOriginalMessage(), e);
    }
  }

  /**
   * The task's {@code task_data} bound to a generic type, e.g. {@code new TypeReference<List<Item>>() {}}.
   *
   * @param type what to bind to
   * @param <T> that type
   * @return the bound value; {@code null} when {@code task_data} is JSON null
   * @throws IllegalArgumentException when the data does not fit the type
   */
  public <T> T data(TypeReference<T> type) {
    try {
      return mapper.readerFor(type).readValue(request.data);
    } catch (JsonMappingException e) {
      throw new IllegalArgumentException("task_data does not fit " + type.getType().getTypeName() + ": "
          + Protocol.bindingMessage(e), e);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("task_data does not fit " + type.getType().getTypeName() + ": "
          + e.getMessage(), e);
    }
  }

  /** The whole request line as JSON, fields the protocol may add later included. */
  public JsonNode request() {
    return request.node;
  }

  @Override
  public String toString() {
    return "task " + request.taskId + " (" + request.taskType + ", attempt " + request.attempt + ")";
  }
}

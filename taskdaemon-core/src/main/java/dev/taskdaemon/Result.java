package dev.taskdaemon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.taskdaemon.internal.Json;
import java.util.Objects;

/**
 * The outcome of a task: either {@link Success} with the handler's JSON result, or {@link Error}.
 *
 * <p>Every outcome that comes from a handler (success, a handler error, a timeout, a crash, exhausted
 * retries) completes the future of {@link TaskDaemon#submit(String, Object)} normally with a
 * {@code Result}. Refusals by the engine complete it exceptionally with a {@link TaskDaemonException}.
 *
 * <pre>{@code
 * Result r = daemon.submit("resize", Map.of("width", 128)).get();
 * if (r.isSuccess()) {
 *   Thumbnail t = r.as(Thumbnail.class);
 * } else {
 *   log.warn("resize failed: {}", r.asError().error());
 * }
 * }</pre>
 */
public sealed interface Result permits Result.Success, Result.Error {

  /** A successful outcome; {@code result} is JSON {@code null} when the handler sent none. */
  record Success(JsonNode result) implements Result {
    public Success {
      result = result == null ? NullNode.getInstance() : result;
    }

    @Override
    public boolean isSuccess() {
      return true;
    }
  }

  /**
   * A failed outcome.
   *
   * @param error a message for people; never null
   * @param retryable whether the handler (or the engine, for timeouts and crashes) judged a retry useful
   * @param kind where the failure came from
   */
  record Error(String error, boolean retryable, Kind kind) implements Result {
    public Error {
      Objects.requireNonNull(error, "error");
      Objects.requireNonNull(kind, "kind");
    }

    /** An error reported by the handler itself ({@link Kind#HANDLER}). */
    public Error(String error, boolean retryable) {
      this(error, retryable, Kind.HANDLER);
    }

    @Override
    public boolean isSuccess() {
      return false;
    }

    /** Where a failure came from, so callers need not parse messages. */
    public enum Kind {
      /** The handler answered {@code "status": "error"}. */
      HANDLER,
      /** The attempt ran past its timeout; the instance was killed. */
      TIMEOUT,
      /** The instance died (exited, was killed, closed stdout) during the attempt. */
      CRASH,
      /** The handler broke the protocol, e.g. a line longer than {@code max_line_bytes}. */
      PROTOCOL,
      /** The handler is unhealthy: its instances exit as soon as they start. */
      UNAVAILABLE
    }
  }

  /** Creates a success result. */
  static Success success(JsonNode result) {
    return new Success(result);
  }

  /** Creates an error result as a handler reports it ({@link Error.Kind#HANDLER}). */
  static Error error(String message, boolean retryable) {
    return new Error(message, retryable);
  }

  /** Creates an error result of the given kind. */
  static Error error(String message, boolean retryable, Error.Kind kind) {
    return new Error(message, retryable, kind);
  }

  /** True for {@link Success}. */
  boolean isSuccess();

  /** True for {@link Error}. */
  default boolean isError() {
    return !isSuccess();
  }

  /** This result as a success, or throws {@link TaskFailedException} carrying the error. */
  default Success asSuccess() {
    if (this instanceof Success s) {
      return s;
    }
    throw new TaskFailedException((Error) this);
  }

  /** This result as an error, or throws {@link IllegalStateException} when it is a success. */
  default Error asError() {
    if (this instanceof Error e) {
      return e;
    }
    throw new IllegalStateException("result is a success, not an error: " + this);
  }

  /** The JSON result of a success, or throws {@link TaskFailedException}. */
  default JsonNode json() {
    return asSuccess().result();
  }

  /**
   * Converts the JSON result of a success to {@code type} with Jackson.
   *
   * @throws TaskFailedException if this is an error
   * @throws IllegalArgumentException if the JSON does not fit {@code type}
   */
  default <T> T as(Class<T> type) {
    return as(type, Json.mapper());
  }

  /** Like {@link #as(Class)}, with generic types: {@code r.as(new TypeReference<List<Integer>>() {})}. */
  default <T> T as(TypeReference<T> type) {
    JsonNode node = json();
    ObjectMapper mapper = Json.mapper();
    try {
      return mapper.treeToValue(node, mapper.getTypeFactory().constructType(type));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "task result does not convert to " + type.getType() + ": " + e.getOriginalMessage(), e);
    }
  }

  /** Like {@link #as(Class)}, with the caller's own configured {@link ObjectMapper}. */
  default <T> T as(Class<T> type, ObjectMapper mapper) {
    JsonNode node = json();
    try {
      return mapper.treeToValue(node, type);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "task result does not convert to " + type.getName() + ": " + e.getOriginalMessage(), e);
    }
  }
}

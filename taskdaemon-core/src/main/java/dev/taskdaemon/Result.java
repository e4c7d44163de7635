package dev.taskdaemon;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.taskdaemon.internal.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The outcome of a task: either {@link Success} with the handler's JSON result, or {@link Failure}.
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
 *   log.warn("resize failed: {}", r.asFailure().message());
 * }
 * }</pre>
 *
 * <p>On a {@link Failure}, {@link #json()}, {@link #as(Class)}, {@link #as(TypeReference)} and
 * {@link #asSuccess()} throw {@link TaskFailedException} carrying the failure.
 */
public sealed interface Result permits Result.Success, Result.Failure {

  /**
   * A successful outcome. The handler's {@code result} is kept as the UTF-8 JSON it arrived as and
   * parsed only when asked for ({@link #result()}, {@link Result#as(Class)}), so a caller that does not
   * read a large result does not pay for parsing it. JSON {@code null} when the handler sent none.
   * Immutable and thread-safe; equal when the JSON values are equal.
   */
  final class Success implements Result {
    private final byte[] raw;
    private volatile JsonNode node;

    /** A success holding {@code result} ({@code null} means JSON {@code null}). */
    public Success(JsonNode result) {
      this.node = result == null ? NullNode.getInstance() : result;
      this.raw = null;
    }

    private Success(byte[] utf8Json) {
      this.raw = utf8Json;
    }

    /**
     * A success whose result is the given UTF-8 JSON text, parsed on first use. The array is not
     * copied: the caller must not change it afterwards. Invalid JSON makes {@link #result()} throw.
     */
    public static Success ofJson(byte[] utf8Json) {
      return new Success(Objects.requireNonNull(utf8Json, "utf8Json"));
    }

    /** The result as a JSON tree, parsed on the first call. */
    public JsonNode result() {
      JsonNode n = node;
      if (n == null) {
        try {
          n = Json.results().readTree(raw);
        } catch (IOException e) {
          try {
            // Invalid UTF-8 stops the byte parser: decode with replacement characters, as responses are.
            n = Json.results().readTree(new String(raw, StandardCharsets.UTF_8));
          } catch (IOException again) {
            throw new IllegalStateException("the task result is not valid JSON: " + message(again), again);
          }
        }
        node = n == null || n.isMissingNode() ? NullNode.getInstance() : n;
        n = node;
      }
      return n;
    }

    /** The result as JSON text. */
    public String resultJson() {
      return raw != null && node == null ? new String(raw, StandardCharsets.UTF_8) : result().toString();
    }

    /**
     * The result as UTF-8 JSON: the bytes it arrived as when it has not been built as a tree. Not
     * copied (a large result is not duplicated): do not change the array.
     */
    public byte[] utf8Json() {
      if (raw != null) {
        return raw;
      }
      try {
        return Json.results().writeValueAsBytes(node);
      } catch (IOException e) {
        throw new IllegalStateException("the task result cannot be written as JSON: " + message(e), e);
      }
    }

    /** Binds the result to {@code type} straight from its JSON text when it has not been parsed yet. */
    <T> T read(ObjectMapper mapper, com.fasterxml.jackson.databind.JavaType type) throws IOException {
      if (raw != null && node == null) {
        ObjectMapper m = mapper == Json.mapper() ? Json.results() : mapper;
        try {
          return m.readValue(raw, type);
        } catch (com.fasterxml.jackson.core.JsonParseException e) {
          // Bad UTF-8 in the bytes (or bad JSON, which fails again here with its own message).
          return m.readValue(new String(raw, StandardCharsets.UTF_8), type);
        }
      }
      return mapper.treeToValue(result(), type);
    }

    @Override
    public boolean isSuccess() {
      return true;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Success s && result().equals(s.result());
    }

    @Override
    public int hashCode() {
      return result().hashCode();
    }

    @Override
    public String toString() {
      String json = resultJson();
      return "Success[result=" + (json.length() > 200 ? json.substring(0, 200) + "…" : json) + "]";
    }
  }

  /**
   * A failed outcome.
   *
   * @param message a message for people; never null
   * @param retryable whether another attempt could help. Always {@code false} on the final outcome of a
   *     task (the engine has already made every attempt it will make); on a failed attempt seen by a
   *     {@link TaskListener}, what the handler (or the engine, for timeouts and crashes) judged
   * @param kind where the failure came from
   */
  record Failure(String message, boolean retryable, Kind kind) implements Result {
    public Failure {
      Objects.requireNonNull(message, "message");
      Objects.requireNonNull(kind, "kind");
    }

    /** A failure reported by the handler itself ({@link Kind#HANDLER}). */
    public Failure(String message, boolean retryable) {
      this(message, retryable, Kind.HANDLER);
    }

    @Override
    public boolean isSuccess() {
      return false;
    }

    /** This failure with {@code retryable} set to false (the same object when it already is). */
    public Failure asFinal() {
      return retryable ? new Failure(message, false, kind) : this;
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
      /** The handler is unhealthy: its instances die whenever they start, without a task. */
      UNAVAILABLE,
      /** The task was cancelled ({@link TaskDaemon#cancel}, or {@code cancel(true)} on its future). */
      CANCELLED
    }
  }

  /** Creates a success result. */
  static Success success(JsonNode result) {
    return new Success(result);
  }

  /** Creates a failure as a handler reports it ({@link Failure.Kind#HANDLER}). */
  static Failure failure(String message, boolean retryable) {
    return new Failure(message, retryable);
  }

  /** Creates a failure of the given kind. */
  static Failure failure(String message, boolean retryable, Failure.Kind kind) {
    return new Failure(message, retryable, kind);
  }

  /** True for {@link Success}. */
  boolean isSuccess();

  /** True for {@link Failure}. */
  default boolean isFailure() {
    return !isSuccess();
  }

  /** This result as a success, or throws {@link TaskFailedException} carrying the failure. */
  default Success asSuccess() {
    if (this instanceof Success s) {
      return s;
    }
    throw new TaskFailedException((Failure) this);
  }

  /** This result as a failure, or throws {@link IllegalStateException} when it is a success. */
  default Failure asFailure() {
    if (this instanceof Failure f) {
      return f;
    }
    throw new IllegalStateException("result is a success, not a failure: " + this);
  }

  /** The JSON result of a success, or throws {@link TaskFailedException}. */
  default JsonNode json() {
    return asSuccess().result();
  }

  /**
   * Converts the JSON result of a success to {@code type} with Jackson.
   *
   * @throws TaskFailedException if this is a failure
   * @throws IllegalArgumentException if the JSON does not fit {@code type}
   */
  default <T> T as(Class<T> type) {
    return as(type, Json.mapper());
  }

  /** Like {@link #as(Class)}, with generic types: {@code r.as(new TypeReference<List<Integer>>() {})}. */
  default <T> T as(TypeReference<T> type) {
    Success s = asSuccess();
    ObjectMapper mapper = Json.mapper();
    try {
      return s.read(mapper, mapper.getTypeFactory().constructType(type));
    } catch (IOException e) {
      throw new IllegalArgumentException("task result does not convert to " + type.getType() + ": " + message(e), e);
    }
  }

  /** Like {@link #as(Class)}, with the caller's own configured {@link ObjectMapper}. */
  default <T> T as(Class<T> type, ObjectMapper mapper) {
    Success s = asSuccess();
    try {
      return s.read(mapper, mapper.getTypeFactory().constructType(type));
    } catch (IOException e) {
      throw new IllegalArgumentException("task result does not convert to " + type.getName() + ": " + message(e), e);
    }
  }

  private static String message(IOException e) {
    return e instanceof com.fasterxml.jackson.core.JacksonException j ? j.getOriginalMessage() : e.getMessage();
  }
}

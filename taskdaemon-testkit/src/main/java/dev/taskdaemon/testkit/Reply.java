package dev.taskdaemon.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.taskdaemon.Result;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link FakeHandler} does with one attempt: answer (a success or an error), crash, or hang;
 * optionally after noise on stdout, lines on stderr, or a delay. Immutable.
 *
 * <pre>{@code
 * resize.enqueue(Reply.success(Map.of("url", "s3://thumbs/1.png")).after(Duration.ofMillis(50)));
 * resize.enqueue(Reply.error("source image not found", false));
 * resize.enqueue(Reply.crash(137).withStderr("Killed"));
 * }</pre>
 */
public final class Reply {
  enum Kind { ANSWER, CRASH, HANG }

  static final ObjectMapper MAPPER = new ObjectMapper();

  final Kind kind;
  final Result result;
  final int exitCode;
  final List<String> noise;
  final List<String> stderr;
  final Duration delay;

  private Reply(Kind kind, Result result, int exitCode, List<String> noise, List<String> stderr, Duration delay) {
    this.kind = kind;
    this.result = result;
    this.exitCode = exitCode;
    this.noise = noise;
    this.stderr = stderr;
    this.delay = delay;
  }

  private static Reply answer(Result result) {
    return new Reply(Kind.ANSWER, result, 0, List.of(), List.of(), Duration.ZERO);
  }

  /**
   * Answers {@code {"status":"success","result":...}}.
   *
   * @param result anything Jackson can serialize (a {@code Map}, a record, a {@code JsonNode}), or null
   * @throws IllegalArgumentException if Jackson cannot serialize it
   */
  public static Reply success(Object result) {
    return answer(new Result.Success(toJson(result)));
  }

  /** Answers {@code {"status":"success","result":null}}. */
  public static Reply success() {
    return answer(new Result.Success(NullNode.getInstance()));
  }

  /** Answers {@code {"status":"error","error":message,"retryable":retryable}}. */
  public static Reply error(String message, boolean retryable) {
    return answer(new Result.Failure(Objects.requireNonNull(message, "message"), retryable));
  }

  /** Answers with {@code result} as the handler's response. */
  public static Reply of(Result result) {
    return answer(Objects.requireNonNull(result, "result"));
  }

  /** The instance dies mid-task with exit code 1, without answering. */
  public static Reply crash() {
    return crash(Fault.CRASH_EXIT_CODE);
  }

  /** The instance dies mid-task with {@code exitCode}, without answering. */
  public static Reply crash(int exitCode) {
    if (exitCode < 0 || exitCode > 255) {
      throw new IllegalArgumentException("exitCode must be from 0 to 255, was " + exitCode);
    }
    return new Reply(Kind.CRASH, null, exitCode, List.of(), List.of(), Duration.ZERO);
  }

  /** The instance never answers; the daemon's timeout ends the attempt and kills the instance. */
  public static Reply hang() {
    return new Reply(Kind.HANG, null, 0, List.of(), List.of(), Duration.ZERO);
  }

  /**
   * This reply, preceded by {@code lines} on stdout. Each line must not be a response (a JSON object
   * whose {@code status} is {@code "success"} or {@code "error"}), since the engine would take it as
   * the answer.
   *
   * @throws IllegalArgumentException if a line contains a line break or is a response
   */
  public Reply withNoise(String... lines) {
    List<String> all = new ArrayList<>(noise);
    for (String l : lines) {
      checkLine("noise", l);
      if (isResponse(l)) {
        throw new IllegalArgumentException("noise line " + l + " is a response (its status is \"success\" or"
            + " \"error\"); the engine would take it as the answer. Use Reply.success(...) or Reply.error(...)");
      }
      all.add(l);
    }
    return new Reply(kind, result, exitCode, Collections.unmodifiableList(all), stderr, delay);
  }

  /** This reply, preceded by {@code lines} on stderr (the engine logs them and quotes them in crash messages). */
  public Reply withStderr(String... lines) {
    List<String> all = new ArrayList<>(stderr);
    for (String l : lines) {
      checkLine("stderr", l);
      all.add(l);
    }
    return new Reply(kind, result, exitCode, noise, Collections.unmodifiableList(all), delay);
  }

  /** This reply, given {@code delay} after the task arrives (a kill ends the wait). */
  public Reply after(Duration delay) {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative, was " + delay);
    }
    return new Reply(kind, result, exitCode, noise, stderr, this.delay.plus(delay));
  }

  /** The answer this reply gives, or {@code null} for a crash or a hang. */
  public Result result() {
    return result;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Reply[");
    switch (kind) {
      case CRASH:
        sb.append("crash, exit code ").append(exitCode);
        break;
      case HANG:
        sb.append("hang");
        break;
      default:
        sb.append(result);
    }
    if (!noise.isEmpty()) {
      sb.append(", ").append(noise.size()).append(" noise lines");
    }
    if (!stderr.isEmpty()) {
      sb.append(", ").append(stderr.size()).append(" stderr lines");
    }
    if (!delay.isZero()) {
      sb.append(", after ").append(delay.toMillis()).append(" ms");
    }
    return sb.append(']').toString();
  }

  static JsonNode toJson(Object value) {
    if (value == null) {
      return NullNode.getInstance();
    }
    if (value instanceof JsonNode j) {
      return j;
    }
    try {
      return MAPPER.valueToTree(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot serialize " + value.getClass().getName() + " to JSON: "
          + e.getMessage(), e);
    }
  }

  private static void checkLine(String what, String line) {
    Objects.requireNonNull(line, what + " line");
    if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
      throw new IllegalArgumentException(what + " line must not contain a line break: " + line);
    }
  }

  private static boolean isResponse(String line) {
    try {
      JsonNode n = MAPPER.readTree(line);
      if (n == null || !n.isObject()) {
        return false;
      }
      JsonNode s = n.get("status");
      return s != null && s.isTextual() && ("success".equals(s.textValue()) || "error".equals(s.textValue()));
    } catch (Exception e) {
      return false;
    }
  }
}

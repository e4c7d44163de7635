package dev.taskdaemon.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.taskdaemon.Result;
import dev.taskdaemon.Task;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The wire protocol: one request line out, one response line in. Stateless and thread-safe.
 *
 * <p>Request: exactly {@code {"task_id","task_type","task_data","attempt"}}, newline-terminated.
 * Response: a JSON object whose {@code status} is {@code "success"} or {@code "error"}; any other
 * line is not a response.
 */
public final class Codec {
  /** The message used when an error response carries no usable {@code error} field. */
  public static final String MISSING_ERROR = "handler returned status \"error\" without an error message";

  // Handlers in the wild emit raw control characters (a NUL, a tab) inside strings; accept them
  // rather than dropping a real answer.
  // Line length is bounded by max_line_bytes already; Jackson's own default cap on string length
  // (20 million characters) would silently reject a legitimate large result.
  private static final ObjectMapper READER = JsonMapper.builder(JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder()
              .maxStringLength(Integer.MAX_VALUE)
              .maxNumberLength(100_000)
              .build())
          .build())
      .enable(JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS)
      .build();
  private static final JsonFactory FACTORY = Json.mapper().getFactory();

  private Codec() {}

  /** Encodes {@code task} as one request line, ending in {@code \n}. */
  public static byte[] encode(Task task) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("task_id", task.taskId());
      g.writeStringField("task_type", task.taskType());
      g.writeFieldName("task_data");
      g.writeRawValue(new String(task.taskDataBytes(), StandardCharsets.UTF_8));
      g.writeNumberField("attempt", task.attempt());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode task " + task.taskId(), e);
    }
    out.write('\n');
    return out.toByteArray();
  }

  /**
   * Decodes one line (without its newline). Returns the response, or {@code null} when the line is
   * not a response (plain text, other JSON, a JSON value that is not an object with a valid status),
   * or {@link #MALFORMED}.
   */
  public static Result decode(byte[] buf, int off, int len) {
    // Cheap pre-check: a response is an object, so it starts with '{' after blanks.
    int i = off;
    int end = off + len;
    while (i < end && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r')) {
      i++;
    }
    if (i == end || buf[i] != '{') {
      return null;
    }
    JsonNode node;
    try {
      node = READER.readTree(buf, off, len);
    } catch (IOException e) {
      // Invalid UTF-8 makes the byte parser give up; decode with replacement characters and retry so
      // a response with a bad byte in a message is still delivered.
      try {
        node = READER.readTree(new String(buf, off, len, StandardCharsets.UTF_8));
      } catch (IOException again) {
        return looksLikeBrokenResponse(buf, off, len) ? MALFORMED : null;
      }
    }
    return fromNode(node);
  }

  /**
   * Returned by {@link #decode} for a line that is not valid JSON but looks like a response was meant
   * (it starts with a brace and mentions {@code "status"}): skipped like any other non-response, but
   * worth a warning, since the task will otherwise wait for its timeout. Compare by identity.
   */
  public static final Result MALFORMED = new Result.Failure("malformed response line", false);

  private static boolean looksLikeBrokenResponse(byte[] buf, int off, int len) {
    int i = off;
    while (i < off + len && buf[i] == ' ') {
      i++;
    }
    if (i == off + len || buf[i] != '{') {
      return false;
    }
    byte[] status = "\"status\"".getBytes(StandardCharsets.US_ASCII);
    outer:
    for (int p = i; p <= off + len - status.length; p++) {
      for (int k = 0; k < status.length; k++) {
        if (buf[p + k] != status[k]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  /** Decodes a parsed line; {@code null} when it is not a response. */
  public static Result fromNode(JsonNode node) {
    if (node == null || !node.isObject()) {
      return null;
    }
    JsonNode status = node.get("status");
    if (status == null || !status.isTextual()) {
      return null;
    }
    switch (status.textValue()) {
      case "success": {
        JsonNode result = node.get("result");
        return new Result.Success(result == null ? NullNode.getInstance() : result);
      }
      case "error": {
        JsonNode error = node.get("error");
        String message;
        if (error == null || error.isNull()) {
          message = MISSING_ERROR;
        } else if (error.isTextual()) {
          message = error.textValue();
        } else {
          message = error.toString();
        }
        JsonNode retryable = node.get("retryable");
        return new Result.Failure(message, retryable != null && retryable.isBoolean() && retryable.booleanValue());
      }
      default:
        return null;
    }
  }
}

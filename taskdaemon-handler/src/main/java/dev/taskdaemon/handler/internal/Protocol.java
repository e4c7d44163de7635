package dev.taskdaemon.handler.internal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Request decoding and response encoding, independent of where the lines come from and go. */
public final class Protocol {
  private Protocol() {}

  /**
   * A mapper for handlers: no length limit on strings (a request may be as long as the engine's
   * {@code max_line_bytes}), and unknown {@code task_data} fields ignored when binding, so a host can
   * send a field before every handler knows it.
   */
  public static ObjectMapper newMapper() {
    JsonFactory factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
        // Characters outside the BMP as UTF-8, as the engine and other languages write them.
        .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
        .build();
    return JsonMapper.builder(factory).disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
  }

  private static final ObjectMapper REQUESTS = newMapper();

  /** One decoded request line. */
  public static final class Request {
    /** The request's {@code task_id}, or {@code null} when it has none. */
    public final String taskId;
    /** The request's {@code task_type}, or {@code null}. */
    public final String taskType;
    /** The request's {@code task_data}; JSON null when it has none. */
    public final JsonNode data;
    /** The request's {@code attempt}; 1 when it has none. */
    public final int attempt;
    /** The whole request. */
    public final JsonNode node;

    Request(String taskId, String taskType, JsonNode data, int attempt, JsonNode node) {
      this.taskId = taskId;
      this.taskType = taskType;
      this.data = data;
      this.attempt = attempt;
      this.node = node;
    }
  }

  /** A line that is not a request; carries the {@code task_id} when one could be read. */
  public static final class MalformedRequest extends Exception {
    private static final long serialVersionUID = 1L;
    /** The {@code task_id} of the line, or {@code null}. */
    public final transient String taskId;

    MalformedRequest(String taskId, String message) {
      super(message, null, false, false);
      this.taskId = taskId;
    }
  }

  /** True for a line of only spaces and tabs: not a request, and never answered. */
  public static boolean isBlank(byte[] line) {
    for (byte b : line) {
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }

  /**
   * Decodes a request line as UTF-8 (invalid bytes become U+FFFD) whatever the platform charset.
   *
   * @throws MalformedRequest naming what is wrong, when the line is not a request
   */
  public static Request decode(byte[] line) throws MalformedRequest {
    JsonNode n;
    try {
      n = REQUESTS.readTree(new String(line, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new MalformedRequest(null, "the line is not JSON: " + shorten(e.getOriginalMessage()));
    }
    if (n == null || !n.isObject()) {
      throw new MalformedRequest(null, "the line is not a JSON object: " + shorten(new String(line,
          StandardCharsets.UTF_8)));
    }
    JsonNode id = n.get("task_id");
    String taskId = id != null && id.isTextual() ? id.textValue() : null;
    if (id != null && !id.isTextual()) {
      throw new MalformedRequest(null, "task_id must be a string, got " + shorten(id.toString()));
    }
    JsonNode type = n.get("task_type");
    if (type != null && !type.isTextual() && !type.isNull()) {
      throw new MalformedRequest(taskId, "task_type must be a string, got " + shorten(type.toString()));
    }
    JsonNode attempt = n.get("attempt");
    if (attempt != null && !(attempt.canConvertToInt() && attempt.isIntegralNumber() && attempt.intValue() >= 1)) {
      throw new MalformedRequest(taskId, "attempt must be an integer of at least 1, got " + shorten(attempt.toString()));
    }
    JsonNode data = n.get("task_data");
    return new Request(taskId, type == null || type.isNull() ? null : type.textValue(),
        data == null ? NullNode.getInstance() : data, attempt == null ? 1 : attempt.intValue(), n);
  }

  /**
   * Encodes one response line into {@code out}: {@code task_id} first when known, the status and
   * the result or error, and {@code \n}. On an exception from serializing {@code result}, {@code
   * out} is left as it was.
   */
  public static void success(ResponseBuffer out, String taskId, Object result, ObjectWriter resultWriter)
      throws IOException {
    int mark = out.size();
    try (JsonGenerator g = open(out, taskId, "success")) {
      g.writeFieldName("result");
      resultWriter.writeValue(g, result);
      g.writeEndObject();
    } catch (IOException | RuntimeException e) {
      truncate(out, mark);
      throw e;
    }
    endLine(out, mark);
  }

  /** Encodes an error response line into {@code out}. */
  public static void error(ResponseBuffer out, String taskId, String message, boolean retryable) {
    int mark = out.size();
    try (JsonGenerator g = open(out, taskId, "error")) {
      g.writeStringField("error", message);
      g.writeBooleanField("retryable", retryable);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory failed", e);
    }
    endLine(out, mark);
  }

  /** Starts a response object: {@code task_id} first when known, so a reader sees it at once, then the status. */
  private static JsonGenerator open(ResponseBuffer out, String taskId, String status) throws IOException {
    JsonGenerator g = REQUESTS.getFactory().createGenerator(out, JsonEncoding.UTF8);
    g.writeStartObject();
    if (taskId != null) {
      g.writeStringField("task_id", taskId);
    }
    g.writeStringField("status", status);
    return g;
  }

  /** The writer for results: never indented, whatever the user's mapper says, so a response is one line. */
  public static ObjectWriter resultWriter(ObjectMapper mapper) {
    return mapper.writer().without(SerializationFeature.INDENT_OUTPUT);
  }

  /**
   * The message of an error response for a function that threw {@code t}: an exception's own
   * message (its class name when it has none); for an {@link Error}, its class and message, since
   * "Java heap space" alone says little.
   */
  public static String message(Throwable t) {
    if (t instanceof Error) {
      return t.toString();
    }
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getName() : m;
  }

  /** Jackson's message for a value that does not bind, with where in {@code task_data} it failed. */
  public static String bindingMessage(JsonMappingException e) {
    StringBuilder where = new StringBuilder("task_data");
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        where.append('.').append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        where.append('[').append(r.getIndex()).append(']');
      }
    }
    return e.getOriginalMessage() + " (at " + where + ")";
  }

  static String shorten(String s) {
    if (s == null) {
      return "";
    }
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  /**
   * Ends the line just written. A raw line break can only come from a custom serializer writing raw
   * text; as JSON white space it is the same as a space, and the protocol needs one line.
   */
  private static void endLine(ResponseBuffer out, int mark) {
    out.blankLineBreaks(mark);
    out.write('\n');
  }

  private static void truncate(ResponseBuffer out, int size) {
    out.truncate(size);
  }
}

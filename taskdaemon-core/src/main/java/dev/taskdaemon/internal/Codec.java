package dev.taskdaemon.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.taskdaemon.Result;
import dev.taskdaemon.Task;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * The wire protocol: one request line out, one response line in. Stateless and thread-safe.
 *
 * <p>Request: exactly {@code {"task_id","task_type","task_data","attempt"}}, newline-terminated.
 * Response: a JSON object whose {@code status} is {@code "success"} or {@code "error"}, optionally
 * carrying the {@code task_id} it answers; any other line is not a response.
 */
public final class Codec {
  /** The message used when an error response carries no usable {@code error} field. */
  public static final String MISSING_ERROR = "handler returned status \"error\" without an error message";

  private static final byte[] ATTEMPT = ",\"attempt\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA = ",\"task_data\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TYPE = "\",\"task_type\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ID = "{\"task_id\":\"".getBytes(StandardCharsets.US_ASCII);

  private Codec() {}

  /** What one stdout line turned out to be. */
  public sealed interface Line permits Response, Skipped {}

  /**
   * A response.
   *
   * @param result the outcome it reports
   * @param taskId the top-level {@code task_id} it carries, or null when it carries none
   */
  public record Response(Result result, String taskId) implements Line {}

  /**
   * A line that is not a response.
   *
   * @param why why not, for people ("it is a JSON array, not an object")
   * @param meantAsResponse it looks like a response was meant (worth a warning)
   */
  public record Skipped(String why, boolean meantAsResponse) implements Line {}

  /** Encodes {@code task} as one request line, ending in {@code \n}. */
  public static byte[] encode(Task task) {
    return request(task.taskId(), jsonString(task.taskType()), task.taskDataBytes(), task.attempt());
  }

  /** {@code s} as a JSON string literal, quotes included, in UTF-8. */
  public static byte[] jsonString(String s) {
    byte[] body = JsonStringEncoder.getInstance().quoteAsUTF8(s);
    byte[] out = new byte[body.length + 2];
    out[0] = '"';
    System.arraycopy(body, 0, out, 1, body.length);
    out[out.length - 1] = '"';
    return out;
  }

  /**
   * One request line from its parts: {@code taskId} is any id {@code TaskOptions.taskId} accepts
   * (escaped here unless it is plain ASCII, as a generated UUID is), {@code quotedType} comes from
   * {@link #jsonString}, {@code data} is encoded JSON without a raw newline.
   */
  public static byte[] request(String taskId, byte[] quotedType, byte[] data, int attempt) {
    byte[] n = Integer.toString(attempt).getBytes(StandardCharsets.US_ASCII);
    byte[] escaped = plainAscii(taskId) ? null : JsonStringEncoder.getInstance().quoteAsUTF8(taskId);
    int idLength = escaped == null ? taskId.length() : escaped.length;
    byte[] out = new byte[ID.length + idLength + TYPE.length + quotedType.length + DATA.length + data.length
        + ATTEMPT.length + n.length + 2];
    int p = put(out, 0, ID);
    if (escaped == null) {
      for (int i = 0; i < taskId.length(); i++) {
        out[p++] = (byte) taskId.charAt(i);
      }
    } else {
      p = put(out, p, escaped);
    }
    p = put(out, p, TYPE);
    p = put(out, p, quotedType);
    p = put(out, p, DATA);
    p = put(out, p, data);
    p = put(out, p, ATTEMPT);
    p = put(out, p, n);
    out[p++] = '}';
    out[p] = '\n';
    return out;
  }

  /** True when {@code s} goes into a JSON string as it is: printable ASCII, no quote, no backslash. */
  private static boolean plainAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  private static int put(byte[] out, int p, byte[] b) {
    System.arraycopy(b, 0, out, p, b.length);
    return p + b.length;
  }

  /**
   * Decodes one line (without its newline) to a {@link Result}, or {@code null} when it is not a
   * response. See {@link #decodeLine} for the reason a line was skipped.
   */
  public static Result decode(byte[] buf, int off, int len) {
    return decodeLine(buf, off, len) instanceof Response r ? r.result() : null;
  }

  /**
   * Decodes one line (without its newline). Three passes, each deciding only what it is sure of:
   * {@link ResponseScanner} over the bytes (the usual response, with a result of any size), then a
   * Jackson token pass (escapes or non-ASCII in the envelope), then a Jackson tree of the whole line,
   * which is the reference meaning and gives every skipped line its reason. The first two never
   * build the result: a success keeps its bytes, parsed when the caller reads them.
   */
  public static Line decodeLine(byte[] buf, int off, int len) {
    int i = off;
    int end = off + len;
    while (i < end && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r')) {
      i++;
    }
    if (i == end) {
      return new Skipped("it is an empty line", false);
    }
    if (buf[i] != '{') {
      return new Skipped(notAnObject(buf, i, end), false);
    }
    ResponseScanner scanned = new ResponseScanner(buf, off, len);
    if (scanned.scan()) {
      return scanned(scanned, buf);
    }
    Line fast = envelope(buf, off, len);
    if (fast != null) {
      return fast;
    }
    return decodeTree(buf, off, len, i, end);
  }

  /** The parser's tree of the whole line decides: the reference meaning of every line. */
  static Line decodeTree(byte[] buf, int off, int len) {
    int i = off;
    while (i < off + len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r')) {
      i++;
    }
    if (i == off + len || buf[i] != '{') {
      return decodeLine(buf, off, len); // decided before any parsing
    }
    return decodeTree(buf, off, len, i, off + len);
  }

  private static Line decodeTree(byte[] buf, int off, int len, int i, int end) {
    JsonNode node;
    try {
      node = Json.results().readTree(buf, off, len);
    } catch (StreamConstraintsException e) {
      return new Skipped("it exceeds the JSON parser's limits (" + firstSentence(e.getOriginalMessage()) + ")",
          mentionsStatus(buf, i, end));
    } catch (IOException e) {
      // Invalid UTF-8 makes the byte parser give up; decode with replacement characters and retry so
      // a response with a bad byte in a message is still delivered.
      try {
        node = Json.results().readTree(new String(buf, off, len, StandardCharsets.UTF_8));
      } catch (IOException again) {
        String detail = again instanceof com.fasterxml.jackson.core.JacksonException j ? j.getOriginalMessage()
            : again.getMessage();
        return new Skipped("it is not valid JSON (" + firstSentence(detail) + ")", mentionsStatus(buf, i, end));
      }
    }
    return fromNode(node);
  }

  /**
   * The common case in one streaming pass: the envelope's fields are read, the {@code result} value
   * is checked by the tokenizer but not built (its bytes become the {@link Result.Success} and are
   * parsed only if the caller reads them). Returns null whenever the line is anything but a
   * well-formed object whose envelope fields each appear once with their usual types; the tree path
   * then decides, so both paths give every line the same meaning and the same message.
   */
  private static Line envelope(byte[] buf, int off, int len) {
    String status = null;
    String taskId = null;
    String error = null;
    boolean errorNull = true;
    boolean retryable = false;
    int resultFrom = -1;
    int resultTo = -1;
    int seen = 0;
    try (JsonParser p = Json.results().createParser(buf, off, len)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        int bit;
        switch (name) {
          case "status":
            bit = 1;
            if (v != JsonToken.VALUE_STRING) {
              return null; // its JSON text goes into the message: the tree path writes it
            }
            status = p.getText();
            break;
          case "result":
            bit = 2;
            resultFrom = offset(p.currentTokenLocation(), off);
            if (v.isStructStart()) {
              p.skipChildren();
            } else {
              p.finishToken();
            }
            resultTo = offset(p.currentLocation(), off);
            break;
          case "error":
            bit = 4;
            if (v == JsonToken.VALUE_STRING) {
              error = p.getText();
              errorNull = false;
            } else if (v != JsonToken.VALUE_NULL) {
              return null; // its JSON text is the message: the tree path writes it
            }
            break;
          case "retryable":
            bit = 8;
            retryable = v == JsonToken.VALUE_TRUE;
            p.skipChildren();
            break;
          case "task_id":
            bit = 16;
            taskId = v == JsonToken.VALUE_STRING ? p.getText() : null;
            p.skipChildren();
            break;
          default:
            bit = 0;
            p.skipChildren();
        }
        if ((seen & bit) != 0) {
          return null; // a repeated envelope field: which one counts is the tree path's rule
        }
        seen |= bit;
      }
      if (t != JsonToken.END_OBJECT) {
        return null;
      }
    } catch (IOException | RuntimeException e) {
      return null; // broken JSON, a limit, bad UTF-8: the tree path says why, or decodes with replacement
    }
    if (status == null) {
      return new Skipped("it has no \"status\" field", false);
    }
    switch (status) {
      case "success":
        if (resultFrom < 0) {
          return new Response(new Result.Success(NullNode.getInstance()), taskId);
        }
        if (resultFrom < off || resultTo > off + len || resultFrom >= resultTo) {
          return null; // not expected from the parser; the tree path is always right
        }
        if (!ResponseScanner.validUtf8(buf, resultFrom, resultTo)) {
          return null; // the parser lets some bad forms through; the kept bytes must be UTF-8
        }
        return new Response(Result.Success.ofJson(Arrays.copyOfRange(buf, resultFrom, resultTo)), taskId);
      case "error":
        return new Response(new Result.Failure(errorNull ? MISSING_ERROR : error, retryable), taskId);
      default:
        return unknownStatus(status);
    }
  }

  private static Line scanned(ResponseScanner sc, byte[] buf) {
    if (sc.status == null) {
      return new Skipped("it has no \"status\" field", false);
    }
    switch (sc.status) {
      case "success":
        return new Response(sc.resultFrom < 0 ? new Result.Success(NullNode.getInstance())
            : Result.Success.ofJson(Arrays.copyOfRange(buf, sc.resultFrom, sc.resultTo)), sc.taskId);
      case "error":
        return new Response(new Result.Failure(sc.error == null ? MISSING_ERROR : sc.error, sc.retryable), sc.taskId);
      default:
        return unknownStatus(sc.status);
    }
  }

  /** Where a parser location is in the array the line was given in. */
  private static int offset(JsonLocation at, int off) {
    long b = at.getByteOffset();
    return b < 0 || b > Integer.MAX_VALUE - off ? -1 : (int) b + off;
  }

  private static Skipped unknownStatus(String s) {
    String lower = s.toLowerCase(Locale.ROOT);
    if (lower.equals("success") || lower.equals("error")) {
      return new Skipped("its \"status\" is \"" + s + "\"; it must be lower-case \"" + lower + "\"", true);
    }
    return new Skipped("its \"status\" is \"" + shorten(s) + "\", not \"success\" or \"error\"", true);
  }

  /** Decodes a parsed line. */
  public static Line fromNode(JsonNode node) {
    if (node == null || !node.isObject()) {
      return new Skipped("it is not a JSON object", false);
    }
    JsonNode status = node.get("status");
    if (status == null) {
      return new Skipped("it has no \"status\" field", false);
    }
    if (!status.isTextual()) {
      return new Skipped("its \"status\" is " + shorten(status.toString()) + ", not \"success\" or \"error\"", true);
    }
    JsonNode id = node.get("task_id");
    String taskId = id != null && id.isTextual() ? id.textValue() : null;
    switch (status.textValue()) {
      case "success": {
        JsonNode result = node.get("result");
        return new Response(new Result.Success(result == null ? NullNode.getInstance() : result), taskId);
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
        return new Response(
            new Result.Failure(message, retryable != null && retryable.isBoolean() && retryable.booleanValue()), taskId);
      }
      default:
        return unknownStatus(status.textValue());
    }
  }

  private static String notAnObject(byte[] buf, int i, int end) {
    int b = buf[i] & 0xFF;
    if (b == 0xEF && i + 2 < end && (buf[i + 1] & 0xFF) == 0xBB && (buf[i + 2] & 0xFF) == 0xBF) {
      return "it starts with a UTF-8 byte-order mark; a response must start with '{'";
    }
    if (b == 0) {
      return "it starts with a NUL byte; a response must start with '{'";
    }
    if (b == '[') {
      return "it is a JSON array, not an object";
    }
    if (b == '"') {
      return "it is a JSON string, not an object";
    }
    if (b == '-' || (b >= '0' && b <= '9')) {
      return "it is a number or text, not a JSON object";
    }
    if (startsWith(buf, i, end, "null") || startsWith(buf, i, end, "true") || startsWith(buf, i, end, "false")) {
      return "it is a JSON literal or text, not a JSON object";
    }
    return "it is not JSON (a response starts with '{')";
  }

  private static boolean startsWith(byte[] buf, int i, int end, String s) {
    if (end - i < s.length()) {
      return false;
    }
    for (int k = 0; k < s.length(); k++) {
      if (buf[i + k] != s.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  private static boolean mentionsStatus(byte[] buf, int from, int end) {
    byte[] status = "\"status\"".getBytes(StandardCharsets.US_ASCII);
    outer:
    for (int p = from; p <= end - status.length; p++) {
      for (int k = 0; k < status.length; k++) {
        if (buf[p + k] != status[k]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static String firstSentence(String s) {
    if (s == null) {
      return "no detail";
    }
    int nl = s.indexOf('\n');
    return shorten(nl < 0 ? s : s.substring(0, nl));
  }

  private static String shorten(String s) {
    return s.length() <= 120 ? s : s.substring(0, 120) + "…";
  }
}

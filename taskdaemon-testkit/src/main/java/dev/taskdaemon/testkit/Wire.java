package dev.taskdaemon.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.taskdaemon.Result;
import dev.taskdaemon.Task;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The handler's side of the wire protocol, written independently of the engine's codec so that a
 * fake checks the engine's requests rather than trusting them.
 */
final class Wire {
  private static final Set<String> REQUEST_FIELDS = Set.of("task_id", "task_type", "task_data", "attempt");

  private Wire() {}

  /**
   * Decodes one request line (without its newline).
   *
   * @throws IllegalArgumentException naming how the line breaks the protocol
   */
  static Task decodeRequest(byte[] line) {
    JsonNode n;
    try {
      n = Reply.MAPPER.readTree(line);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the request is not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException("the request cannot be read: " + e.getMessage());
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("the request is not a JSON object: " + preview(line));
    }
    List<String> fields = new ArrayList<>();
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      fields.add(it.next());
    }
    if (fields.size() != REQUEST_FIELDS.size() || !REQUEST_FIELDS.containsAll(fields)) {
      throw new IllegalArgumentException("the request must have exactly the fields " + List.of("task_id", "task_type",
          "task_data", "attempt") + ", it has " + fields + ": " + preview(line));
    }
    JsonNode id = n.get("task_id");
    JsonNode type = n.get("task_type");
    JsonNode attempt = n.get("attempt");
    if (!id.isTextual() || !type.isTextual() || !attempt.isInt() || attempt.intValue() < 1) {
      throw new IllegalArgumentException("task_id and task_type must be strings and attempt an integer of at least 1: "
          + preview(line));
    }
    return new Task(id.textValue(), type.textValue(), n.get("task_data"), attempt.intValue());
  }

  /** Encodes a response line, ending in {@code \n}. */
  static byte[] encodeResponse(Result result) {
    ObjectNode o = Reply.MAPPER.createObjectNode();
    if (result instanceof Result.Success s) {
      o.put("status", "success");
      o.set("result", s.result());
    } else {
      Result.Failure e = (Result.Failure) result;
      o.put("status", "error");
      o.put("error", e.message());
      o.put("retryable", e.retryable());
    }
    return line(o.toString());
  }

  static byte[] line(String text) {
    return (text + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private static String preview(byte[] line) {
    String s = new String(line, StandardCharsets.UTF_8);
    return s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }
}

package dev.taskdaemon.server.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskInfo;
import java.time.Instant;

/** The API's JSON: the task object, error bodies, and one shared mapper. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Json() {}

  /**
   * A task as the original's API shows it: {@code id}, {@code task_type}, {@code status} in lower
   * case, {@code result} (the handler's JSON; null until completed), {@code last_error}, {@code
   * attempts}, {@code priority}, and {@code created_at}/{@code updated_at} as ISO-8601 UTC strings.
   */
  static ObjectNode task(TaskInfo t) {
    ObjectNode o = NODES.objectNode();
    o.put("id", t.id());
    o.put("task_type", t.taskType());
    o.put("status", t.status().wireName());
    if (t.result() instanceof Result.Success s) {
      o.set("result", s.result());
    } else {
      o.putNull("result");
    }
    String error = t.lastError();
    if (error == null && t.result() instanceof Result.Failure f) {
      error = f.message();
    }
    if (error == null) {
      o.putNull("last_error");
    } else {
      o.put("last_error", error);
    }
    o.put("attempts", t.attempts());
    o.put("priority", t.priority());
    o.put("created_at", iso(t.createdAt()));
    o.put("updated_at", iso(t.updatedAt()));
    return o;
  }

  /** {@code Instant.toString()} is ISO-8601 in UTC with a {@code Z}. */
  private static String iso(Instant i) {
    return i.toString();
  }

  static byte[] error(String message) {
    ObjectNode o = NODES.objectNode();
    o.put("error", message);
    return bytes(o);
  }

  static byte[] bytes(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      // Only trees and maps the server built itself reach here; they always serialize.
      throw new IllegalStateException(e);
    }
  }

  static ObjectNode object() {
    return NODES.objectNode();
  }

  /** A value shown in a message, cut to {@code max} characters. */
  static String shorten(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "…";
  }
}

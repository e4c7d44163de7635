package dev.taskdaemon.benchmarks.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.taskdaemon.Task;
import dev.taskdaemon.internal.Codec;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Task data of a given size and the exact wire lines the engine would exchange for it. */
public final class Payloads {
  /** The task type (and handler name) every benchmark uses. */
  public static final String TASK_TYPE = "echo";

  private static final byte[] OK_HEAD = "{\"status\":\"success\",\"result\":".getBytes(StandardCharsets.US_ASCII);

  private Payloads() {}

  /**
   * Task data of about {@code bytes} bytes of JSON: records of mixed fields, like real task data,
   * rather than one long string that a parser skims through.
   */
  public static ObjectNode ofSize(int bytes) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    root.put("kind", "benchmark");
    ArrayNode items = root.putArray("items");
    int size = root.toString().length();
    int i = 0;
    while (true) {
      ObjectNode item = f.objectNode();
      item.put("id", i);
      item.put("name", "item-" + i);
      item.put("value", i * 0.5);
      item.put("tags", "alpha,beta");
      int itemSize = item.toString().length() + (i > 0 ? 1 : 0);
      if (size + itemSize > bytes && i > 0) {
        break;
      }
      items.add(item);
      size += itemSize;
      i++;
    }
    int pad = bytes - size - ",\"pad\":\"\"".length();
    if (pad > 0) {
      root.put("pad", "x".repeat(pad));
    }
    return root;
  }

  /** {@code data} as JSON bytes, as a caller holding encoded data (the {@code RawJson} rows) has it. */
  public static byte[] json(JsonNode data) {
    try {
      return MAPPER.writeValueAsBytes(data);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a JsonNode that cannot be written", e);
    }
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
      new com.fasterxml.jackson.databind.ObjectMapper();

  /** The request line ({@code \n}-terminated) the engine writes for {@code data}, from its own codec. */
  public static byte[] requestLine(JsonNode data) {
    return Codec.encode(new Task("3f1c2f0e-8d3b-4c43-9a57-0a6b8f7a6c11", TASK_TYPE, data, 1));
  }

  /** The response line (without {@code \n}) the echo handler answers to {@code request}. */
  public static byte[] expectedResponse(byte[] request) {
    String line = new String(request, StandardCharsets.UTF_8);
    int from = line.indexOf("\"task_data\":") + "\"task_data\":".length();
    int to = line.lastIndexOf(",\"attempt\":");
    byte[] data = line.substring(from, to).getBytes(StandardCharsets.UTF_8);
    byte[] out = Arrays.copyOf(OK_HEAD, OK_HEAD.length + data.length + 1);
    System.arraycopy(data, 0, out, OK_HEAD.length, data.length);
    out[out.length - 1] = '}';
    return out;
  }
}

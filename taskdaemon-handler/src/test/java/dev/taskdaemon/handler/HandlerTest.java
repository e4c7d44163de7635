package dev.taskdaemon.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The protocol loop in-process, through {@link Handler#serve(InputStream, OutputStream)}. */
class HandlerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  record Range(long from, long to) {}

  static String request(String id, String data, int attempt) {
    return "{\"task_id\":\"" + id + "\",\"task_type\":\"t\",\"task_data\":" + data + ",\"attempt\":" + attempt + "}\n";
  }

  static List<JsonNode> run(Handler h, String input) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    h.serve(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out);
    return lines(out.toByteArray());
  }

  static List<JsonNode> lines(byte[] bytes) throws IOException {
    String text = new String(bytes, StandardCharsets.UTF_8);
    assertThat(text).as("every response ends with a newline").satisfiesAnyOf(
        t -> assertThat(t).isEmpty(), t -> assertThat(t).endsWith("\n"));
    List<JsonNode> out = new ArrayList<>();
    for (String l : text.split("\n", -1)) {
      if (!l.isEmpty()) {
        out.add(JSON.readTree(l));
      }
    }
    return out;
  }

  @Test
  void echo_answersEachRequestWithItsTaskIdAndResult() throws Exception {
    List<JsonNode> r = run(Handler.of(task -> task.data()),
        request("a", "{\"x\":1}", 1) + request("b", "[1,2]", 2) + request("c", "null", 3));
    assertThat(r).hasSize(3);
    assertThat(r.get(0).toString()).isEqualTo("{\"task_id\":\"a\",\"status\":\"success\",\"result\":{\"x\":1}}");
    assertThat(r.get(1).toString()).isEqualTo("{\"task_id\":\"b\",\"status\":\"success\",\"result\":[1,2]}");
    assertThat(r.get(2).toString()).isEqualTo("{\"task_id\":\"c\",\"status\":\"success\",\"result\":null}");
  }

  @Test
  void task_exposesIdTypeAttemptDataAndTheWholeRequest() throws Exception {
    List<JsonNode> r = run(Handler.of(task -> Map.of("id", task.taskId(), "type", task.taskType(),
        "attempt", task.attempt(), "n", task.data().get("n").asInt(), "fields", task.request().size(),
        "range", task.data(Range.class).to())), request("id-1", "{\"n\":7,\"from\":1,\"to\":9}", 4));
    JsonNode result = r.get(0).get("result");
    assertThat(result.get("id").asText()).isEqualTo("id-1");
    assertThat(result.get("type").asText()).isEqualTo("t");
    assertThat(result.get("attempt").asInt()).isEqualTo(4);
    assertThat(result.get("n").asInt()).isEqualTo(7);
    assertThat(result.get("fields").asInt()).isEqualTo(4);
    assertThat(result.get("range").asLong()).isEqualTo(9);
  }

  @Test
  void typed_bindsTaskDataToARecord_andSerializesTheReturnedRecord() throws Exception {
    List<JsonNode> r = run(Handler.of(Range.class, range -> new Range(range.to(), range.from())),
        request("a", "{\"from\":1,\"to\":5,\"unknown\":true}", 1));
    assertThat(r.get(0).toString()).isEqualTo("{\"task_id\":\"a\",\"status\":\"success\",\"result\":{\"from\":5,\"to\":1}}");
  }

  @Test
  void typed_dataThatDoesNotFit_isANonRetryableErrorNamingTheField_andTheNextTaskIsServed() throws Exception {
    List<JsonNode> r = run(Handler.of(Range.class, range -> range.to() - range.from()),
        request("a", "{\"from\":\"x\",\"to\":5}", 1) + request("b", "null", 1) + request("c", "{\"from\":1,\"to\":5}", 1));
    assertThat(r.get(0).get("status").asText()).isEqualTo("error");
    assertThat(r.get(0).get("retryable").asBoolean()).isFalse();
    assertThat(r.get(0).get("error").asText()).startsWith("task_data does not fit Range: Cannot deserialize value of type `long`")
        .endsWith("(at task_data.from)");
    assertThat(r.get(1).get("error").asText()).isEqualTo("task_data is null; expected Range");
    assertThat(r.get(2).get("result").asLong()).isEqualTo(4);
  }

  @Test
  void retryableException_answersARetryableErrorWithItsMessage() throws Exception {
    List<JsonNode> r = run(Handler.of(task -> {
      throw new RetryableException("the database did not answer");
    }), request("a", "{}", 1));
    assertThat(r.get(0).toString())
        .isEqualTo("{\"task_id\":\"a\",\"status\":\"error\",\"error\":\"the database did not answer\",\"retryable\":true}");
  }

  @Test
  void otherExceptionsAndErrors_answerNonRetryableErrors_andTheHandlerGoesOn() throws Exception {
    List<JsonNode> r = run(Handler.of(task -> {
      switch (task.data().asText()) {
        case "checked": throw new IOException("disk gone");
        case "runtime": throw new IllegalArgumentException("bad width -3");
        case "nomessage": throw new IllegalStateException();
        case "assertion": throw new AssertionError("invariant broken");
        default: return "fine";
      }
    }), request("1", "\"checked\"", 1) + request("2", "\"runtime\"", 1) + request("3", "\"nomessage\"", 1)
        + request("4", "\"assertion\"", 1) + request("5", "\"ok\"", 1));
    assertThat(r).extracting(n -> n.path("error").asText()).containsExactly("disk gone", "bad width -3",
        "java.lang.IllegalStateException", "java.lang.AssertionError: invariant broken", "");
    assertThat(r.subList(0, 4)).allSatisfy(n -> {
      assertThat(n.get("status").asText()).isEqualTo("error");
      assertThat(n.get("retryable").asBoolean()).isFalse();
    });
    assertThat(r.get(4).toString()).isEqualTo("{\"task_id\":\"5\",\"status\":\"success\",\"result\":\"fine\"}");
  }

  @Test
  void virtualMachineError_isAnsweredAndFlushed_thenRethrown_soNoLaterRequestIsServed() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Handler h = Handler.of(task -> {
      if (task.data().asBoolean()) {
        throw new OutOfMemoryError("Java heap space");
      }
      return "fine";
    });
    String input = request("1", "false", 1) + request("2", "true", 1) + request("3", "false", 1);
    assertThatThrownBy(() -> h.serve(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out))
        .isInstanceOf(OutOfMemoryError.class);
    List<JsonNode> r = lines(out.toByteArray());
    assertThat(r).hasSize(2);
    assertThat(r.get(1).toString()).isEqualTo("{\"task_id\":\"2\",\"status\":\"error\",\"error\":"
        + "\"java.lang.OutOfMemoryError: Java heap space (the handler exits: the JVM can no longer be trusted)\","
        + "\"retryable\":false}");
  }

  @Test
  void malformedLines_areAnsweredAsBadRequests_blankLinesSkipped_andTheHandlerGoesOn() throws Exception {
    List<JsonNode> r = run(Handler.of(task -> "ok"), "not json\n\n   \n[1,2]\n{\"task_id\":5}\n"
        + "{\"task_id\":\"x\",\"attempt\":0}\n{\"task_id\":\"y\",\"task_type\":3}\n" + request("z", "1", 1));
    assertThat(r).extracting(n -> n.toString()).containsExactly(
        "{\"status\":\"error\",\"error\":\"bad request: the line is not JSON: Unrecognized token 'not': was expecting"
            + " (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\",\"retryable\":false}",
        "{\"status\":\"error\",\"error\":\"bad request: the line is not a JSON object: [1,2]\",\"retryable\":false}",
        "{\"status\":\"error\",\"error\":\"bad request: task_id must be a string, got 5\",\"retryable\":false}",
        "{\"task_id\":\"x\",\"status\":\"error\",\"error\":\"bad request: attempt must be an integer of at least 1,"
            + " got 0\",\"retryable\":false}",
        "{\"task_id\":\"y\",\"status\":\"error\",\"error\":\"bad request: task_type must be a string, got 3\","
            + "\"retryable\":false}",
        "{\"task_id\":\"z\",\"status\":\"success\",\"result\":\"ok\"}");
  }

  @Test
  void aResultJacksonCannotWrite_isAnErrorAnswer_notAHalfWrittenLine() throws Exception {
    List<JsonNode> r = run(Handler.of(task -> task.data().asBoolean() ? new Object() : "fine"),
        request("a", "true", 1) + request("b", "false", 1));
    assertThat(r.get(0).get("status").asText()).isEqualTo("error");
    assertThat(r.get(0).get("task_id").asText()).isEqualTo("a");
    assertThat(r.get(0).get("error").asText()).startsWith("the handler's result cannot be written as JSON: No serializer found");
    assertThat(r.get(1).get("result").asText()).isEqualTo("fine");
  }

  @Test
  void anIndentingObjectMapper_stillWritesOneLinePerResponse() throws Exception {
    ObjectMapper indenting = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Handler.of(task -> Map.of("a", List.of(1, 2), "b", Map.of("c", "d"))).withObjectMapper(indenting)
        .serve(new ByteArrayInputStream(request("a", "{}", 1).getBytes(StandardCharsets.UTF_8)), out);
    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(text.indexOf('\n')).isEqualTo(text.length() - 1);
    assertThat(JSON.readTree(text).get("result").get("b").get("c").asText()).isEqualTo("d");
  }

  @Test
  void linesOfAnyLength_bothWays_evenWhenTheyArriveAByteAtATime() throws Exception {
    String big = "x".repeat(5 * 1024 * 1024) + "ü✓";
    String small = "y".repeat(70 * 1024);
    String input = request("a", JSON.writeValueAsString(big), 1) + request("b", JSON.writeValueAsString(small), 1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Handler.of(task -> task.data().asText()).serve(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out);
    List<JsonNode> r = lines(out.toByteArray());
    assertThat(r.get(0).get("result").asText()).isEqualTo(big);
    assertThat(r.get(1).get("result").asText()).isEqualTo(small);

    // The same small request, one byte per read.
    InputStream trickle = new InputStream() {
      private final byte[] bytes = (request("c", JSON.writeValueAsString(small), 1)).getBytes(StandardCharsets.UTF_8);
      private int i;

      @Override
      public int read() {
        return i < bytes.length ? bytes[i++] & 0xff : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (i >= bytes.length) {
          return -1;
        }
        b[off] = bytes[i++];
        return 1;
      }
    };
    ByteArrayOutputStream out2 = new ByteArrayOutputStream();
    Handler.of(task -> task.data().asText()).serve(trickle, out2);
    assertThat(lines(out2.toByteArray()).get(0).get("result").asText()).isEqualTo(small);
  }

  @Test
  void crlfLineEnds_aLastLineWithoutNewline_andInvalidUtf8_areStillAnswered() throws Exception {
    byte[] input = concat(request("a", "\"crlf\"", 1).replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8),
        new byte[] {'{', '"', 't', 'a', 's', 'k', '_', 'i', 'd', '"', ':', '"', 'b', '"', ',', '"', 't', 'a', 's', 'k',
            '_', 'd', 'a', 't', 'a', '"', ':', '"', (byte) 0xff, '"', '}', '\n'},
        request("c", "\"last\"", 1).strip().getBytes(StandardCharsets.UTF_8));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Handler.of(task -> task.data()).serve(new ByteArrayInputStream(input), out);
    List<JsonNode> r = lines(out.toByteArray());
    assertThat(r).extracting(n -> n.get("result").asText()).containsExactly("crlf", "\uFFFD", "last");
  }

  @Test
  void eachResponseIsWrittenWithOneWriteAndOneFlush() throws Exception {
    List<String> calls = new ArrayList<>();
    OutputStream recording = new OutputStream() {
      @Override
      public void write(int b) {
        calls.add("write(1)");
      }

      @Override
      public void write(byte[] b, int off, int len) {
        calls.add("write(" + new String(b, off, len, StandardCharsets.UTF_8).strip() + ")");
      }

      @Override
      public void flush() {
        calls.add("flush");
      }
    };
    Handler.of(task -> task.data()).serve(new ByteArrayInputStream((request("a", "1", 1) + request("b", "2", 1))
        .getBytes(StandardCharsets.UTF_8)), recording);
    assertThat(calls).containsExactly(
        "write({\"task_id\":\"a\",\"status\":\"success\",\"result\":1})", "flush",
        "write({\"task_id\":\"b\",\"status\":\"success\",\"result\":2})", "flush");
  }

  @Test
  void aRequestWithoutTaskId_isAnsweredWithoutOne() throws Exception {
    List<JsonNode> r = run(Handler.of(task -> task.attempt()), "{\"task_data\":1}\n");
    assertThat(r.get(0).toString()).isEqualTo("{\"status\":\"success\",\"result\":1}");
  }

  @Test
  void handlersAreImmutable_andReject_nulls() {
    Handler h = Handler.of(task -> null);
    assertThat(h.onClose(() -> { })).isNotSameAs(h);
    assertThat(h.withObjectMapper(new ObjectMapper())).isNotSameAs(h);
    assertThatThrownBy(() -> Handler.of((TaskFunction) null)).hasMessage("function");
    assertThatThrownBy(() -> Handler.of(null, data -> data)).hasMessage("dataType");
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return b.toByteArray();
  }

  static String joined(List<JsonNode> nodes) {
    return nodes.stream().map(JsonNode::toString).collect(Collectors.joining("\n"));
  }
}

package dev.taskdaemon.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.taskdaemon.Result;
import dev.taskdaemon.Task;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CodecTest {

  private static Result decode(String line) {
    byte[] b = line.getBytes(StandardCharsets.UTF_8);
    return Codec.decode(b, 0, b.length);
  }

  @Test
  void request_hasExactlyTheFourFieldsInOrder_onOneLine() throws Exception {
    JsonNode data = Json.mapper().readTree("{\"text\":\"two\\nlines\",\"n\":[1,2]}");
    byte[] line = Codec.encode(new Task("3f1c2d4e-0000-4000-8000-000000000001", "resize", data, 1));
    String s = new String(line, StandardCharsets.UTF_8);
    assertThat(s).isEqualTo("{\"task_id\":\"3f1c2d4e-0000-4000-8000-000000000001\",\"task_type\":\"resize\","
        + "\"task_data\":{\"text\":\"two\\nlines\",\"n\":[1,2]},\"attempt\":1}\n");
    assertThat(s.indexOf('\n')).isEqualTo(s.length() - 1);
    List<String> names = new ArrayList<>();
    Json.mapper().readTree(s).fieldNames().forEachRemaining(names::add);
    assertThat(names).containsExactly("task_id", "task_type", "task_data", "attempt");
  }

  @Test
  void success_withAndWithoutResult() {
    assertThat(decode("{\"status\":\"success\",\"result\":{\"w\":128}}"))
        .isEqualTo(new Result.Success(JsonNodeFactory.instance.objectNode().put("w", 128)));
    Result missing = decode("{\"status\":\"success\"}");
    assertThat(missing.isSuccess()).isTrue();
    assertThat(missing.json().isNull()).isTrue();
    assertThat(decode("  {\"status\":\"success\",\"result\":[1]}\r").json().toString()).isEqualTo("[1]");
  }

  @Test
  void error_defaults_retryableFalse_andAMessageWhenErrorIsMissingOrNull() {
    assertThat(decode("{\"status\":\"error\",\"error\":\"bad input\",\"retryable\":true}"))
        .isEqualTo(new Result.Failure("bad input", true));
    assertThat(decode("{\"status\":\"error\",\"error\":\"bad input\"}")).isEqualTo(new Result.Failure("bad input", false));
    assertThat(decode("{\"status\":\"error\"}"))
        .isEqualTo(new Result.Failure("handler returned status \"error\" without an error message", false));
    assertThat(decode("{\"status\":\"error\",\"error\":null,\"retryable\":\"yes\"}"))
        .isEqualTo(new Result.Failure("handler returned status \"error\" without an error message", false));
    assertThat(decode("{\"status\":\"error\",\"error\":{\"code\":7}}")).isEqualTo(new Result.Failure("{\"code\":7}", false));
  }

  @Test
  void linesThatAreNotResponses_decodeToNull() {
    for (String line : List.of("", "Loading model...", "[1,2]", "\"success\"", "42", "{\"progress\":0.5}",
        "{\"status\":\"working\"}", "{\"status\":1}", "{not json}", "null")) {
      assertThat(decode(line)).as(line).isNull();
    }
    assertThat(decode("{\"status\":\"success\"")).as("truncated response").isSameAs(Codec.MALFORMED);
    assertThat(decode("{\"status\":\"success\",\"result\":oops}")).isSameAs(Codec.MALFORMED);
  }

  @Test
  void invalidUtf8AndNulBytes_areDecodedWithReplacement() {
    byte[] head = "{\"status\":\"success\",\"result\":\"a".getBytes(StandardCharsets.UTF_8);
    byte[] tail = "b\"}".getBytes(StandardCharsets.UTF_8);
    byte[] line = new byte[head.length + 4 + tail.length];
    System.arraycopy(head, 0, line, 0, head.length);
    line[head.length] = (byte) 0xC3;
    line[head.length + 1] = (byte) 0x28;
    line[head.length + 2] = 0;
    line[head.length + 3] = (byte) 0xFF;
    System.arraycopy(tail, 0, line, head.length + 4, tail.length);
    Result r = Codec.decode(line, 0, line.length);
    assertThat(r).isNotNull();
    assertThat(r.json().asText()).isEqualTo("a\uFFFD(\u0000\uFFFDb");
  }
}

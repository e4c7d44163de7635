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
    assertThat(decode("{\"status\":\"success\"")).as("truncated response").isNull();
    assertThat(line("{\"status\":\"success\"")).isInstanceOf(Codec.Skipped.class)
        .satisfies(l -> assertThat(((Codec.Skipped) l).meantAsResponse()).isTrue());
    assertThat(decode("{\"status\":\"success\",\"result\":oops}")).isNull();
  }

  private static Codec.Line line(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return Codec.decodeLine(b, 0, b.length);
  }

  private static String why(String s) {
    return ((Codec.Skipped) line(s)).why();
  }

  @Test
  void skippedLines_sayWhyTheyAreNotResponses() {
    assertThat(why("{\"status\":5}")).isEqualTo("its \"status\" is 5, not \"success\" or \"error\"");
    assertThat(why("{\"status\":\"SUCCESS\",\"result\":1}"))
        .isEqualTo("its \"status\" is \"SUCCESS\"; it must be lower-case \"success\"");
    assertThat(why("[{\"status\":\"success\"}]")).isEqualTo("it is a JSON array, not an object");
    assertThat(why("null")).isEqualTo("it is a JSON literal or text, not a JSON object");
    assertThat(why("\uFEFF{\"status\":\"success\"}"))
        .isEqualTo("it starts with a UTF-8 byte-order mark; a response must start with '{'");
    assertThat(why("\u0000{\"status\":\"success\"}")).isEqualTo("it starts with a NUL byte; a response must start with '{'");
    assertThat(why("{\"progress\":0.5}")).isEqualTo("it has no \"status\" field");
    assertThat(why("Loading model...")).isEqualTo("it is not JSON (a response starts with '{')");
    String deep = "{\"status\":\"success\",\"result\":" + "[".repeat(1500) + "]".repeat(1500) + "}";
    assertThat(why(deep)).startsWith("it exceeds the JSON parser's limits (Document nesting depth (1001) exceeds");
  }

  @Test
  void aResponseMayCarryTheTaskIdItAnswers() {
    assertThat(((Codec.Response) line("{\"status\":\"success\",\"task_id\":\"abc\",\"result\":2}")).taskId())
        .isEqualTo("abc");
    assertThat(((Codec.Response) line("{\"status\":\"success\",\"result\":2}")).taskId()).isNull();
  }

  @Test
  void aLongStringOrNumberInAResultIsNoReasonToSkipIt() {
    String big = "9".repeat(50_000);
    assertThat(decode("{\"status\":\"success\",\"result\":" + big + "}").json().toString()).isEqualTo(big);
    String text = "x".repeat(30_000_000);
    assertThat(decode("{\"status\":\"success\",\"result\":\"" + text + "\"}").json().textValue()).hasSize(30_000_000);
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

  /**
   * Lines as the reader hands them over: inside a larger buffer, between other bytes. The streaming
   * envelope pass must give each the meaning the tree of the whole line gives it, and a success's
   * result must be exactly the result value's JSON.
   */
  @Test
  void envelopePass_agreesWithTheTreeOfTheWholeLine() throws Exception {
    List<String> results = List.of("1", "-0.5e3", "\"text\"", "\"esc \\\" \\\\ \\u00e9 \\n\"", "\"é ✓ 😀\"",
        "true", "false", "null", "{}", "[]", "{\"a\":[1,{\"b\":\"}\"}],\"c\":null}", "[[[\"]\"]]]", "123456789012345678901234567890",
        "\"tab\tand nul\u0000inside\"");
    List<String> lines = new ArrayList<>();
    for (String r : results) {
      lines.add("{\"status\":\"success\",\"result\":" + r + "}");
      lines.add("{ \"result\" : " + r + " , \"status\" : \"success\" , \"task_id\":\"t-1\" }");
      lines.add("{\"result\":" + r + ",\"x\":" + r + ",\"status\":\"success\"}   ");
      lines.add("{\"status\":\"success\",\"result\":" + r + "} trailing text");
    }
    lines.addAll(List.of(
        "{\"status\":\"error\",\"error\":\"bad\",\"retryable\":true,\"result\":{\"ignored\":1}}",
        "{\"status\":\"error\",\"error\":\"bad\",\"retryable\":[true]}",
        "{\"status\":\"error\",\"error\":{\"code\":[1, 2]},\"retryable\":\"true\"}",
        "{\"status\":\"error\",\"error\":null}",
        "{\"status\":\"error\",\"error\":7}",
        "{\"status\":\"success\",\"status\":\"error\",\"error\":\"second wins\"}",
        "{\"status\":\"success\",\"result\":1,\"result\":2}",
        "{\"status\":\"success\",\"task_id\":\"a\",\"task_id\":\"b\",\"result\":0}",
        "{\"status\":\"success\",\"task_id\":5,\"result\":0}",
        "{\"status\":\"success\",\"task_id\":{\"id\":\"a\"},\"result\":0}",
        "{\"status\":[\"success\"],\"result\":0}",
        "{\"status\":null}",
        "{\"status\":\"Success\"}",
        "{\"status\":\"done\",\"result\":1}",
        "{\"result\":1}",
        "{}",
        "{\"status\":\"success\",\"nested\":{\"status\":\"error\"}}"));
    for (String line : lines) {
      byte[] body = line.getBytes(StandardCharsets.UTF_8);
      byte[] framed = new byte[body.length + 20];
      java.util.Arrays.fill(framed, (byte) '}');
      System.arraycopy(body, 0, framed, 7, body.length);
      Codec.Line fast = Codec.decodeLine(framed, 7, body.length);
      Codec.Line tree = Codec.fromNode(Json.results().readTree(body));
      assertThat(describe(fast)).as(line).isEqualTo(describe(tree));
    }
    for (String r : results) {
      byte[] body = ("{\"status\":\"success\",\"result\":  " + r + "  }").getBytes(StandardCharsets.UTF_8);
      byte[] framed = new byte[body.length + 10];
      System.arraycopy(body, 0, framed, 5, body.length);
      Result.Success s = ((Codec.Response) Codec.decodeLine(framed, 5, body.length)).result().asSuccess();
      assertThat(s.resultJson()).as("raw result of " + r).isEqualTo(r);
    }
  }

  private static String describe(Codec.Line l) {
    if (l instanceof Codec.Skipped s) {
      return "skipped: " + s.why() + " " + s.meantAsResponse();
    }
    Codec.Response r = (Codec.Response) l;
    Result res = r.result();
    String outcome;
    try {
      outcome = res.isSuccess() ? "success " + res.json() : res.asFailure().toString();
    } catch (IllegalStateException e) {
      outcome = "success whose result does not parse: " + e.getMessage();
    }
    return "response " + r.taskId() + " " + outcome;
  }

  @Test
  void aResultThatIsNotReadIsNeverParsed_butIsCheckedAsJson() {
    // The envelope pass tokenizes the result, so broken JSON inside it still makes the line no response.
    for (String bad : List.of("{\"a\":}", "[1,]", "\"unterminated", "tru", "01", "{\"a\" 1}", "[1 2]", "\"\\x\"")) {
      assertThat(decode("{\"status\":\"success\",\"result\":" + bad + "}")).as(bad).isNull();
    }
  }

  @Test
  void invalidUtf8InAResultThatIsReadLater_isDecodedWithReplacement() {
    byte[] head = "{\"status\":\"success\",\"result\":{\"k\":\"a".getBytes(StandardCharsets.UTF_8);
    byte[] tail = "b\"}}".getBytes(StandardCharsets.UTF_8);
    byte[] line = new byte[head.length + 2 + tail.length];
    System.arraycopy(head, 0, line, 0, head.length);
    line[head.length] = (byte) 0xFF;
    line[head.length + 1] = (byte) 0xC3;
    System.arraycopy(tail, 0, line, head.length + 2, tail.length);
    Result r = Codec.decode(line, 0, line.length);
    assertThat(r).isNotNull();
    assertThat(r.json().get("k").asText()).isEqualTo("a\uFFFD\uFFFDb");
    Result again = Codec.decode(line, 0, line.length);
    assertThat(again.as(new com.fasterxml.jackson.core.type.TypeReference<java.util.Map<String, String>>() {})).isEqualTo(java.util.Map.of("k", "a\uFFFD\uFFFDb"));
  }

  /**
   * Thousands of near-responses (a byte deleted, inserted or doubled; a piece repeated) decode the
   * same through the fast passes as through the tree of the whole line: a broken response is never
   * taken for an answer, a valid one never lost, and each keeps its result, task_id and message.
   */
  @Test
  void mutatedResponses_decodeAsTheTreeOfTheWholeLineDecodesThem() {
    List<String> seeds = List.of(
        "{\"status\":\"success\",\"task_id\":\"t-1\",\"result\":{\"a\":[1,-2.5e+3,true,null,\"x\\\"y\"],\"b\":{}}}",
        "{\"status\":\"error\",\"error\":\"bad \\u00e9 input\",\"retryable\":true}",
        "{ \"result\" : [ 0 , 0.5 , \"\\uD83D\\uDE00\" , [ ] ] , \"status\" : \"success\" }",
        "{\"status\":\"success\",\"result\":\"é\\n\\t\\/\\b\\f\\r\\\\ \\uD800\",\"task_id\":7}",
        "{\"status\":\"error\",\"error\":null,\"retryable\":false,\"result\":1}");
    byte[] alphabet = "{}[],:\"\\ 0123456789.eE+-truefalsnl\u0000\t\r\u007f".getBytes(StandardCharsets.UTF_8);
    java.util.Random r = new java.util.Random(7);
    int fastResponses = 0;
    for (int n = 0; n < 20_000; n++) {
      byte[] line = seeds.get(r.nextInt(seeds.size())).getBytes(StandardCharsets.UTF_8);
      for (int m = 1 + r.nextInt(2); m > 0; m--) {
        line = mutate(line, r, alphabet);
      }
      Codec.Line tree = Codec.decodeTree(line, 0, line.length);
      Codec.Line fast = Codec.decodeLine(line, 0, line.length);
      String text = new String(line, StandardCharsets.UTF_8);
      assertThat(describe(fast)).as(text).isEqualTo(describe(tree));
      if (fast instanceof Codec.Response && new ResponseScanner(line, 0, line.length).scan()) {
        fastResponses++;
      }
    }
    assertThat(fastResponses).as("responses the byte scanner decided").isGreaterThan(1_000);
  }

  private static byte[] mutate(byte[] in, java.util.Random r, byte[] alphabet) {
    if (in.length == 0) {
      return new byte[] {alphabet[r.nextInt(alphabet.length)]};
    }
    int at = r.nextInt(in.length);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    switch (r.nextInt(5)) {
      case 0: // delete a byte
        out.write(in, 0, at);
        out.write(in, at + 1, in.length - at - 1);
        break;
      case 1: // insert a byte
        out.write(in, 0, at);
        out.write(alphabet[r.nextInt(alphabet.length)]);
        out.write(in, at, in.length - at);
        break;
      case 2: // replace a byte, sometimes with one that is not UTF-8
        out.write(in, 0, in.length);
        byte[] b = out.toByteArray();
        b[at] = r.nextInt(4) == 0 ? (byte) (0x80 + r.nextInt(0x80)) : alphabet[r.nextInt(alphabet.length)];
        return b;
      case 3: // repeat a piece
        int len = Math.min(in.length - at, 1 + r.nextInt(12));
        out.write(in, 0, at + len);
        out.write(in, at, in.length - at);
        break;
      default: // cut the end
        out.write(in, 0, at);
    }
    return out.toByteArray();
  }

  @Test
  void theByteScanner_leavesWhatItDoesNotVouchFor_toTheParser() {
    for (String line : List.of("{\"st\\u0061tus\":\"success\"}", "{\"status\":\"succ\\u0065ss\"}",
        "{\"status\":\"success\",\"result\":1,\"result\":2}", "{\"status\":\"success\",\"result\":01}",
        "{\"status\":\"success\",\"result\":" + "[".repeat(300) + "]".repeat(300) + "}",
        "{\"status\":\"success\",\"result\":" + "1".repeat(1001) + "}", "{\"status\":\"error\",\"error\":{\"code\":7}}",
        "{\"status\":\"success\",\"result\":[1,]}", "{\"status\":\"success\",\"result\":NaN}",
        "{\"status\":\"success\" /* note */}", "{\"status\":\"error\",\"error\":\"é\"}", "{'status':'success'}")) {
      byte[] b = line.getBytes(StandardCharsets.UTF_8);
      assertThat(new ResponseScanner(b, 0, b.length).scan()).as(line).isFalse();
      assertThat(describe(Codec.decodeLine(b, 0, b.length))).as(line).isEqualTo(describe(Codec.decodeTree(b, 0, b.length)));
    }
    byte[] ok = "{\"status\":\"success\",\"result\":[1,{\"k\":\"v\\u00e9\\\"\"}]}".getBytes(StandardCharsets.UTF_8);
    assertThat(new ResponseScanner(ok, 0, ok.length).scan()).isTrue();
  }

  /**
   * A success keeps its result's bytes only when they are well-formed UTF-8: a store writes them to a
   * text column, which refuses bad bytes. Any other result is decoded with replacement characters and
   * written out again as valid UTF-8.
   */
  @Test
  void theResultBytesASuccessKeeps_areAlwaysWellFormedUtf8() throws Exception {
    int[][] bad = {{0xFF}, {0xC0, 0x80}, {0xE0, 0x80, 0x80}, {0xED, 0xA0, 0x80}, {0xF4, 0x90, 0x80, 0x80},
        {0xC3}, {0xE2, 0x9C}, {0x80}, {0xF8, 0x88, 0x80, 0x80, 0x80}};
    int[][] good = {{0xC3, 0xA9}, {0xE2, 0x9C, 0x93}, {0xF0, 0x9F, 0x98, 0x80}, {0xED, 0x9F, 0xBF}, {0xF4, 0x8F, 0xBF, 0xBF}};
    for (int[][] set : new int[][][] {bad, good}) {
      for (int[] seq : set) {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        line.writeBytes("{\"status\":\"success\",\"result\":[\"a".getBytes(StandardCharsets.UTF_8));
        for (int b : seq) {
          line.write(b);
        }
        line.writeBytes("b\"]}".getBytes(StandardCharsets.UTF_8));
        byte[] b = line.toByteArray();
        Result.Success s = Codec.decode(b, 0, b.length).asSuccess();
        byte[] kept = s.utf8Json();
        String text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(kept)).toString();
        assertThat(Json.results().readTree(text).get(0).asText()).startsWith("a").endsWith("b");
        if (set == good) {
          assertThat(kept).isEqualTo(java.util.Arrays.copyOfRange(b, b.length - 7 - seq.length, b.length - 1));
        }
      }
    }
  }
}

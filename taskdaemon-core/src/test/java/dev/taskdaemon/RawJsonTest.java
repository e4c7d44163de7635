package dev.taskdaemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskdaemon.adversarial.Sh;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Task data the caller encoded: checked once, then sent to a real handler byte for byte. */
class RawJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  /** A handler that logs every request line it reads and answers with the request as the result. */
  private TaskDaemon daemon(Path log) {
    return TaskDaemon.builder()
        .handler(Sh.handler("echo", Sh.loop("printf '%s\\n' \"$line\" >> '" + log + "'; " + Sh.ECHO)).build())
        .start();
  }

  @Test
  void theTextIsSentAsItIs_andTheHandlerSeesTheValue() throws Exception {
    Path log = dir.resolve("requests");
    String text = "{\"name\":\"Zoë ✓\",\"n\":[1,2.50,-0.0e+3],\"deep\":{\"a\":null,\"b\":true},\"s\":\"q\\\"\\\\\\u00e9\"}";
    try (TaskDaemon daemon = daemon(log)) {
      TaskFuture f = daemon.submit("echo", RawJson.of(text.getBytes(StandardCharsets.UTF_8)));
      Result r = Sh.get(f);
      assertThat(Sh.echoedId(r)).isEqualTo(f.taskId());
      assertThat(r.json().get("task_data")).isEqualTo(JSON.readTree(text));
    }
    // Not re-encoded: the number 2.50 and the escapes arrive exactly as written.
    String line = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(line).contains("\"task_data\":" + text + ",\"attempt\":1}");
  }

  @Test
  void prettyPrintedText_isSentOnOneLine() throws Exception {
    Path log = dir.resolve("requests");
    String text = "{\r\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": \"x y\"\n}\n";
    try (TaskDaemon daemon = daemon(log)) {
      TaskFuture f = daemon.submit("echo", RawJson.of(text));
      Result r = Sh.get(f);
      assertThat(r.json().get("task_data")).isEqualTo(JSON.readTree(text));
    }
    assertThat(Files.readAllLines(log, StandardCharsets.UTF_8)).hasSize(1);
  }

  @Test
  void rawJsonNestedInOtherData_isWrittenAsTheJsonItHolds() throws Exception {
    Path log = dir.resolve("requests");
    try (TaskDaemon daemon = daemon(log)) {
      Result r = Sh.get(daemon.submit("echo", Map.of("doc", RawJson.of("{\"x\":[1,\n2]}"), "n", 1)));
      assertThat(r.json().get("task_data")).isEqualTo(JSON.readTree("{\"doc\":{\"x\":[1,2]},\"n\":1}"));
    }
  }

  @Test
  void enqueuedRawJson_isStoredAndRunLikeAnyTaskData() throws Exception {
    Path log = dir.resolve("requests");
    try (TaskDaemon daemon = daemon(log)) {
      List<String> ids = daemon.enqueueAll("echo", List.of(RawJson.of("[1]"), RawJson.of("\"two\"")));
      assertThat(Sh.get(daemon.await(ids.get(0))).json().get("task_data"))
          .isEqualTo(JSON.readTree("[1]"));
      assertThat(Sh.get(daemon.await(ids.get(1))).json().get("task_data"))
          .isEqualTo(JSON.readTree("\"two\""));
      assertThat(daemon.task(ids.get(1)).orElseThrow().status()).isEqualTo(TaskStatus.COMPLETED);
    }
  }

  @Test
  void valuesTheQuickCheckLeavesToTheParser_areAccepted() {
    String deep = "[".repeat(300) + "]".repeat(300);
    assertThat(RawJson.of(deep).length()).isEqualTo(600);
    String longNumber = "1".repeat(1500);
    assertThat(RawJson.of(longNumber).toString()).startsWith("111");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "empty|''|JSON text is empty",
      "blank|'  \n '|JSON text is empty",
      "two values|'{} {}'|more than one value",
      "trailing comma|'{\"a\":1,}'|not valid JSON",
      "unclosed|'[1,2'|not valid JSON",
      "NaN|NaN|not valid JSON",
      "comment|'// c\n1'|not valid JSON",
      "single quotes|'{''a'':1}'|not valid JSON",
      "leading zero|'012'|not valid JSON",
      "garbage after|'1x'|not valid JSON",
  })
  void textThatIsNotOneJsonValue_isRefusedNamingWhy(String name, String text, String message) {
    assertThatThrownBy(() -> RawJson.of(text)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
  }

  @Test
  void rawControlCharactersInsideStrings_areRefused() {
    for (String c : new String[] {"\n", "\r", "\t", "\u0000", "\u001f"}) {
      assertThatThrownBy(() -> RawJson.of("{\"a\":\"x" + c + "y\"}"))
          .as("control character %d", (int) c.charAt(0))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not valid JSON");
    }
  }

  @Test
  void textThatIsNotWellFormedUtf8_isRefused() {
    byte[][] bad = {
        {'"', (byte) 0xC3, '(', '"'}, // a lead byte without its continuation
        {'"', (byte) 0xC0, (byte) 0x80, '"'}, // overlong NUL
        {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'}, // an encoded surrogate
        {'"', (byte) 0xFF, '"'},
    };
    for (byte[] b : bad) {
      assertThatThrownBy(() -> RawJson.of(b)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("JSON text");
    }
  }

  @Test
  void theArrayIsKeptWhenNothingChanges_andCopiedWhenALineBreakBecomesASpace() {
    byte[] compact = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    assertThat(RawJson.of(compact).utf8()).isSameAs(compact);
    byte[] pretty = "{\n\"a\":1\n}".getBytes(StandardCharsets.UTF_8);
    RawJson r = RawJson.of(pretty);
    assertThat(r.utf8()).isNotSameAs(pretty).isEqualTo("{ \"a\":1 }".getBytes(StandardCharsets.UTF_8));
    assertThat(new String(pretty, StandardCharsets.UTF_8)).isEqualTo("{\n\"a\":1\n}");
  }

  @Test
  void aLeadingByteOrderMark_isDropped_soTheRequestLineStaysJson() throws Exception {
    byte[] withBom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '"', 'a', '"', ':', '1', '}'};
    assertThat(RawJson.of(withBom).utf8()).isEqualTo("{\"a\":1}".getBytes(StandardCharsets.UTF_8));
    Path log = dir.resolve("requests");
    try (TaskDaemon daemon = daemon(log)) {
      Result r = Sh.get(daemon.submit("echo", RawJson.of(withBom)));
      assertThat(r.json().get("task_data")).isEqualTo(JSON.readTree("{\"a\":1}"));
    }
    assertThat(Files.readString(log, StandardCharsets.UTF_8)).contains("\"task_data\":{\"a\":1},");
  }

  @Test
  void equalityIsByText_andToStringShowsIt() throws Exception {
    assertThat(RawJson.of("[1, 2]")).isEqualTo(RawJson.of("[1, 2]")).hasSameHashCodeAs(RawJson.of("[1, 2]"));
    assertThat(RawJson.of("[1, 2]")).isNotEqualTo(RawJson.of("[1,2]"));
    assertThat(RawJson.of("[1, 2]")).hasToString("[1, 2]");
    String big = "[" + "1,".repeat(1000) + "1]";
    assertThat(RawJson.of(big).toString()).hasSize(201).endsWith("…");
    JsonNode viaMapper = JSON.readTree(JSON.writeValueAsString(List.of(RawJson.of("{\"k\":\"v\"}"))));
    assertThat(viaMapper).isEqualTo(JSON.readTree("[{\"k\":\"v\"}]"));
  }
}

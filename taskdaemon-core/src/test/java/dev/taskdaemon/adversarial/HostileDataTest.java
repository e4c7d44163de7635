package dev.taskdaemon.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskDataException;
import dev.taskdaemon.TaskFuture;
import dev.taskdaemon.TaskOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * Task data the engine cannot encode is refused at {@code submit} with {@link TaskDataException}; no
 * other task, instance or thread is touched.
 */
class HostileDataTest {

  /** Jackson cannot serialize an object with no properties. */
  public static final class Opaque {}

  /** A getter that throws. */
  public static final class Exploding {
    public String getValue() {
      throw new IllegalStateException("the value is not ready");
    }
  }

  /** A raw value may carry a raw line break, which would split the request line. */
  public static final class Raw {
    @JsonRawValue
    public String getRaw() {
      return "{\"a\":\n1}";
    }
  }

  private static Object deepMap(int depth) {
    Map<String, Object> root = new HashMap<>();
    Map<String, Object> m = root;
    for (int i = 0; i < depth; i++) {
      Map<String, Object> next = new HashMap<>();
      m.put("d", next);
      m = next;
    }
    return root;
  }

  private static Object deepTree(int depth) {
    ArrayNode root = JsonNodeFactory.instance.arrayNode();
    ArrayNode a = root;
    for (int i = 0; i < depth; i++) {
      a = a.addArray();
    }
    return root;
  }

  private static String refusal(TaskFuture f) throws Exception {
    assertThat(f).isCompletedExceptionally();
    try {
      f.get();
      throw new AssertionError("not refused");
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(TaskDataException.class);
      assertThat(((TaskDataException) e.getCause()).handler()).isEqualTo("echo");
      return e.getCause().getMessage();
    }
  }

  @Test
  void unencodableData_isRefusedAtSubmit_andNothingElseIsTouched() throws Exception {
    ObjectNode withPojo = JsonNodeFactory.instance.objectNode();
    withPojo.putPOJO("due", new Opaque());
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("echo", Sh.loop("sleep 0.2; " + Sh.ECHO)).instances(1).maxRetries(0).build())
        .start()) {
      TaskFuture before = daemon.submit("echo", Map.of("n", 1));

      assertThat(refusal(daemon.submit("echo", new Opaque()))).startsWith("task data for 'echo' cannot be serialized"
          + " to JSON (" + Opaque.class.getName() + "): No serializer found for class " + Opaque.class.getName());
      assertThat(refusal(daemon.submit("echo", withPojo))).startsWith("task data for 'echo' cannot be serialized to"
          + " JSON (com.fasterxml.jackson.databind.node.ObjectNode): No serializer found for class "
          + Opaque.class.getName());
      assertThat(refusal(daemon.submit("echo", new Exploding()))).isEqualTo("task data for 'echo' cannot be"
          + " serialized to JSON (" + Exploding.class.getName() + "): the value is not ready. Pass a Map, a record or"
          + " POJO with getters, or a JsonNode");
      assertThat(refusal(daemon.submit("echo", deepMap(3000)))).startsWith("task data for 'echo' cannot be"
          + " serialized to JSON (java.util.HashMap): ");
      assertThat(refusal(daemon.submit("echo", deepTree(3000)))).startsWith("task data for 'echo' cannot be"
          + " serialized to JSON (com.fasterxml.jackson.databind.node.ArrayNode): ");
      assertThat(refusal(daemon.submit("echo", new Raw()))).isEqualTo("task data for 'echo' encodes to JSON with a"
          + " raw line break (from a raw value or a custom serializer), which would break the one-line request;"
          + " escape it or remove the raw value");

      TaskFuture after = daemon.submit("echo", Map.of("n", 2));
      Result b = Sh.get(before);
      Result a = Sh.get(after);
      assertThat(Sh.echoedId(b)).isEqualTo(before.taskId());
      assertThat(b.json().get("task_data").get("n").asInt()).isEqualTo(1);
      assertThat(Sh.echoedId(a)).isEqualTo(after.taskId());
      assertThat(a.json().get("task_data").get("n").asInt()).isEqualTo(2);
      assertThat(daemon.stats("echo").succeeded()).isEqualTo(2);
      assertThat(daemon.stats("echo").failed()).isZero();
      assertThat(daemon.stats("echo").restarts()).isZero();
    }
  }

  @Test
  void dataIsEncodedOnce_atSubmit_soLaterChangesToTheCallersObjectDoNotLeakIn() throws Exception {
    Map<String, Object> data = new HashMap<>(Map.of("v", "first"));
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("echo", Sh.loop("sleep 0.3; " + Sh.ECHO)).instances(1).build())
        .start()) {
      TaskFuture busy = daemon.submit("echo", Map.of());
      TaskFuture f = daemon.submit("echo", data);
      data.put("v", "changed after submit");
      assertThat(Sh.get(f).json().get("task_data").get("v").asText()).isEqualTo("first");
      assertThat(Sh.echoedId(Sh.get(busy))).isEqualTo(busy.taskId());
    }
  }

  @Test
  void taskIdsWithQuotesBackslashesAndNonAsciiCharacters_reachTheHandlerAsWritten() throws Exception {
    List<String> ids = List.of("quote\"inside", "back\\slash", "t\u00e2che-1", "\u65e5\u672c-2", "emoji-\ud83d\ude00",
        "all\"\\/\u00e9", "\"},\"task_type\":\"other");
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("echo", Sh.loop(Sh.ECHO)).instances(2).maxRetries(0)
            .timeout(java.time.Duration.ofSeconds(5)).build())
        .start()) {
      List<TaskFuture> futures = new ArrayList<>();
      for (String id : ids) {
        futures.add(daemon.submit("echo", Map.of("v", id), TaskOptions.defaults().taskId(id)));
      }
      for (int i = 0; i < ids.size(); i++) {
        // Before: the id was copied into the request line unescaped (a quote ended the string, a
        // non-ASCII character became one byte of broken UTF-8), so the line the handler got was not
        // the task's: its answer was no response, and the task timed out.
        Result r = Sh.get(futures.get(i));
        assertThat(r.isSuccess()).as("%s: %s", ids.get(i), r).isTrue();
        assertThat(Sh.echoedId(r)).isEqualTo(ids.get(i));
        assertThat(r.json().get("task_type").asText()).isEqualTo("echo");
        assertThat(r.json().get("task_data").get("v").asText()).isEqualTo(ids.get(i));
      }
    }
  }

  @Test
  void aTaskIdThatIsNotValidUnicode_isRefusedWhereItIsGiven() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TaskOptions.defaults().taskId("lone-\ud83d-surrogate"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unpaired surrogate").hasMessageContaining("5");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TaskOptions.defaults().taskId("ends-high-\ud83d"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unpaired surrogate");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TaskOptions.defaults().taskId("\ude00-low-first"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unpaired surrogate");
  }
}

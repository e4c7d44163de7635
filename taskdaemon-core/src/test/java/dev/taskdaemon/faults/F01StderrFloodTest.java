package dev.taskdaemon.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TestHandlers;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** F1: a handler writes megabytes to stderr before answering. */
class F01StderrFloodTest {
  @Test
  void megabytesOfStderr_doNotStallTheTask_andReachTheLog() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(TestHandlers.handler("flood").instances(1).timeout(Duration.ofSeconds(30)).build())
        .start()) {
      Result r = Faults.get(daemon.submit("flood", Map.of("op", "stderr", "bytes", 8 << 20, "tag", "f1")));
      assertThat(r.isSuccess()).isTrue();
      assertThat(r.json().get("data").get("tag").asText()).isEqualTo("f1");
      // 8 MiB is far past a pipe buffer (64 KiB): without draining, the handler would block for ever.
      Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> Faults.log().contains("dev.taskdaemon.handler.flood - [flood-0] " + "x".repeat(99)));
    }
  }
}

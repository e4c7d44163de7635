package dev.taskdaemon.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TestHandlers;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** F15: invalid UTF-8 and a NUL byte in the output. */
class F15BadBytesTest {
  @Test
  void invalidUtf8AndNul_areDecodedWithReplacement_andTheInstanceKeepsServing() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder().handler(TestHandlers.handler("bytes").instances(1).build()).start()) {
      Result r = Faults.get(daemon.submit("bytes", Map.of("op", "bad-bytes")));
      assertThat(r.json().get("text").asText()).isEqualTo("bad \uFFFD(\u0000\uFFFD end");
      Result next = Faults.get(daemon.submit("bytes", Map.of("n", 2)));
      assertThat(next.json().get("data").get("n").asInt()).isEqualTo(2);
      assertThat(daemon.stats("bytes").restarts()).isZero();
    }
  }
}

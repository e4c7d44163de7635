package dev.taskdaemon.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.Recorder;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TestHandlers;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** F4: response lines of 10 MB and more, written in many small pieces. */
class F04HugeResponseTest {
  @Test
  void twentyMegabyteResponse_inSmallPieces_succeeds() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(TestHandlers.handler("big").instances(1).timeout(Duration.ofSeconds(60)).build())
        .start()) {
      int size = 20 * 1024 * 1024;
      Result r = Faults.get(daemon.submit("big", Map.of("op", "big", "size", size, "piece", 4096)));
      assertThat(r.json().get("size").asInt()).isEqualTo(size);
      assertThat(r.json().get("blob").asText()).hasSize(size);
    }
  }

  @Test
  void lineOverTheMaximum_failsTheTaskClearly_andReplacesTheInstance() throws Exception {
    Recorder rec = new Recorder();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(TestHandlers.handler("big").instances(1).maxLineBytes(1 << 20).build())
        .listener(rec)
        .start()) {
      Result r = Faults.get(daemon.submit("big", Map.of("op", "big", "size", 5 << 20, "piece", 4096)));
      assertThat(r).isEqualTo(new Result.Failure("handler 'big' instance big-0 wrote a stdout line longer than"
          + " max_line_bytes (1048576 bytes); the line was dropped and the instance replaced. Raise max_line_bytes or"
          + " send large results another way (attempt 1 of 4)", false, Result.Failure.Kind.PROTOCOL));
      Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> rec.started.contains("big-0.2"));
      assertThat(Faults.get(daemon.submit("big", Map.of("n", 1))).isSuccess()).isTrue();
    }
  }
}

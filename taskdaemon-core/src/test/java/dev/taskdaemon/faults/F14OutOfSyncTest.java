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

/** F14: a handler answers twice, or answers while idle. */
class F14OutOfSyncTest {
  @Test
  void answeringTwice_firstAnswerCounts_secondNeverReachesTheNextTask_instanceReplaced() throws Exception {
    Recorder rec = new Recorder();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(TestHandlers.handler("chatty").instances(1).build())
        .listener(rec)
        .start()) {
      Result first = Faults.get(daemon.submit("chatty", Map.of("op", "twice", "n", 1)));
      assertThat(first.json().get("data").get("n").asInt()).isEqualTo(1);
      Result second = Faults.get(daemon.submit("chatty", Map.of("n", 2)));
      assertThat(second.json().get("data").get("n").asInt()).isEqualTo(2);
      // The second answer arrives while the instance is idle, or is already in the pipe when the next
      // request is written: out of sync either way, never the next task's answer.
      Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(rec.exited)
          .anySatisfy(e -> assertThat(e).matches("chatty-0: out of sync: it wrote a response (while it had no task"
              + "|that was already in its stdout before task \\S+ was sent, so it is not that task's answer)")));
      assertThat(second.json().get("pid").asLong()).isNotEqualTo(first.json().get("pid").asLong());
    }
  }

  @Test
  void answeringWhileIdle_replacesTheInstance() throws Exception {
    Recorder rec = new Recorder();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(TestHandlers.handler("late").instances(1).build())
        .listener(rec)
        .start()) {
      Result first = Faults.get(daemon.submit("late", Map.of("op", "late-second", "ms", 200, "n", 1)));
      assertThat(first.json().get("data").get("n").asInt()).isEqualTo(1);
      Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> rec.exited.contains("late-0: out of sync: it wrote a response while it had no task"));
      Result second = Faults.get(daemon.submit("late", Map.of("n", 2)));
      assertThat(second.json().get("data").get("n").asInt()).isEqualTo(2);
      assertThat(second.json().get("pid").asLong()).isNotEqualTo(first.json().get("pid").asLong());
    }
  }
}

package dev.taskdaemon.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.Backoff;
import dev.taskdaemon.Recorder;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TestHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** F9: one instance is killed with SIGKILL mid-task. */
class F09InstanceKilledTest {
  @Test
  void killedInstance_onlyItsTaskIsRetried_othersUnaffected() throws Exception {
    Recorder rec = new Recorder();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(TestHandlers.handler("work").instances(3).build())
        .retryBackoff(Backoff.NONE)
        .listener(rec)
        .start()) {
      List<ProcessHandle> pids = Faults.handlerProcesses();
      assertThat(pids).hasSize(3);
      List<CompletableFuture<Result>> tasks = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        tasks.add(daemon.submit("work", Map.of("op", "sleep", "ms", 1500, "i", i)));
      }
      rec.awaitAttempts(3, Duration.ofSeconds(10));
      ProcessHandle victim = pids.get(1);
      assertThat(victim.destroyForcibly()).isTrue(); // SIGKILL, as kill -9
      int retried = 0;
      for (int i = 0; i < 3; i++) {
        Result r = Faults.get(tasks.get(i));
        assertThat(r.json().get("data").get("i").asInt()).isEqualTo(i);
        int attempt = r.json().get("attempt").asInt();
        if (attempt == 2) {
          retried++;
          assertThat(r.json().get("pid").asLong()).isNotEqualTo(victim.pid());
        } else {
          assertThat(attempt).isEqualTo(1);
        }
      }
      assertThat(retried).isEqualTo(1);
      assertThat(rec.attemptOutcomes).filteredOn(Result::isFailure).singleElement()
          .satisfies(e -> assertThat(e.asFailure().message()).contains("exited with code 137 (killed by signal 9)"
              + " during the task (attempt 1 of 4)"));
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> daemon.stats("work").instancesAlive() == 3);
      assertThat(daemon.stats("work").restarts()).isEqualTo(1);
      assertThat(daemon.stats("work").retried()).isEqualTo(1);
    }
  }
}

package dev.taskdaemon.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.Backoff;
import dev.taskdaemon.Recorder;
import dev.taskdaemon.Result;
import dev.taskdaemon.Task;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TestHandlers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** F10: a task that kills every instance it runs on. */
class F10PoisonTaskTest {
  @Test
  void eachDeathIsOneAttempt_afterMaxRetriesTheTaskFails_onceAndOnlyOnce() throws Exception {
    Recorder rec = new Recorder();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(TestHandlers.handler("victim").instances(2).maxRetries(3).build())
        .retryBackoff(Backoff.NONE)
        .listener(rec)
        .start()) {
      CompletableFuture<Result> poison = daemon.submit("victim", Map.of("op", "crash", "code", 9));
      List<CompletableFuture<Result>> healthy = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        healthy.add(daemon.submit("victim", Map.of("i", i)));
      }
      Result r = Faults.get(poison);
      assertThat(r.isFailure()).isTrue();
      assertThat(r.asFailure().kind()).isEqualTo(Result.Failure.Kind.CRASH);
      assertThat(r.asFailure().message()).startsWith("handler 'victim' instance victim-")
          .contains(" exited with code 9 during the task (attempt 4 of 4); last stderr lines:")
          .contains("| boom: crashing on purpose with code 9");
      for (CompletableFuture<Result> f : healthy) {
        assertThat(Faults.get(f).isSuccess()).isTrue();
      }
      String poisonId = rec.attemptsStarted.stream().filter(t -> t.taskData().has("op"))
          .map(Task::taskId).findFirst().orElseThrow();
      List<Integer> attempts = rec.attemptsStarted.stream().filter(t -> t.taskId().equals(poisonId))
          .map(Task::attempt).collect(Collectors.toList());
      assertThat(attempts).containsExactly(1, 2, 3, 4);
      assertThat(rec.completions.get(poisonId).get()).isEqualTo(1);
      assertThat(daemon.stats("victim").failed()).isEqualTo(1);
      assertThat(daemon.stats("victim").succeeded()).isEqualTo(10);
    }
  }
}

package dev.taskdaemon.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.Backoff;
import dev.taskdaemon.Recorder;
import dev.taskdaemon.Result;
import dev.taskdaemon.Task;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.HandlerStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** 10,000 tasks over 8 instances of a handler that crashes 1 % and hangs 1 % of the time. */
class ChaosTest {
  @Test
  void everyTaskCompletesExactlyOnce_andTheCountsAddUp() throws Exception {
    Recorder rec = new Recorder();
    int n = 10_000;
    long t0 = System.nanoTime();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(HandlerSpec.builder("chaos").command("sh", Faults.resource("handlers/chaos.sh").toString())
            .instances(8).timeout(Duration.ofSeconds(1)).maxRetries(5).build())
        .retryBackoff(new Backoff(Duration.ofMillis(10), Duration.ofMillis(200), 2.0, 0.2))
        .restartBackoff(new Backoff(Duration.ofMillis(20), Duration.ofSeconds(1), 2.0, 0.1))
        .listener(rec)
        .start()) {
      List<CompletableFuture<Result>> futures = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        futures.add(daemon.submit("chaos", Map.of("i", i)));
      }
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(600, TimeUnit.SECONDS);
      long wall = System.nanoTime() - t0;
      int ok = 0;
      int failed = 0;
      for (int i = 0; i < n; i++) {
        Result r = futures.get(i).get();
        if (r.isSuccess()) {
          ok++;
          assertThat(r.json().get("data").get("i").asInt()).isEqualTo(i);
        } else {
          failed++;
        }
      }
      HandlerStats s = daemon.stats("chaos");
      assertThat(ok + failed).isEqualTo(n);
      assertThat(s.succeeded()).isEqualTo(ok);
      assertThat(s.failed()).isEqualTo(failed);
      // Events lag behind futures; each task's events are in order, so its completion comes last.
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> rec.completions.size() == n);
      assertThat(rec.submitted.get()).isEqualTo(n);
      assertThat(rec.completions).hasSize(n);
      assertThat(rec.completions.values()).allSatisfy(c -> assertThat(c.get()).isEqualTo(1));
      // attempts started = attempts ended = tasks + retries; per task, attempts are 1..k with no gap
      assertThat(rec.attemptOutcomes).hasSize(rec.attemptsStarted.size());
      assertThat(rec.attemptsStarted).hasSize(n + rec.retries.size());
      assertThat((long) rec.retries.size()).isEqualTo(s.retried());
      Map<String, Integer> maxAttempt = new HashMap<>();
      Map<String, Integer> count = new HashMap<>();
      for (Task t : rec.attemptsStarted) {
        maxAttempt.merge(t.taskId(), t.attempt(), Math::max);
        count.merge(t.taskId(), 1, Integer::sum);
      }
      assertThat(maxAttempt).isEqualTo(count);
      assertThat(maxAttempt.values()).allSatisfy(a -> assertThat(a).isBetween(1, 6));
      assertThat(s.timedOut()).isPositive();
      assertThat(s.restarts()).isPositive();
      System.out.printf("chaos: tasks=%d succeeded=%d failed=%d attempts=%d retries=%d timeouts=%d restarts=%d"
          + " wall=%.1fs%n", n, ok, failed, rec.attemptsStarted.size(), rec.retries.size(), s.timedOut(),
          s.restarts(), wall / 1e9);
    }
  }
}

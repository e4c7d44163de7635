package dev.taskdaemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProtocolRoundTripTest {

  @Test
  void tenThousandTasksOverFourInstances_eachResultComesBackToItsTask() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(TestHandlers.handler("echo").instances(4).build())
        .start()) {
      int n = 10_000;
      long t0 = System.nanoTime();
      List<CompletableFuture<Result>> futures = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        futures.add(daemon.submit("echo", Map.of("i", i)));
      }
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
      double wall = (System.nanoTime() - t0) / 1e9;
      Set<String> ids = new HashSet<>();
      Map<Long, Integer> perPid = new HashMap<>();
      for (int i = 0; i < n; i++) {
        JsonNode r = futures.get(i).get().json();
        assertThat(r.get("data").get("i").asInt()).as("result of task %d", i).isEqualTo(i);
        assertThat(r.get("attempt").asInt()).isEqualTo(1);
        ids.add(r.get("task_id").asText());
        perPid.merge(r.get("pid").asLong(), 1, Integer::sum);
      }
      assertThat(ids).hasSize(n);
      assertThat(perPid).hasSize(4);
      HandlerStats s = daemon.stats("echo");
      assertThat(s.succeeded()).isEqualTo(n);
      assertThat(s.failed()).isZero();
      assertThat(s.instancesAlive()).isEqualTo(4);
      System.out.printf("10000 tasks over 4 instances in %.2f s, tasks per instance %s: %s%n", wall, perPid.values(), s);
    }
  }

  @Test
  void requestCarriesExactlyFourFields_attemptStartsAtOne_taskIdIsUuid() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(TestHandlers.handler("echo").instances(1).build())
        .taskTimeout(Duration.ofSeconds(20))
        .start()) {
      Result r = daemon.submit("echo", Map.of("k", "v")).get(30, TimeUnit.SECONDS);
      assertThat(r.isSuccess()).isTrue();
      assertThat(r.json().get("attempt").asInt()).isEqualTo(1);
      assertThat(java.util.UUID.fromString(r.json().get("task_id").asText())).isNotNull();
      assertThat(r.json().get("data").toString()).isEqualTo("{\"k\":\"v\"}");
    }
  }
}

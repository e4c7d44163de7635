package dev.taskdaemon.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.Backoff;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TestHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** F6: a handler that sleeps for ever. */
class F06SleepsForeverTest {
  @Test
  void timeoutFires_andOtherInstancesKeepServing() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(TestHandlers.handler("sleepy").instances(2).timeout(Duration.ofSeconds(3)).maxRetries(1)
            .retryOnTimeout(false).build())
        .retryBackoff(Backoff.NONE)
        .start()) {
      CompletableFuture<Result> stuck = daemon.submit("sleepy", Map.of("op", "hang"));
      List<CompletableFuture<Result>> others = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        others.add(daemon.submit("sleepy", Map.of("i", i)));
      }
      for (int i = 0; i < 20; i++) {
        assertThat(Faults.get(others.get(i)).json().get("data").get("i").asInt()).isEqualTo(i);
      }
      assertThat(stuck).as("the hung task is still waiting for its timeout while others are served").isNotDone();
      Result r = Faults.get(stuck);
      assertThat(r.asFailure().message()).startsWith("handler 'sleepy' instance sleepy-");
      assertThat(r.asFailure().message()).contains("timed out after 3s (attempt 1 of 2)");
      assertThat(daemon.stats("sleepy").retried()).as("retry_on_timeout = false").isZero();
      assertThat(Faults.get(daemon.submit("sleepy", Map.of("after", 1))).isSuccess()).isTrue();
    }
  }
}

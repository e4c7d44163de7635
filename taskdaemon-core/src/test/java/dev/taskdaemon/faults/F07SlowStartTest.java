package dev.taskdaemon.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.Recorder;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TestHandlers;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** F7: a handler that takes five seconds to start. */
class F07SlowStartTest {
  @Test
  void firstTaskWaitsForTheSlowStart_andNothingIsRestarted() throws Exception {
    Recorder rec = new Recorder();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(TestHandlers.handler("slow", "--start-delay", "5000").instances(1)
            .timeout(Duration.ofSeconds(20)).build())
        .listener(rec)
        .start()) {
      long t0 = System.nanoTime();
      Result r = Faults.get(daemon.submit("slow", Map.of("k", 1)));
      assertThat(r.isSuccess()).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThan(Duration.ofSeconds(3));
      assertThat(daemon.stats("slow").restarts()).isZero();
      assertThat(daemon.stats("slow").healthy()).isTrue();
    }
    // Events are all delivered by close(): the one instance ended only because the daemon stopped.
    assertThat(rec.exited).containsExactly("slow-0: stopped with the daemon");
  }
}

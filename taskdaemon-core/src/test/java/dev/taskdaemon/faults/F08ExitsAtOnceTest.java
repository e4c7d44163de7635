package dev.taskdaemon.faults;

import static org.assertj.core.api.Assertions.assertThat;

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

/** F8: a command that exits as soon as it starts. */
class F08ExitsAtOnceTest {
  @Test
  void crashLoop_backsOff_reportsUnhealthy_andFailsTasksWithTheLastStderrLines() throws Exception {
    Recorder rec = new Recorder();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(TestHandlers.handler("broken", "--exit-at-start", "2").instances(2).build())
        .listener(rec)
        .start()) {
      List<CompletableFuture<Result>> tasks = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        tasks.add(daemon.submit("broken", Map.of("i", i)));
      }
      for (CompletableFuture<Result> f : tasks) {
        Result r = Faults.get(f);
        assertThat(r.isFailure()).isTrue();
        assertThat(r.asFailure().message())
            .contains("fatal: cannot start: configuration missing (exit at start)")
            .containsAnyOf("is unhealthy: its instances die before they are given any task", "exited with code 2");
      }
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !daemon.stats("broken").healthy());
      // Once unhealthy, a new task fails at once with the reason instead of waiting.
      Result later = Faults.get(daemon.submit("broken", Map.of("late", true)));
      assertThat(later.asFailure().message()).startsWith("handler 'broken' is unhealthy: its instances die before they are given any"
          + " task (3 in a row; the last exited with code 2); last stderr lines:").contains("exited with code 2").contains("| fatal: cannot start: configuration missing");
      assertThat(later.asFailure().retryable()).isFalse();
      assertThat(later.asFailure().kind()).isEqualTo(Result.Failure.Kind.UNAVAILABLE);
      // Restart back-off keeps the CPU quiet: over the next two seconds only a few restarts happen.
      int before = rec.started.size();
      Awaitility.await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
          .until(() -> true);
      assertThat(rec.started.size() - before).isLessThanOrEqualTo(6);
    }
  }

  /**
   * A replacement that dies before its launch has returned must still be replaced: its death found the
   * slot marked as launching and left the next launch to it. The window is a few microseconds, so the
   * test relaunches a command that exits at once hundreds of times; before the fix the slot stayed
   * empty for good after about one relaunch in a hundred, and the restarts stopped.
   */
  @Test
  void aReplacementThatDiesBeforeItsLaunchReturns_isReplacedInTurn() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(dev.taskdaemon.adversarial.Sh.handler("broken", "exit 1").instances(1).build())
        .restartBackoff(new dev.taskdaemon.Backoff(Duration.ofMillis(1), Duration.ofMillis(2), 1.0, 0.0))
        .unhealthyAfter(1_000_000, Duration.ofSeconds(1))
        .startTimeout(Duration.ofSeconds(30))
        .start()) {
      Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
          .until(() -> daemon.stats("broken").restarts() >= 400);
      assertThat(daemon.stats("broken").healthy()).isTrue();
    }
  }
}

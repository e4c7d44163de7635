package dev.taskdaemon.testkit;

import static dev.taskdaemon.testkit.Daemons.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.Backoff;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Timeouts and retry back-off driven by a clock the test moves. */
class ManualSchedulerTest {

  @Test
  void timeoutFiresExactlyWhenTheClockPassesIt() throws Exception {
    ManualScheduler clock = new ManualScheduler();
    FakeHandler resize = FakeHandler.echoing();
    resize.injectAlways(Fault.HANG);
    Fakes fakes = Fakes.create().stub("resize", resize);
    try (TaskDaemon daemon = fakes.start(Daemons.resize(0).scheduler(clock)
        .modifyHandler("resize", h -> h.timeout(Duration.ofSeconds(30))))) {
      CompletableFuture<Result> r = daemon.submit("resize", Map.of("w", 1));
      resize.takeTask(Duration.ofSeconds(5));
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> clock.pendingDelays().contains(Duration.ofSeconds(30)));
      clock.advance(Duration.ofSeconds(29));
      assertThat(r).isNotDone();
      clock.advance(Duration.ofSeconds(1));
      Result out = await(r);
      assertThat(out.asFailure().kind()).isEqualTo(Result.Failure.Kind.TIMEOUT);
      assertThat(out.asFailure().message()).startsWith("handler 'resize' instance resize-0 timed out after 30s (attempt 1 of 1)");
    }
  }

  @Test
  void retryWaitsForItsBackoff_onTheManualClock() throws Exception {
    ManualScheduler clock = new ManualScheduler();
    FakeHandler resize = FakeHandler.echoing();
    resize.inject(Fault.RETRYABLE_ERROR);
    Fakes fakes = Fakes.create().stub("resize", resize).keepBackoff();
    Backoff tenMinutes = new Backoff(Duration.ofMinutes(10), Duration.ofMinutes(10), 1.0, 0.0);
    try (TaskDaemon daemon = fakes.start(Daemons.resize(1).scheduler(clock).retryBackoff(tenMinutes))) {
      CompletableFuture<Result> r = daemon.submit("resize", Map.of("w", 2));
      resize.takeTask(Duration.ofSeconds(5));
      Awaitility.await().atMost(Duration.ofSeconds(5))
          .until(() -> clock.pendingDelays().contains(Duration.ofMinutes(10)));
      assertThat(r).isNotDone();
      clock.advance(Duration.ofMinutes(10));
      assertThat(await(r).json().get("w").asInt()).isEqualTo(2);
      resize.assertReceived().hasAttempts(1, 2);
    }
  }
}

package dev.taskdaemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Durations longer than a {@code long} of nanoseconds holds (about 292 years): a start time
 * centuries ahead and a back-off are accepted as "practically never", a timeout is refused where it is
 * given. Each task still ends in one outcome, and nothing is lost on the way.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LongDurationsTest {
  private static final Duration MILLENNIUM = Duration.ofDays(365L * 1000);

  @Test
  void aTaskTimeoutBeyond365Days_isRefusedWhereItIsGiven_asAHandlersIs() throws Exception {
    // Before, it was accepted, and the claim's deadline overflowed: the task was taken off the queue
    // and lost, its instance left busy for good, and submit() threw ArithmeticException.
    assertThatThrownBy(() -> TaskOptions.defaults().timeout(MILLENNIUM))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 365 days");
    assertThatThrownBy(() -> TestHandlers.handler("q").timeout(MILLENNIUM).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("365 days");
    try (TaskDaemon daemon = TaskDaemon.builder().handler(TestHandlers.handler("q").instances(2).build()).start()) {
      for (int i = 0; i < 5; i++) {
        Result r = daemon.submit("q", Map.of("op", "echo", "i", i),
            TaskOptions.defaults().timeout(Duration.ofDays(365))).get(30, TimeUnit.SECONDS);
        assertThat(r.isSuccess()).as("%s", r).isTrue();
        assertThat(r.json().get("data").get("i").asInt()).isEqualTo(i);
      }
      assertThat(daemon.submit("q", Map.of("op", "echo")).get(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
  }

  @Test
  void aStartTimeCenturiesAhead_waitsAndCanBeCancelled() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder().handler(TestHandlers.handler("q").instances(1).build()).start()) {
      Instant far = Instant.now().plus(Duration.ofDays(365L * 5000));
      TaskFuture later = daemon.submit("q", Map.of("op", "echo"), TaskOptions.defaults().notBefore(far));
      // It waits: the instance serves other tasks meanwhile.
      assertThat(daemon.submit("q", Map.of("op", "echo")).get(30, TimeUnit.SECONDS).isSuccess()).isTrue();
      assertThat(later).isNotDone();
      assertThat(daemon.task(later.taskId())).get().extracting(TaskInfo::status).isEqualTo(TaskStatus.PENDING);
      assertThat(daemon.cancel(later.taskId())).isTrue();
      Result r = later.get(30, TimeUnit.SECONDS);
      assertThat(r.isSuccess()).isFalse();
      assertThat(r.asFailure().kind()).isEqualTo(Result.Failure.Kind.CANCELLED);
    }
  }

  @Test
  void aBackoffOfAThousandYears_leavesTheRetryWaiting_andCancellable() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(TestHandlers.handler("q").instances(1).maxRetries(3)
            .retryBackoff(new Backoff(MILLENNIUM, MILLENNIUM, 1.0, 0.0)).build())
        .start()) {
      TaskFuture f = daemon.submit("q", Map.of("op", "fail-until", "attempt", 2));
      // The first attempt fails (retryable); the retry waits its back-off, and the instance is free.
      assertThat(daemon.submit("q", Map.of("op", "echo")).get(30, TimeUnit.SECONDS).isSuccess()).isTrue();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(daemon.task(f.taskId())).get().satisfies(t -> {
            assertThat(t.status()).isEqualTo(TaskStatus.PENDING);
            assertThat(t.attempts()).isEqualTo(1);
          }));
      assertThat(f).isNotDone();
      assertThat(daemon.cancel(f.taskId())).isTrue();
      Result r = f.get(30, TimeUnit.SECONDS);
      assertThat(r.asFailure().kind()).isEqualTo(Result.Failure.Kind.CANCELLED);
    }
  }
}

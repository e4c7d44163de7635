package dev.taskdaemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The exact slot order of each selection strategy, with real handler processes. */
class SelectionTest {

  private List<String> sequentialSlots(HandlerSelection selection, int tasks, boolean blockSlotZero)
      throws Exception {
    Recorder rec = new Recorder();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(TestHandlers.handler("sel").instances(3).selection(selection).build())
        .listener(rec)
        .start()) {
      // Instances take tasks once their settle time is over; choices are only made among idle ones.
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> daemon.pool("sel").instances().stream()
          .allMatch(i -> i.state() == InstanceState.IDLE));
      CompletableFuture<Result> blocker = null;
      if (blockSlotZero) {
        blocker = daemon.submit("sel", Map.of("op", "sleep", "ms", 60_000));
        rec.awaitAttempts(1, Duration.ofSeconds(10));
      }
      for (int i = 0; i < tasks; i++) {
        assertThat(daemon.submit("sel", Map.of("i", i)).get(30, TimeUnit.SECONDS).isSuccess()).isTrue();
      }
      if (blocker != null) {
        daemon.shutdownNow();
      }
    }
    // Events are delivered in order, all of them before close() returns.
    return new ArrayList<>(rec.attemptInstances);
  }

  @Test
  void roundRobin_cyclesThroughSlotsInOrder() throws Exception {
    assertThat(sequentialSlots(HandlerSelection.ROUND_ROBIN, 7, false))
        .containsExactly("sel-0", "sel-1", "sel-2", "sel-0", "sel-1", "sel-2", "sel-0");
  }

  @Test
  void roundRobin_skipsBusySlots() throws Exception {
    assertThat(sequentialSlots(HandlerSelection.ROUND_ROBIN, 5, true))
        .containsExactly("sel-0", "sel-1", "sel-2", "sel-1", "sel-2", "sel-1");
  }

  @Test
  void firstAvailable_alwaysTakesTheLowestIdleSlot() throws Exception {
    assertThat(sequentialSlots(HandlerSelection.FIRST_AVAILABLE, 4, false))
        .containsExactly("sel-0", "sel-0", "sel-0", "sel-0");
    assertThat(sequentialSlots(HandlerSelection.FIRST_AVAILABLE, 3, true))
        .containsExactly("sel-0", "sel-1", "sel-1", "sel-1");
  }

  @Test
  void random_drawsFromTheIdleSlotsWithTheGivenRandom() throws Exception {
    Random expected = new Random(42);
    List<String> want = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      want.add("sel-" + expected.nextInt(3));
    }
    assertThat(sequentialSlots(HandlerSelection.random(new Random(42)), 12, false)).isEqualTo(want);
  }

  @Test
  void customStrategy_isUsed_andAnInvalidChoiceFallsBackToTheLowestIdleSlot() throws Exception {
    assertThat(sequentialSlots((idle, size, prev) -> idle[idle.length - 1], 3, false))
        .containsExactly("sel-2", "sel-2", "sel-2");
    assertThat(sequentialSlots((idle, size, prev) -> 99, 2, false)).containsExactly("sel-0", "sel-0");
  }

  @Test
  void builtInsAreNamedAsInToml() {
    assertThat(HandlerSelection.ROUND_ROBIN).hasToString("round-robin");
    assertThat(HandlerSelection.named("first-available")).isSameAs(HandlerSelection.FIRST_AVAILABLE);
    assertThat(HandlerSelection.named("random")).hasToString("random");
    assertThat(HandlerSelection.named("fastest")).isNull();
  }
}

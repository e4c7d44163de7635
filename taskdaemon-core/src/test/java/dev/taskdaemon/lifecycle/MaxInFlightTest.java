package dev.taskdaemon.lifecycle;

import static dev.taskdaemon.adversarial.Sh.ECHO;
import static dev.taskdaemon.adversarial.Sh.get;
import static dev.taskdaemon.adversarial.Sh.handler;
import static dev.taskdaemon.adversarial.Sh.loop;
import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskFuture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code max_in_flight} caps attempts across all handlers, and every task still runs. */
class MaxInFlightTest {
  @TempDir
  Path dir;

  @Test
  void noMoreAttemptsRunAtOnceThanTheCap_acrossHandlers() throws Exception {
    Path log = dir.resolve("log");
    // Each attempt logs its start and end with a nanosecond clock, and lasts about 50 ms.
    String body = "echo \"start $(date +%s%N)\" >> " + log + "; sleep 0.05; echo \"end $(date +%s%N)\" >> " + log
        + "; " + ECHO;
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(handler("a", loop(body)).instances(4).build())
        .handler(handler("b", loop(body)).instances(4).build())
        .maxInFlight(3)
        .start()) {
      List<TaskFuture> all = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        all.add(daemon.submit(i % 2 == 0 ? "a" : "b", Map.of("i", i)));
      }
      for (TaskFuture f : all) {
        assertThat(get(f).json().get("task_id").asText()).isEqualTo(f.taskId());
      }
    }
    List<long[]> events = new ArrayList<>();
    for (String line : Files.readAllLines(log)) {
      String[] p = line.split(" ");
      events.add(new long[] {Long.parseLong(p[1]), p[0].equals("start") ? 1 : -1});
    }
    // Ends sort before starts at the same instant: a slot freed and taken again is not an overlap.
    events.sort((x, y) -> x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[1], y[1]));
    int running = 0;
    int most = 0;
    for (long[] e : events) {
      running += (int) e[1];
      most = Math.max(most, running);
    }
    assertThat(events).hasSize(48);
    assertThat(most).isBetween(2, 3);
  }
}

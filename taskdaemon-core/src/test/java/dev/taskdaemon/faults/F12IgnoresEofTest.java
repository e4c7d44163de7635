package dev.taskdaemon.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TestHandlers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** F12: at shutdown, stdin closes but the handler ignores EOF. */
class F12IgnoresEofTest {
  @Test
  void shutdownEscalatesToAKill_andIsBounded() throws Exception {
    TaskDaemon daemon = TaskDaemon.builder()
        .handler(TestHandlers.handler("stubborn", "--ignore-eof").instances(2).stopGrace(Duration.ofSeconds(1)).build())
        .start();
    assertThat(Faults.get(daemon.submit("stubborn", Map.of())).isSuccess()).isTrue();
    List<ProcessHandle> pids = Faults.handlerProcesses();
    assertThat(pids).hasSize(2);
    long t0 = System.nanoTime();
    daemon.close();
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(took).isLessThan(Duration.ofSeconds(20));
    for (ProcessHandle p : pids) {
      assertThat(p.isAlive()).as("pid %d", p.pid()).isFalse();
    }
    assertThat(Faults.log()).contains("instance stubborn-0 did not exit within stop_grace 1s after stdin closed;"
        + " stopping it");
  }
}

package dev.taskdaemon.adversarial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskdaemon.HandlerStartException;
import dev.taskdaemon.InstanceState;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskFuture;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code start_check}: start() proves each handler can start, and a wrong program fails start(). */
class StartCheckTest {

  @Test
  void withStartCheck_aHandlerWhoseInstancesAllDie_failsStartWithItsStderr() {
    // A wrong script path: the interpreter starts, then exits at once.
    assertThatThrownBy(() -> TaskDaemon.builder()
        .handler(Sh.handler("typo", "echo \"can't open file 'hander.py': No such file or directory\" >&2; exit 2")
            .instances(2).build())
        .healthWindow(Duration.ofMillis(500))
        .startCheck(true)
        .start())
        .isInstanceOf(HandlerStartException.class)
        .hasMessageStartingWith("handler 'typo' (runtime \"process\"): every instance died within the health window"
            + " (0.5s) after it started; the last exited with code 2; last stderr lines:")
        .hasMessageContaining("| can't open file 'hander.py': No such file or directory");
  }

  @Test
  void withStartCheck_startReturnsOnceEveryInstanceHasProvedItself() throws Exception {
    long t0 = System.nanoTime();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("ok", Sh.loop(Sh.ECHO)).instances(2).build())
        .healthWindow(Duration.ofMillis(300))
        .startCheck(true)
        .start()) {
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
      assertThat(daemon.pool("ok").instances()).allSatisfy(i -> assertThat(i.state()).isEqualTo(InstanceState.IDLE));
      TaskFuture f = daemon.submit("ok", Map.of());
      assertThat(Sh.echoedId(Sh.get(f))).isEqualTo(f.taskId());
    }
  }

  @Test
  void aProgramThatDoesNotExist_failsStart_evenWithoutStartCheck() {
    assertThatThrownBy(() -> TaskDaemon.builder()
        .handler(Sh.handler("missing", "x").command("no-such-program-td", "--serve").instances(1).build())
        .start())
        .isInstanceOf(HandlerStartException.class)
        .hasMessageContaining("could not start its instances: cannot run command [no-such-program-td, --serve]")
        .hasMessageContaining("Cannot run program \"no-such-program-td\"");
  }
}

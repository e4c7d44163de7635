package dev.taskdaemon.adversarial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskdaemon.HandlerPool;
import dev.taskdaemon.HandlerStartException;
import dev.taskdaemon.InstanceState;
import dev.taskdaemon.InstanceStatus;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskFuture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Run-time control of a pool: resize and rolling restart, with tasks in flight; none may fail. */
class PoolControlTest {
  private static final String SLOW_ECHO = Sh.loop("case \"$line\" in *slow*) sleep 0.5;; esac; " + Sh.ECHO);

  private static List<InstanceStatus> serving(HandlerPool pool) {
    return pool.instances().stream().filter(i -> i.state() == InstanceState.IDLE || i.state() == InstanceState.BUSY)
        .collect(Collectors.toList());
  }

  @Test
  void growingStartsInstancesAtOnce_shrinkingLetsBusyOnesFinish() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("w", SLOW_ECHO).instances(1).build())
        .start()) {
      HandlerPool pool = daemon.pool("w");
      pool.resize(3);
      assertThat(pool.size()).isEqualTo(3);
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> serving(pool).size() == 3);
      List<TaskFuture> slow = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        slow.add(daemon.submit("w", Map.of("slow", i)));
      }
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> daemon.stats("w").inFlight() == 3);
      pool.resize(1);
      for (TaskFuture f : slow) {
        assertThat(Sh.echoedId(Sh.get(f))).as("a busy instance finishes its task").isEqualTo(f.taskId());
      }
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> pool.instances().size() == 1);
      TaskFuture after = daemon.submit("w", Map.of());
      assertThat(Sh.echoedId(Sh.get(after))).isEqualTo(after.taskId());
      assertThat(daemon.stats("w").failed()).isZero();
      assertThatThrownBy(() -> pool.resize(0)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("handler 'w': instances must be from 1 to 10000, was 0");
    }
  }

  @Test
  void restartReplacesEveryInstance_oneAtATime_withoutFailingATask() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("w", SLOW_ECHO).instances(2).build())
        .start()) {
      HandlerPool pool = daemon.pool("w");
      Set<String> before = pool.instances().stream().map(InstanceStatus::name).collect(Collectors.toSet());
      assertThat(before).containsExactlyInAnyOrder("w-0", "w-1");
      CompletableFuture<Void> restart = pool.restart();
      List<TaskFuture> during = new ArrayList<>();
      while (!restart.isDone()) {
        during.add(daemon.submit("w", Map.of("slow", during.size())));
        Sh.get(during.get(during.size() - 1));
      }
      restart.get(60, TimeUnit.SECONDS);
      for (TaskFuture f : during) {
        assertThat(Sh.echoedId(Sh.get(f))).isEqualTo(f.taskId());
      }
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> pool.instances().size() == 2);
      Set<String> after = new HashSet<>();
      pool.instances().forEach(i -> after.add(i.name()));
      assertThat(after).doesNotContainAnyElementsOf(before).hasSize(2);
      assertThat(daemon.stats("w").failed()).isZero();
    }
  }

  @Test
  void aReplacementThatDiesStopsTheRestart_andTheOldInstancesKeepServing(@TempDir Path dir) throws Exception {
    Path broken = dir.resolve("broken");
    String script = "if [ -e '" + broken + "' ]; then echo 'new version: missing library' >&2; exit 1; fi; "
        + Sh.loop(Sh.ECHO);
    // start_check: start() returns once both instances have survived the health window, so they are
    // past the script's check before the file that breaks new instances appears.
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.handler("w", script).instances(2).build())
        .startCheck(true)
        .start()) {
      Files.createFile(broken);
      HandlerPool pool = daemon.pool("w");
      assertThatThrownBy(() -> pool.restart().get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class).cause().isInstanceOf(HandlerStartException.class)
          .hasMessageStartingWith("handler 'w': restart stopped: the replacement w-0.2 exited with code 1 within the"
              + " health window (1s); the instances not yet replaced keep serving; last stderr lines:")
          .hasMessageContaining("| new version: missing library");
      for (int i = 0; i < 5; i++) {
        TaskFuture f = daemon.submit("w", Map.of("i", i));
        assertThat(Sh.echoedId(Sh.get(f))).isEqualTo(f.taskId());
      }
      assertThat(pool.instances()).extracting(InstanceStatus::name).containsExactlyInAnyOrder("w-0", "w-1");
    }
  }
}

package dev.taskdaemon.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.TaskDaemon;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** No handler (nor anything it started) outlives a host that was killed with {@code kill -9}. */
@EnabledOnOs(OS.LINUX)
class HostKilledTest {

  private static boolean dead(long pid) {
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    return h.isEmpty() || !h.get().isAlive();
  }

  @Test
  void handlersThatAreBusyOrIgnoreEof_dieSoonAfterTheirHostIsKilled(@TempDir Path dir) throws Exception {
    Path pids = dir.resolve("pids");
    Files.createFile(pids);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process host = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), HostMain.class.getName(),
        "hostkill-" + ProcessHandle.current().pid(), pids.toString())
        .redirectErrorStream(true).start();
    List<Long> started = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(host.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null && !line.equals("READY")) {
        // start-up log lines
      }
      assertThat(line).as("the host started its handlers").isEqualTo("READY");
      for (String p : Files.readAllLines(pids)) {
        started.add(Long.parseLong(p.trim()));
      }
      assertThat(started).hasSize(5);
      assertThat(started).allSatisfy(p -> assertThat(dead(p)).isFalse());
      host.destroyForcibly(); // SIGKILL: no shutdown hook runs
      host.waitFor();
    }
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> started.stream().allMatch(HostKilledTest::dead));
  }

  @Test
  void theNextStart_stopsSurvivorsItCanProveAreItsOwn_andNothingElse() throws Exception {
    String name = "survivors-" + ProcessHandle.current().pid();
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    String deadOwner = gone.pid() + ":1";
    String liveOwner = ProcessHandle.current().pid() + ":"
        + ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli();
    Process survivor = sleeper(name, deadOwner);
    Process ownerAlive = sleeper(name, liveOwner);
    Process otherDaemon = sleeper(name + "-other", deadOwner);
    Process unmarked = new ProcessBuilder("sleep", "1000").start();
    try (TaskDaemon daemon = TaskDaemon.builder().name(name)
        .handler(Sh.handler("echo", Sh.loop(Sh.ECHO)).instances(1).build())
        .start()) {
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !survivor.isAlive());
      assertThat(ownerAlive.isAlive()).as("its host is alive").isTrue();
      assertThat(otherDaemon.isAlive()).as("another daemon's").isTrue();
      assertThat(unmarked.isAlive()).as("not started by a daemon").isTrue();
      assertThat(Sh.get(daemon.submit("echo", Map.of())).isSuccess()).isTrue();
    } finally {
      for (Process p : List.of(survivor, ownerAlive, otherDaemon, unmarked)) {
        p.destroyForcibly();
      }
    }
  }

  private static Process sleeper(String daemon, String owner) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("sleep", "1000");
    pb.environment().putAll(Map.of("TASKDAEMON_DAEMON", daemon, "TASKDAEMON_OWNER", owner));
    return pb.start();
  }
}

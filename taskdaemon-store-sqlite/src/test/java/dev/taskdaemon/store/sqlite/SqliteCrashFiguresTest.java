package dev.taskdaemon.store.sqlite;

import static dev.taskdaemon.adversarial.Sh.get;
import static dev.taskdaemon.adversarial.Sh.runsById;
import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskQuery;
import dev.taskdaemon.TaskStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durable-store issue's crash figures: 10,000 tasks on 8 instances, the host JVM killed with
 * {@code kill -9} at whatever point it has reached, and a restart on the same file. Every task ends
 * COMPLETED once in the store with its own result, and the only executions beyond 10,000 are the
 * tasks that had run without their outcome committed when the host died. Prints the figures.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class SqliteCrashFiguresTest {
  private static final int N = 10_000;
  private static final int INSTANCES = 8;

  @TempDir
  Path dir;

  private static Set<String> completed(Path file) {
    Set<String> ids = new HashSet<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + file + "?mode=ro");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT id FROM tasks WHERE status = 'completed'")) {
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
    } catch (SQLException e) {
      return Set.of(); // not created yet
    }
    return ids;
  }

  private static long size(Path p) throws Exception {
    return Files.exists(p) ? Files.size(p) : 0;
  }

  @Test
  void tenThousandTasks_eightInstances_killedMidRun_everyTaskCompletedOnce() throws Exception {
    Path file = dir.resolve("tasks.db");
    Path runs = dir.resolve("runs");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
        CrashChild.class.getName(), file.toString(), runs.toString(), Integer.toString(N),
        Integer.toString(INSTANCES), "enqueue")
        .redirectErrorStream(true).redirectOutput(dir.resolve("child.out").toFile()).start();
    try {
      Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(50))
          .until(() -> !child.isAlive() || (Files.readString(dir.resolve("child.out")).contains("ENQUEUED")
              && completed(file).size() >= 2_000));
      assertThat(child.isAlive()).as("the host runs: %s", Files.readString(dir.resolve("child.out"))).isTrue();
    } finally {
      child.destroyForcibly(); // SIGKILL
      child.waitFor();
    }
    // Its handlers end when their stdin closes (or the session's reaper stops them): wait until the
    // log of runs stops growing, so every run that started before the kill is counted.
    long[] last = {-1};
    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
      long s = size(runs);
      boolean stable = s == last[0];
      last[0] = s;
      return stable;
    });
    Set<String> committed = completed(file);
    Map<String, Integer> before = runsById(runs);
    int ranNotCommitted = 0;
    for (String id : before.keySet()) {
      if (!committed.contains(id)) {
        ranNotCommitted++;
      }
    }
    assertThat(committed.size()).as("killed mid-run").isBetween(2_000, N - 1);

    long restart = System.nanoTime();
    long sizeAtRestart = size(runs);
    long firstDispatchMs;
    try (TaskDaemon d = CrashChild.host(file, runs, INSTANCES).start()) {
      Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(1))
          .until(() -> size(runs) > sizeAtRestart);
      firstDispatchMs = (System.nanoTime() - restart) / 1_000_000;
      for (int i = 0; i < N; i++) {
        Result r = get(d.await("t" + i));
        assertThat(r.isSuccess()).as("t" + i).isTrue();
        assertThat(r.json().get("task_id").asText()).isEqualTo("t" + i);
        assertThat(r.json().get("task_data").get("i").asInt()).isEqualTo(i);
      }
      assertThat(d.tasks(TaskQuery.recent().status(TaskStatus.COMPLETED).limit(TaskQuery.MAX_LIMIT))).hasSize(N);
      assertThat(d.tasks(TaskQuery.recent().status(TaskStatus.PENDING, TaskStatus.PROCESSING, TaskStatus.FAILED,
          TaskStatus.CANCELLED))).isEmpty();
    }
    Map<String, Integer> after = runsById(runs);
    int executions = after.values().stream().mapToInt(Integer::intValue).sum();
    assertThat(after).hasSize(N);
    for (String id : committed) {
      assertThat(after.get(id)).as("a task whose outcome was committed never runs again: " + id).isEqualTo(1);
    }
    assertThat(executions - N).as("re-runs are the tasks that ran without a committed outcome")
        .isEqualTo(ranNotCommitted);
    System.out.printf("crash figures: %d tasks, %d instances; killed with %d outcomes committed and %d tasks run"
        + " without a committed outcome; executions %d (duplicates %d); restart to first dispatch %d ms%n",
        N, INSTANCES, committed.size(), ranNotCommitted, executions, executions - N, firstDispatchMs);
    List<String> lines = List.of("tasks=" + N, "instances=" + INSTANCES, "committedAtKill=" + committed.size(),
        "ranNotCommitted=" + ranNotCommitted, "executions=" + executions, "duplicates=" + (executions - N),
        "restartToFirstDispatchMs=" + firstDispatchMs);
    Files.write(Path.of("target", "crash-figures.txt"), lines);
  }
}

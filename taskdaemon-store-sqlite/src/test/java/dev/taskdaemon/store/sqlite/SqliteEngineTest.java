package dev.taskdaemon.store.sqlite;

import static dev.taskdaemon.adversarial.Sh.ECHO;
import static dev.taskdaemon.adversarial.Sh.get;
import static dev.taskdaemon.adversarial.Sh.runsById;
import static dev.taskdaemon.adversarial.Sh.handler;
import static dev.taskdaemon.adversarial.Sh.loop;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskdaemon.Result;
import dev.taskdaemon.StoreException;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskInfo;
import dev.taskdaemon.TaskOptions;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine on a real SQLite file, chosen by name as a user would ({@code store("sqlite")} with a
 * path): tasks and their results outlive the host, including a host killed with {@code kill -9}.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class SqliteEngineTest {
  static final int INSTANCES = 4;

  @TempDir
  Path dir;

  /**
   * An echo handler that logs each run's request line to {@code runs}; tasks whose data is {@code i}
   * of 100 or more wait, after logging, until the file {@code runs + ".gate"} exists.
   */
  static TaskDaemon.Builder host(Path file, Path runs) {
    Path gate = runs.resolveSibling(runs.getFileName() + ".gate");
    String script = loop("echo \"$line\" >> " + runs + "; case \"$line\" in *'\"i\":'[1-9][0-9][0-9]*) "
        + "while [ ! -f " + gate + " ]; do sleep 0.02; done;; esac; " + ECHO);
    return TaskDaemon.builder().name("sqlite-engine")
        .handler(handler("echo", script).instances(INSTANCES).build())
        .store("sqlite")
        .storePath(file)
        .storeLease(Duration.ofSeconds(30));
  }

  /** Completed tasks in the file, read from outside the host that owns it. */
  private static int completed(Path file) throws Exception {
    if (!Files.exists(file)) {
      return 0;
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + file + "?mode=ro");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM tasks WHERE status = 'completed'")) {
      return rs.next() ? rs.getInt(1) : 0;
    } catch (SQLException e) {
      return 0; // not created yet
    }
  }

  @Test
  void awaitOfATaskWaitingInTheStore_runsItsDependentsOnTheCallbackExecutor() throws Exception {
    try (TaskDaemon d = host(dir.resolve("tasks.db"), dir.resolve("runs")).start()) {
      // A delayed task waits in the store, not on this host: await() registers a watcher there.
      String id = d.enqueue("echo", Map.of("i", 1), TaskOptions.defaults().delay(Duration.ofMillis(300)));
      CompletableFuture<String> thread = d.await(id).thenApply(r -> {
        assertThat(r.json().get("task_id").asText()).isEqualTo(id);
        return Thread.currentThread().getName();
      });
      // Before: the dependent ran on the thread that settled the task, an engine thread.
      assertThat(thread.get(30, TimeUnit.SECONDS)).startsWith("td-sqlite-engine-callback-");
      assertThat(d.task(id).orElseThrow().status()).isEqualTo(TaskStatus.COMPLETED);
    }
  }

  @Test
  void resultsOutliveTheHost_andASecondHostOnTheFileIsRefused() throws Exception {
    Path file = dir.resolve("tasks.db");
    Path runs = dir.resolve("runs");
    List<String> ids = new ArrayList<>();
    try (TaskDaemon d = host(file, runs).start()) {
      for (int i = 0; i < 50; i++) { // below 100: none waits for the gate
        ids.add(d.enqueue("echo", Map.of("i", i)));
      }
      for (String id : ids) {
        assertThat(get(d.await(id)).json().get("task_id").asText()).isEqualTo(id);
      }
      assertThatThrownBy(() -> host(file, runs).start())
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("SQLite store " + file + " is in use by another store in this JVM (pid ")
          .hasMessageContaining("daemon 'sqlite-engine'");
    }
    try (TaskDaemon d = host(file, runs).start()) {
      for (int i = 0; i < ids.size(); i++) {
        TaskInfo t = d.task(ids.get(i)).orElseThrow();
        assertThat(t.status()).isEqualTo(TaskStatus.COMPLETED);
        Result r = get(d.await(ids.get(i)));
        assertThat(r.json().get("task_data").get("i").asInt()).isEqualTo(i);
      }
      assertThat(d.tasks(TaskQuery.recent().limit(100))).hasSize(50);
    }
    assertThat(runsById(runs)).hasSize(50).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
  }

  @Test
  void aHostKilledMidRun_leavesNoTaskBehind_andRerunsOnlyTheOnesInFlight() throws Exception {
    int n = 400;
    Path file = dir.resolve("tasks.db");
    Path runs = dir.resolve("runs");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
        EngineChild.class.getName(), file.toString(), runs.toString(), Integer.toString(n))
        .redirectErrorStream(true).redirectOutput(dir.resolve("child.out").toFile()).start();
    try {
      // Tasks 0..99 finish; 100..103 hang on the gate, one per instance. Once the hundred outcomes are
      // committed (read beside the live host, as WAL allows), it is killed: only the hung ones are in flight.
      Awaitility.await().atMost(Duration.ofSeconds(90))
          .until(() -> !child.isAlive() || (runsById(runs).size() >= 100 + INSTANCES && completed(file) >= 100));
      assertThat(child.isAlive()).as("the child host runs: " + Files.readString(dir.resolve("child.out"))).isTrue();
      assertThat(Files.readString(dir.resolve("child.out"))).contains("ENQUEUED");
    } finally {
      child.destroyForcibly();
      child.waitFor();
    }
    Map<String, Integer> before = runsById(runs);
    assertThat(before.values().stream().mapToInt(Integer::intValue).sum()).as("killed mid-run")
        .isEqualTo(100 + INSTANCES);
    List<String> inFlight = before.keySet().stream().filter(id -> Integer.parseInt(id.substring(1)) >= 100).toList();
    assertThat(inFlight).as("one hung task per instance").hasSize(INSTANCES);
    Files.writeString(dir.resolve("runs.gate"), "");
    try (TaskDaemon d = host(file, runs).start()) {
      for (int i = 0; i < n; i++) {
        Result r = get(d.await("t" + i));
        assertThat(r.isSuccess()).as("t" + i).isTrue();
        assertThat(r.json().get("task_id").asText()).isEqualTo("t" + i);
        assertThat(r.json().get("task_data").get("i").asInt()).isEqualTo(i);
      }
      assertThat(d.tasks(TaskQuery.recent().status(TaskStatus.COMPLETED).limit(1000))).hasSize(n);
      for (String id : inFlight) {
        assertThat(d.task(id).orElseThrow().attempts()).as("the killed run of " + id + " counted").isEqualTo(2);
        assertThat(get(d.await(id)).json().get("attempt").asInt()).isEqualTo(2);
      }
    }
    Map<String, Integer> byId = runsById(runs);
    int executions = byId.values().stream().mapToInt(Integer::intValue).sum();
    assertThat(byId).hasSize(n);
    assertThat(executions - n).as("re-runs: exactly the tasks in flight at the kill").isEqualTo(INSTANCES);
    assertThat(byId).allSatisfy((id, runsOfId) -> assertThat(runsOfId).as(id).isEqualTo(inFlight.contains(id) ? 2 : 1));
  }
}

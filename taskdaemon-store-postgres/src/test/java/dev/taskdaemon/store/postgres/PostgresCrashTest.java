package dev.taskdaemon.store.postgres;

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
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hosts share one queue on PostgreSQL; one of them, a separate JVM, is killed with {@code kill -9}
 * mid-run. The other finishes everything: every task COMPLETED once with its own result, and the only
 * executions beyond the task count are the tasks the dead host had run without a committed outcome.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class PostgresCrashTest {
  private static final int N = 2_000;
  private static final int INSTANCES = 4;

  @TempDir
  Path dir;

  /** Completed task ids, read as the hosts' own role (the one that owns their tables). */
  private static Set<String> completed(String url, String name) throws Exception {
    Set<String> ids = new HashSet<>();
    java.util.Properties p = new java.util.Properties();
    String pw = PostgresTestServer.get().embedded() == null ? PostgresTestServer.get().password() : null;
    if (pw != null) {
      p.setProperty("password", pw);
    }
    try (Connection c = java.sql.DriverManager.getConnection(url, p);
        PreparedStatement st = c.prepareStatement("SELECT id FROM \"td_" + name + "_tasks\" WHERE status = 'completed'")) {
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getString(1));
        }
      }
    } catch (java.sql.SQLException notYet) {
      return Set.of();
    }
    return ids;
  }

  @Test
  void twoHosts_oneKilledMidRun_theOtherFinishesEverything() throws Exception {
    PostgresTestServer.Server server = PostgresTestServer.get();
    String name = "crash" + UUID.randomUUID().toString().substring(0, 8);
    String url = server.embedded() != null
        ? "jdbc:postgresql://localhost:" + server.embedded().getPort() + "/" + PostgresTestServer.EMBEDDED_DATABASE
            + "?user=postgres"
        : server.url();
    Path runsA = dir.resolve("runs-a");
    Path runsB = dir.resolve("runs-b");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
        PgCrashChild.class.getName(), url, name, runsA.toString(), Integer.toString(N), Integer.toString(INSTANCES))
        .redirectErrorStream(true).redirectOutput(dir.resolve("child.out").toFile());
    if (server.password() != null && server.embedded() == null) {
      pb.environment().put("PGPASSWORD", server.password());
    }
    Process a = pb.start();
    try (TaskDaemon b = PgCrashChild.host(url, name, runsB, INSTANCES).start()) {
      try {
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(50))
            .until(() -> !a.isAlive() || (Files.readString(dir.resolve("child.out")).contains("ENQUEUED")
                && runsById(runsA).size() >= 200 && completed(url, name).size() >= 500));
        assertThat(a.isAlive()).as("host a runs: %s", Files.readString(dir.resolve("child.out"))).isTrue();
      } finally {
        a.destroyForcibly(); // SIGKILL
        a.waitFor();
      }
      // Host a's handlers end when their stdin closes: wait until its log stops growing.
      long[] last = {-1};
      Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
        long s = Files.exists(runsA) ? Files.size(runsA) : 0;
        boolean stable = s == last[0];
        last[0] = s;
        return stable;
      });
      Map<String, Integer> ranOnA = runsById(runsA);
      Set<String> committedAtKill = completed(url, name);
      for (int i = 0; i < N; i++) {
        Result r = get(b.await("t" + i));
        assertThat(r.isSuccess()).as("t" + i).isTrue();
        assertThat(r.json().get("task_id").asText()).isEqualTo("t" + i);
        assertThat(r.json().get("task_data").get("i").asInt()).isEqualTo(i);
      }
      assertThat(b.tasks(TaskQuery.recent().status(TaskStatus.COMPLETED).limit(TaskQuery.MAX_LIMIT))).hasSize(N);
      Map<String, Integer> all = new HashMap<>(ranOnA);
      runsById(runsB).forEach((id, k) -> all.merge(id, k, Integer::sum));
      int executions = all.values().stream().mapToInt(Integer::intValue).sum();
      assertThat(all).hasSize(N);
      int ranOnANotCommitted = 0;
      for (String id : ranOnA.keySet()) {
        if (!committedAtKill.contains(id)) {
          ranOnANotCommitted++;
        }
      }
      assertThat(runsById(runsB)).as("host b ran part of the queue").isNotEmpty();
      assertThat(executions - N).as("re-runs: only tasks host a ran without a committed outcome")
          .isBetween(0, ranOnANotCommitted);
      System.out.printf("postgres crash figures: %d tasks, 2 hosts x %d instances; host a killed after running %d"
          + " tasks (%d without a committed outcome); executions %d (duplicates %d)%n", N, INSTANCES, ranOnA.size(),
          ranOnANotCommitted, executions, executions - N);
    }
  }
}

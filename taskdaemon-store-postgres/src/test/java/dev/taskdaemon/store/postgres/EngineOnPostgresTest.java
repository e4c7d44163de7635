package dev.taskdaemon.store.postgres;

import static dev.taskdaemon.adversarial.Sh.ECHO;
import static dev.taskdaemon.adversarial.Sh.get;
import static dev.taskdaemon.adversarial.Sh.handler;
import static dev.taskdaemon.adversarial.Sh.loop;
import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.Backoff;
import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.Result;
import dev.taskdaemon.StoreException;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskInfo;
import dev.taskdaemon.TaskQuery;
import dev.taskdaemon.TaskRequest;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.spi.StoreContext;
import dev.taskdaemon.spi.StoreWrite;
import dev.taskdaemon.spi.StoredTask;
import dev.taskdaemon.spi.TaskStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine on the PostgreSQL store, with real handler processes: configured by its keys, a backlog
 * beyond the window, two hosts sharing one queue, a host that dies, a cancel from another host.
 */
class EngineOnPostgresTest {
  @TempDir
  Path dir;
  private final List<TaskDaemon> daemons = new ArrayList<>();
  private final String name = StoreFixture.uniqueDaemon("engine");

  @AfterEach
  void close() {
    daemons.forEach(TaskDaemon::shutdownNow);
  }

  /** Logs each run as "HOST REQUEST"; "slow" waits for the gate file; answers with the request. */
  private String script(String host) {
    return loop("echo \"" + host + " $line\" >> " + dir.resolve("runs") + "; "
        + "case \"$line\" in *slow*) while [ ! -f " + dir.resolve("gate") + " ]; do sleep 0.02; done;; esac; " + ECHO);
  }

  private TaskDaemon host(String host, TaskStore store, Duration lease) {
    return host(host, store, lease, 2);
  }

  private TaskDaemon host(String host, TaskStore store, Duration lease, int instances) {
    TaskDaemon.Builder b = TaskDaemon.builder()
        .name(name)
        .handler(handler("echo", script(host)).instances(instances).build())
        .claimBatch(4)
        .storeLease(lease)
        .retryBackoff(new Backoff(Duration.ofMillis(20), Duration.ofMillis(20), 1.0, 0))
        .settleTime(Duration.ZERO);
    TaskDaemon d = (store == null ? PostgresTestServer.get().configure(b) : b.store(store)).start();
    daemons.add(d);
    return d;
  }

  /** Runs per task id, per host. */
  private Map<String, List<String>> runs() throws Exception {
    Map<String, List<String>> m = new HashMap<>();
    Path p = dir.resolve("runs");
    if (Files.exists(p)) {
      for (String l : Files.readAllLines(p)) {
        String id = l.replaceAll(".*\"task_id\":\"([^\"]+)\".*", "$1");
        m.computeIfAbsent(id, k -> new ArrayList<>()).add(l.substring(0, l.indexOf(' ')));
      }
    }
    return m;
  }

  @Test
  void configuredByItsKeys_aBacklogBeyondTheWindowRunsFromTheStore_eachTaskOnce() throws Exception {
    TaskDaemon d = host("a", null, Duration.ofSeconds(30));
    assertThat(d.store()).startsWith("postgres jdbc:postgresql://");
    List<TaskRequest> batch = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      batch.add(TaskRequest.of("echo", Map.of("i", i)));
    }
    List<String> ids = d.enqueueAll(batch);
    for (int i = 0; i < ids.size(); i++) {
      Result r = get(d.await(ids.get(i)));
      assertThat(r.json().get("task_id").asText()).isEqualTo(ids.get(i));
      assertThat(r.json().get("task_data").get("i").asInt()).isEqualTo(i);
    }
    assertThat(runs()).hasSize(200).allSatisfy((id, hosts) -> assertThat(hosts).as(id).hasSize(1));
    assertThat(d.tasks(TaskQuery.recent().status(TaskStatus.COMPLETED).limit(1000))).hasSize(200);
  }

  @Test
  void twoHostsShareOneQueue_eachTaskRunsOnce_andBothRunSome() throws Exception {
    TaskDaemon a = host("a", null, Duration.ofSeconds(30));
    TaskDaemon b = host("b", null, Duration.ofSeconds(30));
    List<TaskRequest> batch = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      batch.add(TaskRequest.of("echo", Map.of("i", i)));
    }
    List<String> ids = a.enqueueAll(batch);
    for (String id : ids) {
      // Awaited on the host that did not enqueue: the outcome reaches it through the store.
      assertThat(get(b.await(id)).json().get("task_id").asText()).isEqualTo(id);
    }
    Map<String, List<String>> runs = runs();
    assertThat(runs).hasSize(300).allSatisfy((id, hosts) -> assertThat(hosts).as(id).hasSize(1));
    assertThat(runs.values()).as("host b ran part of the queue").anyMatch(h -> h.equals(List.of("b")));
    assertThat(runs.values()).as("host a ran part of the queue").anyMatch(h -> h.equals(List.of("a")));
    for (String id : ids) {
      assertThat(a.task(id).orElseThrow().status()).isEqualTo(TaskStatus.COMPLETED);
    }
  }

  @Test
  void whenAHostDies_theOtherTakesItsTasksOnceTheirLeasesRunOut() throws Exception {
    Crashable aStore = new Crashable(PostgresTestServer.newStore());
    // One instance: while it runs the slow task, the others wait in host a's window, claimed by a.
    TaskDaemon a = host("a", aStore, Duration.ofSeconds(1), 1);
    String running = a.enqueue("echo", Map.of("x", "slow"));
    List<String> queued = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      queued.add(a.enqueue("echo", Map.of("x", "queued", "i", i)));
    }
    awaitStatus(a, running, TaskStatus.PROCESSING);
    List<String> heldByA = new ArrayList<>();
    for (String id : queued) {
      if (aStore.find(id).orElseThrow().owner() != null) {
        heldByA.add(id);
      }
    }
    assertThat(heldByA).as("tasks waiting in host a's window").isNotEmpty();
    aStore.crash(); // host a can no longer reach the database: its leases run out
    Files.writeString(dir.resolve("gate"), "");
    TaskDaemon b = host("b", null, Duration.ofSeconds(1));
    Result r = get(b.await(running));
    assertThat(r.isSuccess()).isTrue();
    assertThat(r.json().get("attempt").asInt()).as("the run on the dead host counted").isEqualTo(2);
    for (String id : queued) {
      Result q = get(b.await(id));
      assertThat(q.isSuccess()).isTrue();
      // One in a's window was claimed by a (attempt 1), then by b: whatever a ran after it lost the
      // database is not the outcome. One a never took runs first on b.
      int expected = heldByA.contains(id) ? 2 : 1;
      assertThat(q.json().get("attempt").asInt()).as(id).isEqualTo(expected);
      assertThat(b.task(id).orElseThrow().attempts()).as(id).isEqualTo(expected);
    }
    TaskInfo info = b.task(running).orElseThrow();
    assertThat(info.status()).isEqualTo(TaskStatus.COMPLETED);
    assertThat(info.attempts()).isEqualTo(2);
    assertThat(runs().get(running)).as("ran on a, then again on b").containsExactly("a", "b");
  }

  @Test
  void cancelOnOneHost_stopsTheTaskRunningOnAnother() throws Exception {
    TaskDaemon a = host("a", null, Duration.ofMillis(800));
    TaskDaemon b = host("b", null, Duration.ofMillis(800));
    String id = a.enqueue("echo", Map.of("x", "slow"));
    awaitStatus(b, id, TaskStatus.PROCESSING);
    assertThat(b.cancel(id)).isTrue();
    Result r = b.await(id).get(30, TimeUnit.SECONDS);
    assertThat(r.asFailure().kind()).isEqualTo(Result.Failure.Kind.CANCELLED);
    assertThat(a.task(id).orElseThrow().status()).isEqualTo(TaskStatus.CANCELLED);
  }

  private static void awaitStatus(TaskDaemon d, String id, TaskStatus status) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (d.task(id).orElseThrow().status() != status) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(id + " never became " + status + ": " + d.task(id));
      }
      Thread.sleep(20); // poll interval of a deadline-bounded wait
    }
  }

  /** A real PostgreSQL store that, once {@link #crash()}ed, fails every call as if its host had lost the database. */
  private static final class Crashable implements TaskStore {
    private final TaskStore real;
    private volatile boolean crashed;

    Crashable(TaskStore real) {
      this.real = real;
    }

    void crash() {
      crashed = true;
      real.close();
    }

    private void check() {
      if (crashed) {
        throw new StoreException("host crashed");
      }
    }

    @Override
    public String describe() {
      return real.describe();
    }

    @Override
    public boolean durable() {
      return true;
    }

    @Override
    public void open(StoreContext context) {
      real.open(context);
    }

    @Override
    public List<Boolean> write(List<StoreWrite> writes) {
      check();
      return real.write(writes);
    }

    @Override
    public List<StoredTask> claim(String taskType, QueueOrder order, int max, String owner, Instant now,
        Instant leaseUntil) {
      check();
      return real.claim(taskType, order, max, owner, now, leaseUntil);
    }

    @Override
    public int renewLeases(String owner, Instant leaseUntil) {
      check();
      return real.renewLeases(owner, leaseUntil);
    }

    @Override
    public List<String> cancelRequested(String owner) {
      check();
      return real.cancelRequested(owner);
    }

    @Override
    public Optional<StoredTask> find(String id) {
      check();
      return real.find(id);
    }

    @Override
    public List<StoredTask> list(TaskQuery query) {
      check();
      return real.list(query);
    }

    @Override
    public CancelOutcome cancel(String id, String error, Instant now) {
      check();
      return real.cancel(id, error, now);
    }

    @Override
    public boolean redrive(String id, Instant now) {
      check();
      return real.redrive(id, now);
    }

    @Override
    public boolean delete(String id) {
      check();
      return real.delete(id);
    }

    @Override
    public int purge(Instant cutoff) {
      check();
      return real.purge(cutoff);
    }

    @Override
    public long countPending(String taskType) {
      check();
      return real.countPending(taskType);
    }

    @Override
    public void close() {
      real.close();
    }
  }
}

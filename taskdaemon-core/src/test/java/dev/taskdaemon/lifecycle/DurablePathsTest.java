package dev.taskdaemon.lifecycle;

import static dev.taskdaemon.adversarial.Sh.ECHO;
import dev.taskdaemon.adversarial.Sh;
import static dev.taskdaemon.adversarial.Sh.get;
import static dev.taskdaemon.adversarial.Sh.handler;
import static dev.taskdaemon.adversarial.Sh.loop;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.taskdaemon.Backoff;
import dev.taskdaemon.DaemonClosedException;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskFuture;
import dev.taskdaemon.TaskInfo;
import dev.taskdaemon.TaskQuery;
import dev.taskdaemon.TaskRequest;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.spi.TaskStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's paths for a durable store — a window per handler, claims, leases, retries through the
 * store, other hosts taking over, close leaving tasks pending — with hosts in this JVM sharing one
 * {@link SharedStore}, and real handler processes.
 */
class DurablePathsTest {
  @TempDir
  Path dir;
  private final SharedStore shared = new SharedStore();
  private final List<TaskDaemon> daemons = new ArrayList<>();

  @AfterEach
  void close() {
    daemons.forEach(TaskDaemon::shutdownNow);
  }

  /** Echoes and logs each run; "slow" waits for the gate file; "fail1" fails its first attempt. */
  private String script() {
    return loop("echo \"$line\" >> " + dir.resolve("runs") + "; "
        + "case \"$line\" in *slow*) while [ ! -f " + dir.resolve("gate") + " ]; do sleep 0.02; done;; esac; "
        + "case \"$line\" in *fail1*'\"attempt\":1'*) printf '{\"status\":\"error\",\"error\":\"first\",\"retryable\":true}\\n';; "
        + "*) " + ECHO + ";; esac");
  }

  private TaskDaemon host(TaskStore view, int instances, Duration lease) {
    TaskDaemon d = TaskDaemon.builder()
        .handler(handler("echo", script()).instances(instances).build())
        .store(view)
        .claimBatch(4)
        .storeLease(lease)
        .retryBackoff(new Backoff(Duration.ofMillis(20), Duration.ofMillis(20), 1.0, 0))
        .settleTime(Duration.ZERO)
        .start();
    daemons.add(d);
    return d;
  }

  private Map<String, Integer> runsById() throws Exception {
    return Sh.runsById(dir.resolve("runs"));
  }

  @Test
  void aBacklogBeyondTheWindow_runsFromTheStore_eachTaskOnceWithItsOwnResult() throws Exception {
    TaskDaemon d = host(shared.host(), 2, Duration.ofSeconds(30));
    List<TaskRequest> batch = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      batch.add(TaskRequest.of("echo", Map.of("i", i)));
    }
    List<String> ids = d.enqueueAll(batch);
    for (int i = 0; i < ids.size(); i++) {
      Result r = get(d.await(ids.get(i)));
      assertThat(r.json().get("task_id").asText()).isEqualTo(ids.get(i));
      assertThat(r.json().get("task_data").get("i").asInt()).isEqualTo(i);
    }
    assertThat(runsById()).hasSize(300).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
    assertThat(d.tasks(TaskQuery.recent().status(TaskStatus.COMPLETED).limit(1000))).hasSize(300);
    assertThat(shared.claims.get()).as("most tasks came through claims, not the submit shortcut").isGreaterThan(200);
  }

  @Test
  void fifo_holdsAcrossTasksTakenAtSubmitAndTasksClaimedFromTheStore() throws Exception {
    TaskDaemon d = host(shared.host(), 1, Duration.ofSeconds(30));
    // Let the store loop's first claim find nothing, so the first tasks go straight into the window.
    await().atMost(Duration.ofSeconds(5)).until(() -> shared.claims.get() == 0);
    List<TaskRequest> batch = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      batch.add(TaskRequest.of("echo", Map.of("i", i)));
    }
    List<String> ids = d.enqueueAll(batch);
    for (String id : ids) {
      get(d.await(id));
    }
    List<String> order = new ArrayList<>();
    for (String l : Files.readAllLines(dir.resolve("runs"))) {
      order.add(l.replaceAll(".*\"task_id\":\"([^\"]+)\".*", "$1"));
    }
    assertThat(order).as("one instance, fifo: the order they were stored in").containsExactlyElementsOf(ids);
  }

  @Test
  void aSubmitFuture_completesAfterARetryThatWentThroughTheStore() throws Exception {
    TaskDaemon d = host(shared.host(), 1, Duration.ofSeconds(30));
    TaskFuture f = d.submit("echo", Map.of("x", "fail1"));
    Result r = get(f);
    assertThat(r.isSuccess()).isTrue();
    assertThat(r.json().get("attempt").asInt()).isEqualTo(2);
    TaskInfo info = d.task(f.taskId()).orElseThrow();
    assertThat(info.status()).isEqualTo(TaskStatus.COMPLETED);
    assertThat(info.attempts()).isEqualTo(2);
    assertThat(info.lastError()).isEqualTo("first");
  }

  @Test
  void twoHostsShareOneQueue_eachTaskRunsOnce() throws Exception {
    TaskDaemon a = host(shared.host(), 2, Duration.ofSeconds(30));
    TaskDaemon b = host(shared.host(), 2, Duration.ofSeconds(30));
    List<TaskRequest> batch = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      batch.add(TaskRequest.of("echo", Map.of("i", i)));
    }
    List<String> ids = a.enqueueAll(batch);
    for (String id : ids) {
      assertThat(get(b.await(id)).json().get("task_id").asText()).isEqualTo(id);
    }
    assertThat(runsById()).hasSize(400).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
    long byB = b.tasks(TaskQuery.recent().limit(1000)).size();
    assertThat(byB).isEqualTo(400);
    assertThat(b.stats("echo").succeeded()).as("host b ran part of the queue").isPositive();
    assertThat(a.stats("echo").succeeded()).as("host a ran part of the queue").isPositive();
  }

  @Test
  void whenAHostDies_anotherTakesItsTasksOnceTheirLeasesRunOut() throws Exception {
    SharedStore.Host aView = shared.host();
    TaskDaemon a = host(aView, 1, Duration.ofSeconds(1));
    String running = a.enqueue("echo", Map.of("x", "slow"));
    String queued = a.enqueue("echo", Map.of("x", "queued"));
    await().atMost(Duration.ofSeconds(10)).until(() -> a.task(running).orElseThrow().status() == TaskStatus.PROCESSING);
    aView.crash(); // host a can no longer reach the store: its claims run out
    Files.writeString(dir.resolve("gate"), "");
    TaskDaemon b = host(shared.host(), 1, Duration.ofSeconds(1));
    Result r1 = get(b.await(running));
    Result r2 = get(b.await(queued));
    assertThat(r1.isSuccess()).isTrue();
    assertThat(r2.isSuccess()).isTrue();
    TaskInfo info = b.task(running).orElseThrow();
    assertThat(info.status()).isEqualTo(TaskStatus.COMPLETED);
    assertThat(info.attempts()).as("the run on the dead host counted").isEqualTo(2);
    assertThat(r1.json().get("attempt").asInt()).isEqualTo(2);
    // Host a's own answer (it ran on after losing the store) was not recorded: b's is the one outcome.
    assertThat(b.stats("echo").succeeded()).isEqualTo(2);
  }

  @Test
  void cancelOnOneHost_stopsTheTaskRunningOnAnother() throws Exception {
    TaskDaemon a = host(shared.host(), 1, Duration.ofMillis(600));
    TaskDaemon b = host(shared.host(), 1, Duration.ofMillis(600));
    String id = a.enqueue("echo", Map.of("x", "slow"));
    await().atMost(Duration.ofSeconds(10)).until(() -> a.task(id).orElseThrow().status() == TaskStatus.PROCESSING);
    assertThat(b.cancel(id)).isTrue();
    Result r = b.await(id).get(30, TimeUnit.SECONDS);
    assertThat(r.asFailure().kind()).isEqualTo(Result.Failure.Kind.CANCELLED);
    assertThat(a.task(id).orElseThrow().status()).isEqualTo(TaskStatus.CANCELLED);
  }

  @Test
  void aStoreThatIsDown_refusesNewTasksAtOnce_andKeepsEveryOutcomeUntilItIsBack() throws Exception {
    SharedStore.Host view = shared.host();
    TaskDaemon d = host(view, 1, Duration.ofSeconds(30));
    TaskFuture running = d.submit("echo", Map.of("x", "slow"));
    await().atMost(Duration.ofSeconds(10))
        .until(() -> d.task(running.taskId()).orElseThrow().status() == TaskStatus.PROCESSING);
    view.down = true;
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> d.enqueue("echo", Map.of("x", "new")))
        .isInstanceOf(dev.taskdaemon.StoreException.class).hasMessageContaining("shared test store");
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).as("refused fast").isLessThan(10);
    int refusedBefore = view.refusedWrites.get();
    Files.writeString(dir.resolve("gate"), ""); // the running task answers while its outcome cannot be written
    // The answer arrives and the write of its outcome is refused, then tried again.
    await().atMost(Duration.ofSeconds(10)).until(() -> view.refusedWrites.get() >= refusedBefore + 2);
    assertThat(running).as("a future completes only once its outcome is committed").isNotDone();
    view.down = false;
    Result r = get(running);
    assertThat(r.isSuccess()).isTrue();
    assertThat(shared.rows.find(running.taskId()).orElseThrow().status()).isEqualTo(TaskStatus.COMPLETED);
    assertThat(d.tasks(TaskQuery.recent().limit(10))).extracting(TaskInfo::id).containsExactly(running.taskId());
  }

  @Test
  void close_leavesUnfinishedTasksPending_andTheNextStartFinishesThem() throws Exception {
    TaskDaemon a = host(shared.host(), 1, Duration.ofSeconds(30));
    TaskFuture running = a.submit("echo", Map.of("x", "slow"));
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      rest.add(a.enqueue("echo", Map.of("i", i)));
    }
    await().atMost(Duration.ofSeconds(10))
        .until(() -> a.task(running.taskId()).orElseThrow().status() == TaskStatus.PROCESSING);
    a.shutdownNow();
    assertThatThrownBy(() -> running.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(DaemonClosedException.class)
        .hasMessageContaining(running.taskId()).hasMessageContaining("pending");
    for (String id : rest) {
      assertThat(shared.rows.find(id).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
      // Taken into the window or not, a task that never ran has used no attempt.
      assertThat(shared.rows.find(id).orElseThrow().attempts()).as(id).isZero();
    }
    assertThat(shared.rows.find(running.taskId()).orElseThrow().attempts()).as("the run cut short counted").isEqualTo(1);
    Files.writeString(dir.resolve("gate"), "");
    TaskDaemon b = host(shared.host(), 1, Duration.ofSeconds(30));
    assertThat(get(b.await(running.taskId())).isSuccess()).isTrue();
    for (String id : rest) {
      assertThat(get(b.await(id)).isSuccess()).isTrue();
    }
    assertThat(runsById().get(rest.get(0))).isEqualTo(1);
  }
}

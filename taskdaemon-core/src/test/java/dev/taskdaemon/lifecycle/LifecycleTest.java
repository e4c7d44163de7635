package dev.taskdaemon.lifecycle;

import static dev.taskdaemon.adversarial.Sh.ECHO;
import static dev.taskdaemon.adversarial.Sh.get;
import static dev.taskdaemon.adversarial.Sh.handler;
import static dev.taskdaemon.adversarial.Sh.loop;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.taskdaemon.Backoff;
import dev.taskdaemon.DaemonClosedException;
import dev.taskdaemon.QueueFullException;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskFuture;
import dev.taskdaemon.TaskInfo;
import dev.taskdaemon.TaskOptions;
import dev.taskdaemon.TaskQuery;
import dev.taskdaemon.TaskRequest;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.UnknownTaskException;
import dev.taskdaemon.UnknownTaskTypeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The task lifecycle API on the default in-memory store, with real handler processes: every
 * transition, every refusal. The durable stores run the same API in their own modules.
 */
class LifecycleTest {
  @TempDir
  Path dir;
  private TaskDaemon daemon;

  @AfterEach
  void close() {
    if (daemon != null) {
      daemon.shutdownNow();
    }
  }

  /** Echoes; data containing "fail" gets a retryable error; "slow" waits for the gate file. */
  private String script() {
    return loop("echo \"$line\" >> " + dir.resolve("runs") + "; "
        + "case \"$line\" in *slow*) while [ ! -f " + dir.resolve("gate") + " ]; do sleep 0.02; done;; esac; "
        + "case \"$line\" in *fail*) printf '{\"status\":\"error\",\"error\":\"boom\",\"retryable\":true}\\n';; "
        + "*) " + ECHO + ";; esac");
  }

  private TaskDaemon start(int instances) {
    daemon = TaskDaemon.builder()
        .handler(handler("echo", script()).instances(instances).build())
        .retryBackoff(new Backoff(Duration.ofMillis(20), Duration.ofMillis(20), 1.0, 0))
        .settleTime(Duration.ZERO)
        .start();
    return daemon;
  }

  private List<String> runs() throws Exception {
    Path p = dir.resolve("runs");
    return Files.exists(p) ? Files.readAllLines(p) : List.of();
  }

  private long runsOf(String id) throws Exception {
    return runs().stream().filter(l -> l.contains(id)).count();
  }

  private void openGate() throws Exception {
    Files.writeString(dir.resolve("gate"), "");
  }

  @Test
  void enqueue_storesTheTask_andItsRecordEndsCompletedWithItsResult() throws Exception {
    start(1);
    Instant before = Instant.now().minusMillis(1);
    String id = daemon.enqueue("echo", Map.of("n", 7));
    Result r = get(daemon.await(id));
    assertThat(r.json().get("task_id").asText()).isEqualTo(id);
    assertThat(r.json().get("task_data").get("n").asInt()).isEqualTo(7);
    TaskInfo info = daemon.task(id).orElseThrow();
    assertThat(info.status()).isEqualTo(TaskStatus.COMPLETED);
    assertThat(info.taskType()).isEqualTo("echo");
    assertThat(info.attempts()).isEqualTo(1);
    assertThat(info.priority()).isEqualTo(50);
    assertThat(info.createdAt()).isAfter(before);
    assertThat(info.updatedAt()).isAfterOrEqualTo(info.createdAt());
    assertThat(info.result()).isEqualTo(r);
    assertThat(info.taskData().get("n").asInt()).isEqualTo(7);
    assertThat(info.lastError()).isNull();
  }

  @Test
  void submit_isRecordedToo() throws Exception {
    start(1);
    TaskFuture f = daemon.submit("echo", Map.of("n", 1));
    Result r = get(f);
    assertThat(r.isSuccess()).isTrue();
    assertThat(daemon.task(f.taskId()).orElseThrow().status()).isEqualTo(TaskStatus.COMPLETED);
    assertThat(get(daemon.await(f.taskId()))).isEqualTo(r);
  }

  @Test
  void aCallerChosenId_isAnIdempotencyKey() throws Exception {
    start(1);
    TaskOptions o = TaskOptions.defaults().taskId("order-42");
    String a = daemon.enqueue("echo", Map.of("n", 1), o);
    String b = daemon.enqueue("echo", Map.of("n", 2), o);
    assertThat(a).isEqualTo("order-42").isEqualTo(b);
    Result r = get(daemon.await("order-42"));
    assertThat(r.json().get("task_data").get("n").asInt()).isEqualTo(1);
    // Once finished, the same id still returns the one task, and submit gets its outcome.
    assertThat(daemon.enqueue("echo", Map.of("n", 3), o)).isEqualTo("order-42");
    assertThat(get(daemon.submit("echo", Map.of("n", 4), o)).json().get("task_data").get("n").asInt()).isEqualTo(1);
    assertThat(runsOf("order-42")).isEqualTo(1);
  }

  @Test
  void enqueueAll_storesABatch_orNothingWhenOneIsRefused() throws Exception {
    start(2);
    List<TaskRequest> batch = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      batch.add(TaskRequest.of("echo", Map.of("i", i)));
    }
    List<String> ids = daemon.enqueueAll(batch);
    assertThat(ids).hasSize(20).doesNotHaveDuplicates();
    for (int i = 0; i < 20; i++) {
      assertThat(get(daemon.await(ids.get(i))).json().get("task_data").get("i").asInt()).isEqualTo(i);
    }
    List<TaskRequest> bad = List.of(TaskRequest.of("echo", Map.of("i", 100)), TaskRequest.of("nope", Map.of()));
    assertThatThrownBy(() -> daemon.enqueueAll(bad)).isInstanceOf(UnknownTaskTypeException.class);
    assertThat(daemon.tasks(TaskQuery.recent().limit(100))).hasSize(20);
  }

  @Test
  void aDelayedTask_isPendingWithItsStartTime_untilThen() throws Exception {
    start(1);
    Instant at = Instant.now().plusMillis(600);
    String id = daemon.enqueue("echo", Map.of(), TaskOptions.defaults().notBefore(at));
    TaskInfo info = daemon.task(id).orElseThrow();
    assertThat(info.status()).isEqualTo(TaskStatus.PENDING);
    assertThat(get(daemon.await(id)).isSuccess()).isTrue();
    assertThat(daemon.task(id).orElseThrow().updatedAt()).isAfterOrEqualTo(at.minusMillis(5));
  }

  @Test
  void perTaskMaxRetriesAndTimeout_overrideTheHandlers() throws Exception {
    start(1);
    String id = daemon.enqueue("echo", Map.of("x", "fail"), TaskOptions.defaults().maxRetries(1));
    Result r = get(daemon.await(id));
    assertThat(r.isSuccess()).isFalse();
    assertThat(runsOf(id)).isEqualTo(2);
    TaskInfo info = daemon.task(id).orElseThrow();
    assertThat(info.status()).isEqualTo(TaskStatus.FAILED);
    assertThat(info.attempts()).isEqualTo(2);
    assertThat(info.lastError()).isEqualTo("boom");

    String slow = daemon.enqueue("echo", Map.of("x", "slow"), TaskOptions.defaults().timeout(Duration.ofMillis(300))
        .maxRetries(0));
    Result t = get(daemon.await(slow));
    assertThat(t.asFailure().kind()).isEqualTo(Result.Failure.Kind.TIMEOUT);
    assertThat(t.asFailure().message()).contains("timed out after 0.3s");
    assertThat(daemon.task(slow).orElseThrow().status()).isEqualTo(TaskStatus.FAILED);
  }

  @Test
  void cancel_aQueuedTask_aRunningTask_andThroughTheFuture() throws Exception {
    start(1);
    String running = daemon.enqueue("echo", Map.of("x", "slow"));
    await().atMost(Duration.ofSeconds(10)).until(() -> daemon.task(running).orElseThrow().status() == TaskStatus.PROCESSING);
    String queued = daemon.enqueue("echo", Map.of("x", "q"));
    TaskFuture viaFuture = daemon.submit("echo", Map.of("x", "f"));
    assertThat(daemon.task(queued).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);

    assertThat(daemon.cancel(queued)).isTrue();
    assertThat(daemon.task(queued).orElseThrow().status()).isEqualTo(TaskStatus.CANCELLED);
    assertThat(get(daemon.await(queued)).asFailure().kind()).isEqualTo(Result.Failure.Kind.CANCELLED);

    assertThat(viaFuture.cancel(true)).isTrue();
    assertThatThrownBy(() -> viaFuture.get(10, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
    assertThat(daemon.task(viaFuture.taskId()).orElseThrow().status()).isEqualTo(TaskStatus.CANCELLED);

    assertThat(daemon.cancel(running)).isTrue();
    Result r = get(daemon.await(running));
    assertThat(r.asFailure().kind()).isEqualTo(Result.Failure.Kind.CANCELLED);
    assertThat(daemon.task(running).orElseThrow().status()).isEqualTo(TaskStatus.CANCELLED);
    // The running instance was replaced: the next task runs on a fresh one.
    openGate();
    assertThat(get(daemon.submit("echo", Map.of("after", 1))).isSuccess()).isTrue();
    assertThat(daemon.pool("echo").stats().restarts()).isGreaterThanOrEqualTo(1);
    assertThat(runsOf(queued)).isZero();
    assertThat(runsOf(viaFuture.taskId())).isZero();
    // Refusals: unknown, and finished.
    assertThat(daemon.cancel("no-such-task")).isFalse();
    assertThat(daemon.cancel(running)).isFalse();
  }

  @Test
  void redrive_runsAFailedTaskAgain_withAFreshBudget_andTheAttemptKeepsCounting() throws Exception {
    start(1);
    String id = daemon.enqueue("echo", Map.of("x", "fail"), TaskOptions.defaults().maxRetries(1));
    assertThat(get(daemon.await(id)).isSuccess()).isFalse();
    assertThat(daemon.redrive("no-such-task")).isFalse();
    String ok = daemon.enqueue("echo", Map.of());
    get(daemon.await(ok));
    assertThat(daemon.redrive(ok)).as("a completed task is not redriven").isFalse();

    assertThat(daemon.redrive(id)).isTrue();
    Result again = get(daemon.await(id));
    assertThat(again.isSuccess()).isFalse();
    assertThat(runsOf(id)).isEqualTo(4);
    assertThat(runs().stream().filter(l -> l.contains(id)).map(l -> l.replaceAll(".*\"attempt\":(\\d+).*", "$1")))
        .containsExactly("1", "2", "3", "4");
    TaskInfo info = daemon.task(id).orElseThrow();
    assertThat(info.status()).isEqualTo(TaskStatus.FAILED);
    assertThat(info.attempts()).isEqualTo(4);
  }

  @Test
  void aRetryWaitingOutItsBackOff_isPendingWithItsNextAttemptTime() throws Exception {
    daemon = TaskDaemon.builder()
        .handler(handler("echo", script()).instances(1).build())
        .retryBackoff(new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(2), 1.0, 0))
        .start();
    String id = daemon.enqueue("echo", Map.of("x", "fail"), TaskOptions.defaults().maxRetries(1));
    await().atMost(Duration.ofSeconds(10)).until(() -> daemon.task(id).orElseThrow().lastError() != null);
    TaskInfo info = daemon.task(id).orElseThrow();
    assertThat(info.status()).isEqualTo(TaskStatus.PENDING);
    assertThat(info.nextAttemptAt()).isAfter(Instant.now());
    assertThat(info.lastError()).isEqualTo("boom");
    assertThat(get(daemon.await(id)).isSuccess()).isFalse();
    assertThat(daemon.task(id).orElseThrow().attempts()).isEqualTo(2);
  }

  @Test
  void delete_anyState() throws Exception {
    start(1);
    String running = daemon.enqueue("echo", Map.of("x", "slow"));
    await().atMost(Duration.ofSeconds(10)).until(() -> daemon.task(running).orElseThrow().status() == TaskStatus.PROCESSING);
    String queued = daemon.enqueue("echo", Map.of("x", "q"));
    assertThat(daemon.delete(queued)).isTrue();
    assertThat(daemon.task(queued)).isEmpty();
    assertThat(daemon.delete(running)).isTrue();
    assertThat(daemon.task(running)).isEmpty();
    assertThat(daemon.delete(running)).isFalse();
    openGate();
    String done = daemon.enqueue("echo", Map.of());
    get(daemon.await(done));
    assertThat(daemon.delete(done)).isTrue();
    assertThat(daemon.task(done)).isEmpty();
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> daemon.await(done).get(10, TimeUnit.SECONDS));
    assertThat(e.getCause()).isInstanceOf(UnknownTaskException.class).hasMessageContaining(done);
    assertThat(runsOf(queued)).isZero();
  }

  @Test
  void tasks_newestFirst_filtered_andPaged() throws Exception {
    start(2);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      ids.add(daemon.enqueue("echo", Map.of("x", i % 3 == 0 ? "fail" : "ok"), TaskOptions.defaults().maxRetries(0)));
    }
    for (String id : ids) {
      get(daemon.await(id));
    }
    List<TaskInfo> page1 = daemon.tasks(TaskQuery.recent().limit(4));
    assertThat(page1).extracting(TaskInfo::id).containsExactly(ids.get(8), ids.get(7), ids.get(6), ids.get(5));
    List<TaskInfo> page2 = daemon.tasks(TaskQuery.recent().limit(4).after(page1.get(3).id()));
    assertThat(page2).extracting(TaskInfo::id).containsExactly(ids.get(4), ids.get(3), ids.get(2), ids.get(1));
    List<TaskInfo> page3 = daemon.tasks(TaskQuery.recent().limit(4).after(page2.get(3).id()));
    assertThat(page3).extracting(TaskInfo::id).containsExactly(ids.get(0));
    assertThat(daemon.tasks(TaskQuery.recent().status(TaskStatus.FAILED))).extracting(TaskInfo::id)
        .containsExactly(ids.get(6), ids.get(3), ids.get(0));
    assertThat(daemon.tasks(TaskQuery.recent().taskType("other"))).isEmpty();
  }

  @Test
  void theInMemoryStore_keepsAtMostRetentionMaxRecordsFinishedTasks() throws Exception {
    daemon = TaskDaemon.builder().handler(handler("echo", script()).instances(2).build()).retentionMaxRecords(10)
        .start();
    List<TaskFuture> futures = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      futures.add(daemon.submit("echo", Map.of("i", i)));
    }
    for (TaskFuture f : futures) {
      assertThat(get(f).isSuccess()).isTrue();
    }
    assertThat(daemon.tasks(TaskQuery.recent().limit(100))).hasSize(10);
    assertThat(daemon.task(futures.get(29).taskId())).isPresent();
    assertThat(daemon.task(futures.get(0).taskId())).isEmpty();
  }

  @Test
  void queueCapacity_refusesABatchThatDoesNotFit_whole() throws Exception {
    daemon = TaskDaemon.builder().handler(handler("echo", script()).instances(1).queueCapacity(3).build()).start();
    String running = daemon.enqueue("echo", Map.of("x", "slow"));
    await().atMost(Duration.ofSeconds(10)).until(() -> daemon.task(running).orElseThrow().status() == TaskStatus.PROCESSING);
    List<TaskRequest> four = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      four.add(TaskRequest.of("echo", Map.of("i", i)));
    }
    assertThatThrownBy(() -> daemon.enqueueAll(four)).isInstanceOf(QueueFullException.class);
    assertThat(daemon.tasks(TaskQuery.recent())).extracting(TaskInfo::id).containsExactly(running);
    List<String> three = daemon.enqueueAll(four.subList(0, 3));
    openGate();
    for (String id : three) {
      assertThat(get(daemon.await(id)).isSuccess()).isTrue();
    }
  }

  @Test
  void afterClose_theLifecycleApiRefusesWithDaemonClosed() {
    start(1);
    daemon.close();
    assertThatThrownBy(() -> daemon.enqueue("echo", Map.of())).isInstanceOf(DaemonClosedException.class);
    assertThatThrownBy(() -> daemon.task("x")).isInstanceOf(DaemonClosedException.class);
    assertThatThrownBy(() -> daemon.cancel("x")).isInstanceOf(DaemonClosedException.class);
  }
}

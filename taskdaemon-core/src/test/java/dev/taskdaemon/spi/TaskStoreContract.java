package dev.taskdaemon.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.TaskQuery;
import dev.taskdaemon.TaskStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link TaskStore} must do. A store's tests extend this with {@link #newStore()}; each test
 * gets a fresh, opened store with an empty namespace.
 */
public abstract class TaskStoreContract {
  protected static final String HOST = "host-a";
  protected static final String OTHER = "host-b";
  protected TaskStore store;
  private final Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  /** A new store over empty storage, not yet opened. */
  protected abstract TaskStore newStore() throws Exception;

  /** The daemon name a test's store opens with; unique per test so a shared database starts empty. */
  protected String daemonName() {
    return "contract-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @BeforeEach
  void openStore() throws Exception {
    store = newStore();
    store.open(new StoreContext(daemonName(), HOST, List.of("a", "b"), () -> {}));
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  protected Instant at(long seconds) {
    return t0.plusSeconds(seconds);
  }

  protected static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  protected StoredTask task(String id, String type, int priority) {
    return StoredTask.newTask(id, type, json("{\"n\":\"" + id + "\"}"), priority, null, null, at(0), null, null, null);
  }

  protected void insert(StoredTask... tasks) {
    List<StoreWrite> w = new ArrayList<>();
    for (StoredTask t : tasks) {
      w.add(new StoreWrite.Insert(t));
    }
    assertThat(store.write(w)).containsOnly(true);
  }

  private static List<String> ids(List<StoredTask> tasks) {
    return tasks.stream().map(StoredTask::id).toList();
  }

  @Test
  void insertThenFind_returnsEveryColumn() {
    StoredTask t = StoredTask.newTask("t1", "a", json("{\"x\":[1,2,\"é\"]}"), 70, 5, 1500L, at(0), at(10), null, null);
    insert(t);
    StoredTask got = store.find("t1").orElseThrow();
    assertThat(got.taskType()).isEqualTo("a");
    assertThat(new String(got.data(), StandardCharsets.UTF_8)).isEqualTo("{\"x\":[1,2,\"é\"]}");
    assertThat(got.priority()).isEqualTo(70);
    assertThat(got.status()).isEqualTo(TaskStatus.PENDING);
    assertThat(got.attempts()).isZero();
    assertThat(got.maxRetries()).isEqualTo(5);
    assertThat(got.timeoutMillis()).isEqualTo(1500L);
    assertThat(got.createdAt()).isEqualTo(at(0));
    assertThat(got.notBefore()).isEqualTo(at(10));
    assertThat(got.owner()).isNull();
    assertThat(store.find("nope")).isEmpty();
  }

  @Test
  void insertingAnIdThatExists_changesNothing_andSaysSo() {
    insert(task("t1", "a", 50));
    List<Boolean> r = store.write(List.of(new StoreWrite.Insert(task("t1", "b", 99)),
        new StoreWrite.Insert(task("t2", "a", 50))));
    assertThat(r).containsExactly(false, true);
    assertThat(store.find("t1").orElseThrow().taskType()).isEqualTo("a");
    assertThat(store.find("t1").orElseThrow().priority()).isEqualTo(50);
  }

  @Test
  void aTaskInsertedClaimed_isHeldByItsOwner() {
    StoredTask t = StoredTask.newTask("t1", "a", json("1"), 50, null, null, at(0), null, HOST, at(30));
    insert(t);
    StoredTask got = store.find("t1").orElseThrow();
    assertThat(got.owner()).isEqualTo(HOST);
    assertThat(got.attempts()).isEqualTo(1);
    assertThat(store.claim("a", QueueOrder.FIFO, 10, OTHER, at(1), at(31))).isEmpty();
    assertThat(ids(store.claim("a", QueueOrder.FIFO, 10, OTHER, at(31), at(61)))).containsExactly("t1");
  }

  @Test
  void claim_followsTheOrder_andCountsAnAttempt() {
    insert(task("p1", "a", 10), task("p2", "a", 90), task("p3", "a", 50), task("b1", "b", 99));
    assertThat(ids(store.claim("a", QueueOrder.PRIORITY, 2, HOST, at(1), at(30)))).containsExactly("p2", "p3");
    List<StoredTask> last = store.claim("a", QueueOrder.PRIORITY, 5, HOST, at(1), at(30));
    assertThat(ids(last)).containsExactly("p1");
    assertThat(last.get(0).attempts()).isEqualTo(1);
    assertThat(last.get(0).owner()).isEqualTo(HOST);
    assertThat(last.get(0).leaseUntil()).isEqualTo(at(30));
    assertThat(last.get(0).status()).isEqualTo(TaskStatus.PENDING);
  }

  @Test
  void claim_fifoAndLifo() {
    insert(task("f1", "a", 50));
    insert(task("f2", "a", 50));
    insert(task("f3", "a", 50));
    assertThat(ids(store.claim("a", QueueOrder.LIFO, 1, HOST, at(1), at(30)))).containsExactly("f3");
    assertThat(ids(store.claim("a", QueueOrder.FIFO, 5, HOST, at(1), at(30)))).containsExactly("f1", "f2");
  }

  @Test
  void claim_skipsDelayedTasks_untilTheirTime() {
    insert(StoredTask.newTask("d1", "a", json("1"), 50, null, null, at(0), at(20), null, null));
    assertThat(store.claim("a", QueueOrder.FIFO, 5, HOST, at(19), at(50))).isEmpty();
    assertThat(ids(store.claim("a", QueueOrder.FIFO, 5, HOST, at(20), at(50)))).containsExactly("d1");
  }

  @Test
  void concurrentClaims_neverReturnOneTaskTwice() throws Exception {
    int n = 400;
    List<StoreWrite> w = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      w.add(new StoreWrite.Insert(task("c" + i, "a", 50)));
    }
    store.write(w);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<StoredTask>>> futures = new ArrayList<>();
      for (int h = 0; h < 4; h++) {
        String owner = "h" + h;
        Callable<List<StoredTask>> c = () -> {
          List<StoredTask> mine = new ArrayList<>();
          while (true) {
            List<StoredTask> got = store.claim("a", QueueOrder.FIFO, 7, owner, at(1), at(30));
            if (got.isEmpty()) {
              return mine;
            }
            mine.addAll(got);
          }
        };
        futures.add(pool.submit(c));
      }
      Set<String> seen = new HashSet<>();
      int total = 0;
      for (Future<List<StoredTask>> f : futures) {
        for (StoredTask t : f.get()) {
          total++;
          seen.add(t.id());
        }
      }
      assertThat(total).isEqualTo(n);
      assertThat(seen).hasSize(n);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void start_release_finish_onlyByTheOwner() {
    insert(task("t1", "a", 50));
    store.claim("a", QueueOrder.FIFO, 1, HOST, at(1), at(30));
    assertThat(store.write(List.of(new StoreWrite.Start("t1", OTHER, 1, at(2))))).containsExactly(false);
    assertThat(store.write(List.of(new StoreWrite.Start("t1", HOST, 1, at(2))))).containsExactly(true);
    assertThat(store.find("t1").orElseThrow().status()).isEqualTo(TaskStatus.PROCESSING);

    assertThat(store.write(List.of(new StoreWrite.Release("t1", HOST, at(40), "boom", at(3))))).containsExactly(true);
    StoredTask released = store.find("t1").orElseThrow();
    assertThat(released.status()).isEqualTo(TaskStatus.PENDING);
    assertThat(released.owner()).isNull();
    assertThat(released.notBefore()).isEqualTo(at(40));
    assertThat(released.lastError()).isEqualTo("boom");
    assertThat(released.attempts()).isEqualTo(1);

    List<StoredTask> again = store.claim("a", QueueOrder.FIFO, 1, HOST, at(40), at(70));
    assertThat(again.get(0).attempts()).isEqualTo(2);
    assertThat(store.write(List.of(new StoreWrite.Finish("t1", OTHER, TaskStatus.COMPLETED, json("7"), null, null,
        at(41))))).containsExactly(false);
    assertThat(store.write(List.of(new StoreWrite.Finish("t1", HOST, TaskStatus.COMPLETED, json("{\"r\":7}"), null,
        null, at(41))))).containsExactly(true);
    StoredTask done = store.find("t1").orElseThrow();
    assertThat(done.status()).isEqualTo(TaskStatus.COMPLETED);
    assertThat(new String(done.resultJson(), StandardCharsets.UTF_8)).isEqualTo("{\"r\":7}");
    assertThat(done.owner()).isNull();
    assertThat(done.updatedAt()).isEqualTo(at(41));
    // A final task never changes again.
    assertThat(store.write(List.of(new StoreWrite.Finish("t1", HOST, TaskStatus.FAILED, null, "HANDLER", "late",
        at(42))))).containsExactly(false);
    assertThat(store.find("t1").orElseThrow().status()).isEqualTo(TaskStatus.COMPLETED);
  }

  @Test
  void start_takesATaskNobodyHolds_butNeverOneAnotherHostHolds() {
    insert(task("t1", "a", 50));
    assertThat(store.write(List.of(new StoreWrite.Start("t1", HOST, 2, at(1))))).containsExactly(true);
    StoredTask t = store.find("t1").orElseThrow();
    assertThat(t.status()).isEqualTo(TaskStatus.PROCESSING);
    assertThat(t.owner()).isEqualTo(HOST);
    assertThat(t.attempts()).isEqualTo(2);
    assertThat(store.write(List.of(new StoreWrite.Start("t1", OTHER, 3, at(2))))).containsExactly(false);
    assertThat(store.write(List.of(new StoreWrite.Finish("t1", HOST, TaskStatus.COMPLETED, json("1"), null, null,
        at(3))))).containsExactly(true);
  }

  @Test
  void aReleaseOfATaskThatNeverStarted_givesItsClaimsAttemptBack() {
    insert(task("t1", "a", 50));
    store.claim("a", QueueOrder.FIFO, 1, HOST, at(1), at(30));
    assertThat(store.find("t1").orElseThrow().attempts()).isEqualTo(1);
    assertThat(store.write(List.of(new StoreWrite.Release("t1", HOST, null, null, at(2), true)))).containsExactly(true);
    StoredTask t = store.find("t1").orElseThrow();
    assertThat(t.attempts()).isZero();
    assertThat(t.owner()).isNull();
    assertThat(t.status()).isEqualTo(TaskStatus.PENDING);
    assertThat(store.claim("a", QueueOrder.FIFO, 1, OTHER, at(3), at(30)).get(0).attempts()).isEqualTo(1);
  }

  @Test
  void aFailure_keepsItsKindAndMessage() {
    insert(task("t1", "a", 50));
    store.claim("a", QueueOrder.FIFO, 1, HOST, at(1), at(30));
    store.write(List.of(new StoreWrite.Finish("t1", HOST, TaskStatus.FAILED, null, "TIMEOUT", "too slow", at(2))));
    StoredTask t = store.find("t1").orElseThrow();
    assertThat(t.status()).isEqualTo(TaskStatus.FAILED);
    assertThat(t.errorKind()).isEqualTo("TIMEOUT");
    assertThat(t.lastError()).isEqualTo("too slow");
    assertThat(t.resultJson()).isNull();
  }

  @Test
  void aLostLease_meansTheOldOwnersOutcomeDoesNotApply() {
    insert(task("t1", "a", 50));
    store.claim("a", QueueOrder.FIFO, 1, HOST, at(1), at(30));
    assertThat(ids(store.claim("a", QueueOrder.FIFO, 1, OTHER, at(31), at(60)))).containsExactly("t1");
    assertThat(store.find("t1").orElseThrow().attempts()).isEqualTo(2);
    assertThat(store.write(List.of(new StoreWrite.Finish("t1", HOST, TaskStatus.COMPLETED, json("1"), null, null,
        at(32))))).containsExactly(false);
    assertThat(store.write(List.of(new StoreWrite.Finish("t1", OTHER, TaskStatus.COMPLETED, json("2"), null, null,
        at(33))))).containsExactly(true);
    assertThat(new String(store.find("t1").orElseThrow().resultJson(), StandardCharsets.UTF_8)).isEqualTo("2");
  }

  @Test
  void renewLeases_keepsOtherHostsOut() {
    insert(task("t1", "a", 50));
    store.claim("a", QueueOrder.FIFO, 1, HOST, at(1), at(30));
    assertThat(store.renewLeases(HOST, at(100))).isEqualTo(1);
    assertThat(store.claim("a", QueueOrder.FIFO, 1, OTHER, at(50), at(80))).isEmpty();
    assertThat(store.find("t1").orElseThrow().leaseUntil()).isEqualTo(at(100));
  }

  @Test
  void cancel_everyCase() {
    insert(task("free", "a", 50), task("held", "a", 50), task("done", "a", 50));
    assertThat(store.cancel("nope", "x", at(1))).isEqualTo(TaskStore.CancelOutcome.UNKNOWN);
    assertThat(store.cancel("free", "cancelled by test", at(1))).isEqualTo(TaskStore.CancelOutcome.CANCELLED);
    StoredTask c = store.find("free").orElseThrow();
    assertThat(c.status()).isEqualTo(TaskStatus.CANCELLED);
    assertThat(c.errorKind()).isEqualTo("CANCELLED");
    assertThat(c.lastError()).isEqualTo("cancelled by test");

    List<StoredTask> claimed = store.claim("a", QueueOrder.FIFO, 2, HOST, at(2), at(30));
    assertThat(ids(claimed)).containsExactly("held", "done");
    store.write(List.of(new StoreWrite.Finish("done", HOST, TaskStatus.COMPLETED, json("1"), null, null, at(3))));
    assertThat(store.cancel("done", "x", at(4))).isEqualTo(TaskStore.CancelOutcome.ALREADY_FINAL);
    assertThat(store.cancel("held", "x", at(4))).isEqualTo(TaskStore.CancelOutcome.REQUESTED);
    assertThat(store.cancelRequested(HOST)).containsExactly("held");
    assertThat(store.cancelRequested(OTHER)).isEmpty();
    assertThat(store.find("held").orElseThrow().cancelRequested()).isTrue();
    assertThat(store.write(List.of(new StoreWrite.Finish("held", HOST, TaskStatus.CANCELLED, null, "CANCELLED",
        "cancelled", at(5))))).containsExactly(true);
    assertThat(store.cancelRequested(HOST)).isEmpty();
  }

  @Test
  void aCancelRequestedTaskWhoseOwnerDied_isClaimedWithTheRequestSoTheClaimerCancelsIt() {
    insert(task("held", "a", 50));
    store.claim("a", QueueOrder.FIFO, 1, HOST, at(1), at(30));
    assertThat(store.cancel("held", "x", at(2))).isEqualTo(TaskStore.CancelOutcome.REQUESTED);
    assertThat(store.claim("a", QueueOrder.FIFO, 5, OTHER, at(20), at(70))).isEmpty();
    List<StoredTask> got = store.claim("a", QueueOrder.FIFO, 5, OTHER, at(40), at(70));
    assertThat(ids(got)).containsExactly("held");
    assertThat(got.get(0).cancelRequested()).isTrue();
    assertThat(store.cancelRequested(OTHER)).containsExactly("held");
  }

  @Test
  void aPendingTaskNobodyHolds_canBeFinishedWithoutAnOwner() {
    insert(task("t1", "a", 50));
    assertThat(store.write(List.of(new StoreWrite.Finish("t1", null, TaskStatus.CANCELLED, null, "CANCELLED", "x",
        at(1))))).containsExactly(true);
    insert(task("t2", "a", 50));
    store.claim("a", QueueOrder.FIFO, 1, HOST, at(1), at(30));
    assertThat(store.write(List.of(new StoreWrite.Finish("t2", null, TaskStatus.CANCELLED, null, "CANCELLED", "x",
        at(2))))).containsExactly(false);
  }

  @Test
  void redrive_onlyFailedOrCancelled_withAFreshBudget() {
    insert(task("f", "a", 50), task("ok", "a", 50), task("p", "a", 50));
    store.claim("a", QueueOrder.FIFO, 2, HOST, at(1), at(30));
    store.write(List.of(new StoreWrite.Finish("f", HOST, TaskStatus.FAILED, null, "HANDLER", "bad", at(2)),
        new StoreWrite.Finish("ok", HOST, TaskStatus.COMPLETED, json("1"), null, null, at(2))));
    assertThat(store.redrive("nope", at(3))).isFalse();
    assertThat(store.redrive("ok", at(3))).isFalse();
    assertThat(store.redrive("p", at(3))).isFalse();
    assertThat(store.redrive("f", at(3))).isTrue();
    StoredTask t = store.find("f").orElseThrow();
    assertThat(t.status()).isEqualTo(TaskStatus.PENDING);
    assertThat(t.retryBase()).isEqualTo(1);
    assertThat(t.attempts()).isEqualTo(1);
    assertThat(t.errorKind()).isNull();
    assertThat(t.owner()).isNull();
    assertThat(store.claim("a", QueueOrder.FIFO, 5, HOST, at(4), at(30)).stream().map(StoredTask::id))
        .containsExactly("f", "p");
    assertThat(store.find("f").orElseThrow().attempts()).isEqualTo(2);
  }

  @Test
  void delete_anyState() {
    insert(task("t1", "a", 50), task("t2", "a", 50));
    store.claim("a", QueueOrder.FIFO, 1, HOST, at(1), at(30));
    assertThat(store.delete("t1")).isTrue();
    assertThat(store.delete("t2")).isTrue();
    assertThat(store.delete("t2")).isFalse();
    assertThat(store.find("t1")).isEmpty();
    assertThat(store.write(List.of(new StoreWrite.Finish("t1", HOST, TaskStatus.COMPLETED, json("1"), null, null,
        at(2))))).containsExactly(false);
  }

  @Test
  void list_newestFirst_filtered_paged() {
    for (int i = 0; i < 7; i++) {
      insert(task("l" + i, i % 2 == 0 ? "a" : "b", 50));
    }
    store.claim("a", QueueOrder.FIFO, 1, HOST, at(1), at(30)); // l0
    store.write(List.of(new StoreWrite.Finish("l0", HOST, TaskStatus.FAILED, null, "HANDLER", "x", at(2))));
    assertThat(ids(store.list(TaskQuery.recent().limit(3)))).containsExactly("l6", "l5", "l4");
    assertThat(ids(store.list(TaskQuery.recent().limit(3).after("l4")))).containsExactly("l3", "l2", "l1");
    assertThat(ids(store.list(TaskQuery.recent().limit(3).after("l1")))).containsExactly("l0");
    assertThat(ids(store.list(TaskQuery.recent().limit(3).after("l0")))).isEmpty();
    assertThat(ids(store.list(TaskQuery.recent().taskType("b")))).containsExactly("l5", "l3", "l1");
    assertThat(ids(store.list(TaskQuery.recent().status(TaskStatus.FAILED)))).containsExactly("l0");
    assertThat(ids(store.list(TaskQuery.recent().status(TaskStatus.PENDING, TaskStatus.FAILED).taskType("a"))))
        .containsExactly("l6", "l4", "l2", "l0");
  }

  @Test
  void purge_removesOnlyFinishedTasksOlderThanTheCutoff() {
    insert(task("old", "a", 50), task("new", "a", 50), task("open", "a", 50));
    store.claim("a", QueueOrder.FIFO, 2, HOST, at(1), at(30));
    store.write(List.of(new StoreWrite.Finish("old", HOST, TaskStatus.COMPLETED, json("1"), null, null, at(2)),
        new StoreWrite.Finish("new", HOST, TaskStatus.COMPLETED, json("1"), null, null, at(20))));
    assertThat(store.purge(at(10))).isEqualTo(1);
    assertThat(store.find("old")).isEmpty();
    assertThat(store.find("new")).isPresent();
    assertThat(store.find("open")).isPresent();
  }

  @Test
  void countPending_countsWhatNoHostHolds() {
    insert(task("t1", "a", 50), task("t2", "a", 50), task("t3", "b", 50));
    store.claim("a", QueueOrder.FIFO, 1, HOST, Instant.now(), Instant.now().plus(Duration.ofMinutes(5)));
    assertThat(store.countPending("a")).isEqualTo(1);
    assertThat(store.countPending("b")).isEqualTo(1);
    assertThat(store.countPending("zzz")).isZero();
  }

  @Test
  void aLargeTaskAndResult_roundTrip() {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < 200_000; i++) {
      sb.append((char) ('a' + i % 26));
    }
    sb.append('"');
    byte[] big = json(sb.toString());
    insert(StoredTask.newTask("big", "a", big, 50, null, null, at(0), null, null, null));
    store.claim("a", QueueOrder.FIFO, 1, HOST, at(1), at(30));
    store.write(List.of(new StoreWrite.Finish("big", HOST, TaskStatus.COMPLETED, big, null, null, at(2))));
    StoredTask t = store.find("big").orElseThrow();
    assertThat(t.data()).isEqualTo(big);
    assertThat(t.resultJson()).isEqualTo(big);
  }
}

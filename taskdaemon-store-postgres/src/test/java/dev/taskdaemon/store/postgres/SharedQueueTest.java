package dev.taskdaemon.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.spi.StoreWrite;
import dev.taskdaemon.spi.StoredTask;
import dev.taskdaemon.spi.TaskStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two hosts (two store objects, each with its own connections) on one daemon's queue, and two daemons apart. */
class SharedQueueTest {
  private final StoreFixture fx = new StoreFixture();

  @AfterEach
  void close() {
    fx.close();
  }

  @Test
  void aClaimByOneHost_isInvisibleToTheOther_untilItsLeaseExpires() {
    String daemon = StoreFixture.uniqueDaemon("shared");
    TaskStore a = fx.open(daemon, "host-a", () -> {});
    TaskStore b = fx.open(daemon, "host-b", () -> {});
    StoreFixture.insert(a, fx.task("t1"), fx.task("t2"));

    List<StoredTask> byA = a.claim("a", QueueOrder.FIFO, 1, "host-a", fx.at(1), fx.at(30));
    assertThat(byA).extracting(StoredTask::id).containsExactly("t1");
    // B sees the row (one queue) but cannot take it while A's lease holds: it gets the next one.
    assertThat(b.find("t1").orElseThrow().owner()).isEqualTo("host-a");
    assertThat(b.claim("a", QueueOrder.FIFO, 5, "host-b", fx.at(2), fx.at(32)))
        .extracting(StoredTask::id).containsExactly("t2");
    assertThat(b.claim("a", QueueOrder.FIFO, 5, "host-b", fx.at(29), fx.at(59))).isEmpty();

    // A stops renewing (it died): once the lease has run out, B takes the task, as the next attempt.
    List<StoredTask> byB = b.claim("a", QueueOrder.FIFO, 5, "host-b", fx.at(30), fx.at(60));
    assertThat(byB).extracting(StoredTask::id).containsExactly("t1");
    assertThat(byB.get(0).attempts()).isEqualTo(2);
    assertThat(byB.get(0).owner()).isEqualTo("host-b");
    // A's late outcome does not apply; B's does, and A sees it.
    assertThat(a.write(List.of(new StoreWrite.Finish("t1", "host-a", TaskStatus.COMPLETED, StoreFixture.json("1"),
        null, null, fx.at(31))))).containsExactly(false);
    assertThat(b.write(List.of(new StoreWrite.Finish("t1", "host-b", TaskStatus.COMPLETED, StoreFixture.json("2"),
        null, null, fx.at(31))))).containsExactly(true);
    assertThat(a.find("t1").orElseThrow().status()).isEqualTo(TaskStatus.COMPLETED);
  }

  @Test
  void twoHostsClaimingAtOnce_neverTakeOneTaskTwice() throws Exception {
    String daemon = StoreFixture.uniqueDaemon("race");
    TaskStore a = fx.open(daemon, "host-a", () -> {});
    TaskStore b = fx.open(daemon, "host-b", () -> {});
    int n = 2000;
    List<StoreWrite> w = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      w.add(new StoreWrite.Insert(fx.task("r" + i)));
    }
    a.write(w);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<List<String>>> hosts = new ArrayList<>();
      for (TaskStore store : List.of(a, b)) {
        String owner = store == a ? "host-a" : "host-b";
        hosts.add(pool.submit(() -> {
          List<String> mine = new ArrayList<>();
          while (true) {
            List<StoredTask> got = store.claim("a", QueueOrder.FIFO, 16, owner, fx.at(1), fx.at(30));
            if (got.isEmpty()) {
              return mine;
            }
            got.forEach(t -> mine.add(t.id()));
          }
        }));
      }
      List<String> byA = hosts.get(0).get(2, TimeUnit.MINUTES);
      List<String> byB = hosts.get(1).get(2, TimeUnit.MINUTES);
      Set<String> all = new HashSet<>(byA);
      all.addAll(byB);
      assertThat(byA.size() + byB.size()).isEqualTo(n);
      assertThat(all).hasSize(n);
      // Both really claimed: the test is about two hosts at once, not one after the other.
      assertThat(byA).isNotEmpty();
      assertThat(byB).isNotEmpty();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anInsertOrAFinishOnOneHost_wakesTheOther() throws Exception {
    String daemon = StoreFixture.uniqueDaemon("wake");
    AtomicReference<CountDownLatch> wakeB = new AtomicReference<>(new CountDownLatch(1));
    TaskStore a = fx.open(daemon, "host-a", () -> {});
    fx.open(daemon, "host-b", () -> wakeB.get().countDown());
    StoreFixture.awaitListening(daemon, 2);

    StoreFixture.insert(a, fx.task("w1"));
    assertThat(wakeB.get().await(10, TimeUnit.SECONDS)).as("B woken by A's insert").isTrue();

    a.claim("a", QueueOrder.FIFO, 1, "host-a", fx.at(1), fx.at(30));
    wakeB.set(new CountDownLatch(1));
    assertThat(a.write(List.of(new StoreWrite.Finish("w1", "host-a", TaskStatus.COMPLETED, StoreFixture.json("1"),
        null, null, fx.at(2))))).containsExactly(true);
    assertThat(wakeB.get().await(10, TimeUnit.SECONDS)).as("B woken by A's finish").isTrue();
  }

  @Test
  void twoDaemonNames_keepTheirTasksApart() {
    TaskStore one = fx.open(StoreFixture.uniqueDaemon("iso"), "host-a", () -> {});
    TaskStore two = fx.open(StoreFixture.uniqueDaemon("iso"), "host-a", () -> {});
    StoreFixture.insert(one, fx.task("same-id"), fx.task("only-one"));
    // The same id is a different task in the other daemon.
    StoreFixture.insert(two, fx.task("same-id"));

    assertThat(two.find("only-one")).isEmpty();
    assertThat(two.countPending("a")).isEqualTo(1);
    assertThat(two.claim("a", QueueOrder.FIFO, 10, "host-a", fx.at(1), fx.at(30)))
        .extracting(StoredTask::id).containsExactly("same-id");
    assertThat(one.countPending("a")).isEqualTo(2);
    assertThat(one.find("same-id").orElseThrow().owner()).isNull();
    assertThat(one.list(dev.taskdaemon.TaskQuery.recent())).extracting(StoredTask::id)
        .containsExactly("only-one", "same-id");
  }

  @Test
  void eachStoreListensOnOneDaemonThreadNamedAfterItsDaemon_thatStopsAtClose() throws Exception {
    String daemon = StoreFixture.uniqueDaemon("thread");
    TaskStore s = PostgresTestServer.newStore();
    s.open(new dev.taskdaemon.spi.StoreContext(daemon, "host-a", List.of("a"), () -> {}));
    List<Thread> listeners;
    try {
      listeners = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.getName().equals("td-" + daemon + "-pg-listen")).toList();
      assertThat(listeners).hasSize(1);
      assertThat(listeners.get(0).isDaemon()).isTrue();
      assertThat(((dev.taskdaemon.store.postgres.internal.PostgresTaskStore) s).listening()).isTrue();
    } finally {
      s.close();
    }
    // close() waits for the thread to end.
    assertThat(listeners.get(0).isAlive()).isFalse();
    assertThat(((dev.taskdaemon.store.postgres.internal.PostgresTaskStore) s).listening()).isFalse();
  }

  @Test
  void aStoreWakesOnceItListens_soWorkNotifiedBeforeItListenedIsNotLeftToThePoll() throws Exception {
    // Regression: a listener whose first connection failed (the server stopping at that moment) never
    // woke when it finally listened, so work notified in between waited for the engine's poll.
    String daemon = StoreFixture.uniqueDaemon("first");
    TaskStore a = fx.open(daemon, "host-a", () -> {});
    StoreFixture.insert(a, fx.task("before-b-listens"));
    CountDownLatch wokenB = new CountDownLatch(1);
    fx.open(daemon, "host-b", wokenB::countDown);
    assertThat(wokenB.await(10, TimeUnit.SECONDS)).as("B woken when it starts listening").isTrue();
  }
}

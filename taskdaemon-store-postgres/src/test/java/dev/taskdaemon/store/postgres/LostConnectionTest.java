package dev.taskdaemon.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.TaskQuery;
import dev.taskdaemon.spi.TaskStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The server ends the store's sessions (as a failover, a restart or an administrator does): every
 * operation reconnects and succeeds without the caller noticing, and the listener listens again.
 */
class LostConnectionTest {
  private final StoreFixture fx = new StoreFixture();

  @AfterEach
  void close() {
    fx.close();
  }

  @Test
  void terminatedSessions_areReopened_andTheOperationRetried() throws Exception {
    String daemon = StoreFixture.uniqueDaemon("lost");
    AtomicInteger wakes = new AtomicInteger();
    AtomicReference<CountDownLatch> woken = new AtomicReference<>(new CountDownLatch(1));
    TaskStore a = fx.open(daemon, "host-a", () -> {
      wakes.incrementAndGet();
      woken.get().countDown();
    });
    // Use every connection once so each is open when the server ends it.
    StoreFixture.insert(a, fx.task("t1"));
    a.find("t1");
    a.claim("a", QueueOrder.FIFO, 1, "host-a", fx.at(1), fx.at(30));
    a.renewLeases("host-a", fx.at(40));
    StoreFixture.awaitListening(daemon);

    assertThat(terminateSessionsOf(daemon)).as("sessions ended").isEqualTo(5);
    int wakesBefore = wakes.get();

    StoreFixture.insert(a, fx.task("t2"));
    assertThat(a.find("t1")).isPresent();
    assertThat(a.list(TaskQuery.recent())).hasSize(2);
    assertThat(a.claim("a", QueueOrder.FIFO, 1, "host-a", fx.at(2), fx.at(30))).hasSize(1);
    assertThat(a.renewLeases("host-a", fx.at(50))).isEqualTo(2);

    // The listener reconnects and wakes once (notifications may have been missed meanwhile): only the
    // listener wakes, and its first wake after a new LISTEN is that one.
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (wakes.get() == wakesBefore) {
      assertThat(System.nanoTime()).as("woken after the listener reconnected").isLessThan(deadline);
      Thread.sleep(20); // poll interval of a deadline-bounded wait
    }
    StoreFixture.awaitListening(daemon);
    // ... and hears the other hosts again.
    woken.set(new CountDownLatch(1));
    TaskStore b = fx.open(daemon, "host-b", () -> {});
    StoreFixture.insert(b, fx.task("t3"));
    assertThat(woken.get().await(10, TimeUnit.SECONDS)).as("woken by B's insert").isTrue();
  }

  /** Ends the sessions of one daemon's store, as the test role (a role may end its own sessions). */
  static int terminateSessionsOf(String daemon) throws Exception {
    try (Connection c = PostgresTestServer.get().connect(); PreparedStatement ps = c.prepareStatement(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
            + " WHERE application_name LIKE ?")) {
      ps.setString(1, "taskdaemon " + daemon + " %");
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        int n = rs.getInt(1);
        awaitGone(c, daemon);
        return n;
      }
    }
  }

  private static void awaitGone(Connection c, String daemon) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE ? AND application_name NOT LIKE '% listen'")) {
      ps.setString(1, "taskdaemon " + daemon + " %");
      while (System.nanoTime() < deadline) {
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getInt(1) == 0) {
            return;
          }
        }
        Thread.sleep(20); // poll interval of a deadline-bounded wait
      }
    }
    throw new AssertionError("sessions of " + daemon + " still there");
  }
}

package dev.taskdaemon.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.spi.StoreContext;
import dev.taskdaemon.spi.StoreWrite;
import dev.taskdaemon.spi.StoredTask;
import dev.taskdaemon.spi.TaskStore;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Stores opened on the shared test server, closed by {@link #close()}; small helpers the tests share. */
final class StoreFixture implements AutoCloseable {
  final Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
  /** Tests open stores from several threads at once (hosts racing to migrate one schema). */
  private final List<TaskStore> opened = new java.util.concurrent.CopyOnWriteArrayList<>();

  static String uniqueDaemon(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  TaskStore open(String daemon, String host, Runnable wake) {
    return open(PostgresTestServer.newStore(), daemon, host, wake);
  }

  TaskStore open(TaskStore store, String daemon, String host, Runnable wake) {
    opened.add(store);
    store.open(new StoreContext(daemon, host, List.of("a"), wake));
    return store;
  }

  Instant at(long seconds) {
    return t0.plusSeconds(seconds);
  }

  StoredTask task(String id) {
    return StoredTask.newTask(id, "a", ("\"" + id + "\"").getBytes(StandardCharsets.UTF_8), 50, null, null, t0, null,
        null, null);
  }

  static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static void insert(TaskStore store, StoredTask... tasks) {
    List<StoreWrite> w = new ArrayList<>();
    for (StoredTask t : tasks) {
      w.add(new StoreWrite.Insert(t));
    }
    assertThat(store.write(w)).containsOnly(true);
  }

  /**
   * Waits until a store of {@code daemon} listens: its listen connection shows in pg_stat_activity
   * having run LISTEN. A notification sent before that would be lost, so tests of wake-ups wait here.
   */
  static void awaitListening(String daemon) throws SQLException, InterruptedException {
    awaitListening(daemon, 1);
  }

  /** Waits until {@code stores} stores of {@code daemon} listen (they share the connection's name). */
  static void awaitListening(String daemon, int stores) throws SQLException, InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    try (Connection c = PostgresTestServer.get().connect();
        PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_stat_activity"
            + " WHERE application_name = ? AND query LIKE 'LISTEN %'")) {
      ps.setString(1, "taskdaemon " + daemon + " listen");
      while (true) {
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getInt(1) >= stores) {
            return;
          }
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("the store of daemon " + daemon + " never started listening");
        }
        Thread.sleep(20); // poll interval of a deadline-bounded wait
      }
    }
  }

  @Override
  public void close() {
    for (TaskStore s : opened) {
      s.close();
    }
  }
}

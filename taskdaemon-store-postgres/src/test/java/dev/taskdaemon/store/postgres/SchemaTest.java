package dev.taskdaemon.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskdaemon.StoreException;
import dev.taskdaemon.spi.TaskStore;
import dev.taskdaemon.store.postgres.internal.Namespace;
import dev.taskdaemon.store.postgres.internal.PostgresTaskStore;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The tables of a namespace: created once however many hosts start together, versioned, and named safely. */
class SchemaTest {
  private final StoreFixture fx = new StoreFixture();

  @AfterEach
  void close() {
    fx.close();
  }

  @Test
  void fourHostsOpeningOneNamespaceAtOnce_allSucceed_andTheSchemaExistsOnce() throws Exception {
    String daemon = StoreFixture.uniqueDaemon("migrate");
    CyclicBarrier together = new CyclicBarrier(4);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<TaskStore> stores = new ArrayList<>();
    try {
      List<Future<?>> opens = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        TaskStore s = PostgresTestServer.newStore();
        stores.add(s);
        String host = "host-" + i;
        opens.add(pool.submit(() -> {
          together.await(30, TimeUnit.SECONDS);
          fx.open(s, daemon, host, () -> {});
          return null;
        }));
      }
      for (Future<?> f : opens) {
        f.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    Namespace ns = Namespace.of(daemon);
    try (Connection c = PostgresTestServer.get().connect(); Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("SELECT version FROM " + ns.schema())) {
        List<Integer> versions = new ArrayList<>();
        while (rs.next()) {
          versions.add(rs.getInt(1));
        }
        assertThat(versions).containsExactly(1);
      }
      assertThat(tables(c, ns)).containsExactlyInAnyOrder(ns.tasksName(), ns.schemaName());
    }
    // Every host works on the one table.
    StoreFixture.insert(stores.get(0), fx.task("x"));
    for (TaskStore s : stores) {
      assertThat(s.find("x")).isPresent();
    }
  }

  @Test
  void reopeningANamespace_keepsItsTasks() {
    String daemon = StoreFixture.uniqueDaemon("reopen");
    TaskStore first = PostgresTestServer.newStore();
    fx.open(first, daemon, "host-a", () -> {});
    StoreFixture.insert(first, fx.task("kept"));
    first.close();
    TaskStore again = fx.open(daemon, "host-a", () -> {});
    assertThat(again.find("kept")).isPresent();
  }

  @Test
  void aSchemaFromANewerVersion_isRefused_namingTheTablesAndWhatToDo() throws Exception {
    String daemon = StoreFixture.uniqueDaemon("newer");
    TaskStore first = fx.open(daemon, "host-a", () -> {});
    Namespace ns = ((PostgresTaskStore) first).namespace();
    try (Connection c = PostgresTestServer.get().connect(); Statement st = c.createStatement()) {
      st.execute("INSERT INTO " + ns.schema() + " (version) VALUES (2)");
    }
    TaskStore older = PostgresTestServer.newStore();
    try {
      assertThatThrownBy(() -> older.open(new dev.taskdaemon.spi.StoreContext(daemon, "host-b", List.of("a"),
          () -> {})))
          .isInstanceOf(StoreException.class)
          .hasMessage("PostgreSQL store " + PostgresTestServer.get().url() + ": the tables of daemon '" + daemon
              + "' (" + ns.tasksName() + ") have schema version 2, written by a newer TaskDaemon; this host knows"
              + " versions up to 1. Upgrade this host: an older host never runs against a newer schema.");
    } finally {
      older.close();
    }
    // The refusal changed nothing.
    assertThat(first.find("nothing")).isEmpty();
    try (Connection c = PostgresTestServer.get().connect(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT max(version) FROM " + ns.schema())) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(2);
    }
  }

  @Test
  void namespaces_keepShortNamesAsTheyAre_andHashLongOnes_underThe63ByteLimit() {
    assertThat(Namespace.of("orders").tasksName()).isEqualTo("td_orders_tasks");
    assertThat(Namespace.of("Orders.EU-1").tasksName()).isEqualTo("td_Orders.EU-1_tasks");
    String long1 = "a".repeat(50) + "-one";
    String long2 = "a".repeat(50) + "-two";
    String max = "Z".repeat(63);
    Set<String> names = new HashSet<>();
    for (String d : List.of("orders", "Orders", "orders.", "orders-", long1, long2, max, "a".repeat(36),
        "a".repeat(37))) {
      Namespace ns = Namespace.of(d);
      assertThat(ns.schemaName().getBytes(StandardCharsets.UTF_8).length).as(d).isLessThanOrEqualTo(50);
      names.add(ns.tasksName());
    }
    assertThat(names).as("one table per daemon name").hasSize(9);
    assertThat(Namespace.of(long1).tasksName()).startsWith("td_" + "a".repeat(31) + "_").endsWith("_tasks");
  }

  @Test
  void aNameThatIsNoDaemonName_isRefused() {
    TaskStore s = PostgresTestServer.newStore();
    try {
      assertThatThrownBy(() -> s.open(new dev.taskdaemon.spi.StoreContext("bad\"name", "h", List.of(), () -> {})))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("daemon name 'bad\"name' is not 1 to 63 letters, digits, _ . -");
    } finally {
      s.close();
    }
  }

  @Test
  void longAndOddDaemonNames_workEndToEnd() {
    for (String daemon : List.of(StoreFixture.uniqueDaemon("Mixed.Case-" + "x".repeat(40)),
        StoreFixture.uniqueDaemon("dots.and-dashes"))) {
      TaskStore s = fx.open(daemon, "host-a", () -> {});
      StoreFixture.insert(s, fx.task("t"));
      assertThat(s.find("t")).isPresent();
    }
  }

  private static List<String> tables(Connection c, Namespace ns) throws Exception {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT table_name FROM information_schema.tables WHERE table_name IN (?, ?, ?) ORDER BY table_name")) {
      ps.setString(1, ns.tasksName());
      ps.setString(2, ns.schemaName());
      ps.setString(3, ns.tasksName().replace("_tasks", "_tasks_1"));
      List<String> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    }
  }
}

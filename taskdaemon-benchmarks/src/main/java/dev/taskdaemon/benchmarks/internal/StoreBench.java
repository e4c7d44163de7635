package dev.taskdaemon.benchmarks.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskOptions;
import dev.taskdaemon.TaskRequest;
import dev.taskdaemon.spi.TaskStore;
import dev.taskdaemon.store.sqlite.SqliteTaskStore;
import dev.taskdaemon.store.sqlite.Synchronous;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The task store rows: what recording every task costs, store by store, in one run. Each durable
 * store's cell alternates with the in-memory store's at the same load (4 instances of the echo
 * handler, closed-loop submitters doing {@code submit(...).get()}), so a ratio compares windows made
 * at the same time. Also: enqueue latency, the restart of a host with a large backlog, and the heap a
 * large backlog costs.
 */
final class StoreBench {
  static final String SECTION = "Task stores (ratio = store ÷ in-memory store tasks/s, same run)";
  private static final Duration CELL_CAP = Duration.ofMinutes(3);

  private StoreBench() {}

  /** Starts daemons on a store the caller makes anew for each. */
  private static final class Host implements AutoCloseable {
    final TaskDaemon daemon;

    Host(Handler handler, int instances, TaskStore store, String name) {
      TaskDaemon.Builder b = builder(handler, instances, name);
      if (store != null) {
        b.store(store);
      }
      daemon = b.start();
    }

    /** A host on the PostgreSQL database at {@code url}, configured by its keys as a user would. */
    Host(Handler handler, int instances, String url, String name) {
      daemon = builder(handler, instances, name).store("postgres").storeUrl(url).start();
    }

    private static TaskDaemon.Builder builder(Handler handler, int instances, String name) {
      HandlerSpec spec = HandlerSpec.builder(Payloads.TASK_TYPE).command(handler.command()).instances(instances)
          .timeout(Duration.ofMinutes(2)).maxRetries(0).build();
      return TaskDaemon.builder().name(name).handler(spec).drainTimeout(Duration.ofSeconds(30));
    }

    Load.Op op(JsonNode data) {
      return () -> {
        Result r = daemon.submit(Payloads.TASK_TYPE, data).get(2, TimeUnit.MINUTES);
        if (!r.isSuccess()) {
          throw new IllegalStateException("task failed: " + r.asFailure().message());
        }
      };
    }

    @Override
    public void close() {
      daemon.close();
    }
  }

  static void run(Settings s, Report report, Handler handler, Path workDir, PrintStream log) throws Exception {
    Path dir = Files.createDirectories(workDir.resolve("stores"));
    JsonNode data = Payloads.ofSize(100);
    int n = Settings.TARGET_INSTANCES;
    List<Integer> submitters = List.of(16, 64);
    Row.Target sqliteTarget = new Row.Target(true, 0.3);
    for (int c : submitters) {
      report.plan("store_sqlite_s" + c, SECTION, "sqlite (synchronous=NORMAL), " + n + " inst, " + c + " submitters",
          c == 64 ? sqliteTarget : null);
      report.plan("store_sqlite_full_s" + c, SECTION, "sqlite (synchronous=FULL), " + n + " inst, " + c + " submitters",
          null);
    }
    int[] fileNo = {0};
    Supplier<TaskStore> normal = () -> SqliteTaskStore.builder(dir.resolve("n" + (fileNo[0]++) + ".db")).build();
    Supplier<TaskStore> full = () -> SqliteTaskStore.builder(dir.resolve("f" + (fileNo[0]++) + ".db"))
        .synchronous(Synchronous.FULL).build();
    for (int c : submitters) {
      cell(s, report, log, handler, data, n, c, "store_sqlite_s" + c, "sqlite (synchronous=NORMAL), " + n + " inst, "
          + c + " submitters", normal, c == 64 ? sqliteTarget : null);
      cell(s, report, log, handler, data, n, c, "store_sqlite_full_s" + c, "sqlite (synchronous=FULL), " + n
          + " inst, " + c + " submitters", full, null);
    }
    postgres(s, report, log, handler, data, n);
    enqueueLatency(s, report, log, handler, data, normal);
    recovery(s, report, log, handler, data, dir);
    heap(s, report, log, handler, data, dir);
  }

  /** One durable store against the in-memory store, alternating windows at the same load. */
  static void cell(Settings s, Report report, PrintStream log, Handler handler, JsonNode data, int n, int c, String id,
      String what, Supplier<TaskStore> store, Row.Target target) throws Exception {
    try (Host memory = new Host(handler, n, (TaskStore) null, "bench-mem");
        Host durable = new Host(handler, n, store.get(), "bench-store")) {
      LoadResult[] r = Load.alternate(id, s.rounds(), c, memory.op(data), durable.op(data), s.warmup(), s.rewarm(),
          s.measure(), 1, CELL_CAP);
      report.add(loadRow(id, what, r[0], r[1], target));
      log.println("[bench]   " + what + ": memory " + BenchmarkRun.rate(r[0]) + ", store " + BenchmarkRun.rate(r[1]));
    }
  }

  static Row loadRow(String id, String what, LoadResult memory, LoadResult store, Row.Target target) {
    Map<String, Object> f = new LinkedHashMap<>();
    BenchmarkRun.put(f, "memory", memory);
    BenchmarkRun.put(f, "store", store);
    return new Row(id, SECTION, what, "memory " + BenchmarkRun.describe(memory), BenchmarkRun.describe(store),
        store.perSecond() / memory.perSecond(), target, null, f);
  }

  /**
   * PostgreSQL on an embedded server (with {@code synchronous_commit=on}, as in production): one host
   * against the in-memory store, and two hosts sharing the queue against one host.
   */
  private static void postgres(Settings s, Report report, PrintStream log, Handler handler, JsonNode data, int n)
      throws Exception {
    Row.Target oneTarget = new Row.Target(true, 0.1);
    Row.Target twoTarget = new Row.Target(true, 0.8);
    report.plan("store_postgres_s16", SECTION, "postgres, 1 host, " + n + " inst, 16 submitters", null);
    report.plan("store_postgres_s64", SECTION, "postgres, 1 host, " + n + " inst, 64 submitters", oneTarget);
    report.plan("store_postgres_2hosts_s64", SECTION,
        "postgres, 2 hosts × " + n + " inst ÷ 1 host, 64 submitters (ratio = 2 hosts ÷ 1 host)", twoTarget);
    try (io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg = io.zonky.test.db.postgres.embedded.EmbeddedPostgres
        .builder().setServerConfig("synchronous_commit", "on").setServerConfig("fsync", "on")
        .setPGStartupWait(Duration.ofSeconds(60)).start()) {
      String url = "jdbc:postgresql://localhost:" + pg.getPort() + "/postgres?user=postgres";
      int[] no = {0};
      Supplier<String> name = () -> "bench-pg-" + (no[0]++);
      for (int c : List.of(16, 64)) {
        String id = "store_postgres_s" + c;
        String what = "postgres, 1 host, " + n + " inst, " + c + " submitters";
        try (Host memory = new Host(handler, n, (TaskStore) null, "bench-mem");
            Host one = new Host(handler, n, url, name.get())) {
          LoadResult[] r = Load.alternate(id, s.rounds(), c, memory.op(data), one.op(data), s.warmup(), s.rewarm(),
              s.measure(), 1, CELL_CAP);
          report.add(loadRow(id, what, r[0], r[1], c == 64 ? oneTarget : null));
          log.println("[bench]   " + what + ": memory " + BenchmarkRun.rate(r[0]) + ", store " + BenchmarkRun.rate(r[1]));
        }
      }
      String id = "store_postgres_2hosts_s64";
      String what = "postgres, 2 hosts × " + n + " inst ÷ 1 host, 64 submitters (ratio = 2 hosts ÷ 1 host)";
      String shared = name.get();
      String alone = name.get();
      try (Host one = new Host(handler, n, url, alone);
          Host a = new Host(handler, n, url, shared);
          Host b = new Host(handler, n, url, shared)) {
        Load.Op opA = a.op(data);
        Load.Op opB = b.op(data);
        // Half the submitters use each host, as clients spread over two servers would.
        Load.Op both = () -> (Thread.currentThread().getId() % 2 == 0 ? opA : opB).call();
        LoadResult[] r = Load.alternate(id, s.rounds(), 64, one.op(data), both, s.warmup(), s.rewarm(), s.measure(), 1,
            CELL_CAP);
        Map<String, Object> f = new LinkedHashMap<>();
        BenchmarkRun.put(f, "one_host", r[0]);
        BenchmarkRun.put(f, "two_hosts", r[1]);
        report.add(new Row(id, SECTION, what, "1 host " + BenchmarkRun.describe(r[0]), BenchmarkRun.describe(r[1]),
            r[1].perSecond() / r[0].perSecond(), twoTarget, "the database server shares the same cores", f));
        log.println("[bench]   " + what + ": 1 host " + BenchmarkRun.rate(r[0]) + ", 2 hosts " + BenchmarkRun.rate(r[1]));
      }
    }
  }

  /** enqueue() round trips: each returns once its task is committed (tasks start a day later, so none runs). */
  private static void enqueueLatency(Settings s, Report report, PrintStream log, Handler handler, JsonNode data,
      Supplier<TaskStore> store) throws Exception {
    TaskOptions later = TaskOptions.defaults().delay(Duration.ofDays(1));
    for (int c : List.of(1, 16)) {
      String id = "store_enqueue_s" + c;
      String what = "enqueue latency, sqlite NORMAL, " + c + " submitter" + (c == 1 ? "" : "s");
      report.plan(id, SECTION, what, null);
      try (Host durable = new Host(handler, 1, store.get(), "bench-store-enq")) {
        LoadResult r = Load.closedLoop(id, c, () -> durable.daemon.enqueue(Payloads.TASK_TYPE, data, later),
            s.warmup(), s.measure(), 1, CELL_CAP);
        Map<String, Object> f = new LinkedHashMap<>();
        BenchmarkRun.put(f, "store", r);
        report.add(new Row(id, SECTION, what, "", BenchmarkRun.describe(r), null, null,
            "each enqueue returns once its task is committed; concurrent ones share a commit", f));
        log.println("[bench]   " + what + ": " + BenchmarkRun.describe(r));
      }
    }
  }

  /** A host restarted on a store with a large backlog: time from start() to the first dispatch. */
  private static void recovery(Settings s, Report report, PrintStream log, Handler handler, JsonNode data, Path dir)
      throws Exception {
    int backlog = s.smokeMode() ? 2_000 : 100_000;
    String id = "store_recovery";
    String what = "restart to first dispatch, sqlite, " + String.format(Locale.ROOT, "%,d", backlog) + " pending";
    report.plan(id, SECTION, what, null);
    Path file = dir.resolve("recovery.db");
    Instant later = Instant.now().plus(Duration.ofDays(1));
    try (Host h = new Host(handler, 1, SqliteTaskStore.builder(file).build(), "bench-recovery")) {
      // Stored with a start time a day away, so that this host runs none of them.
      fill(h.daemon, data, backlog, later);
    }
    // Make them due now, from outside the daemon (as time passing would).
    try (java.sql.Connection conn = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
        java.sql.Statement st = conn.createStatement()) {
      st.executeUpdate("UPDATE tasks SET not_before = NULL");
    }
    long t0 = System.nanoTime();
    try (Host h = new Host(handler, Settings.TARGET_INSTANCES, SqliteTaskStore.builder(file).build(), "bench-recovery")) {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (h.daemon.stats(Payloads.TASK_TYPE).succeeded() == 0 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      double ms = (System.nanoTime() - t0) / 1e6;
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("millis", ms);
      f.put("pending", backlog);
      report.add(new Row(id, SECTION, what, "", String.format(Locale.ROOT, "%.0f ms", ms), null, null,
          "start() of a new host until its first task is answered", f));
      log.println("[bench]   " + what + ": " + String.format(Locale.ROOT, "%.0f ms", ms));
      h.daemon.shutdownNow();
    }
  }

  private static void fill(TaskDaemon d, JsonNode data, int count, Instant notBefore) {
    TaskOptions later = TaskOptions.defaults().notBefore(notBefore);
    for (int from = 0; from < count; from += 1000) {
      List<TaskRequest> batch = new ArrayList<>();
      for (int i = from; i < Math.min(count, from + 1000); i++) {
        batch.add(new TaskRequest(Payloads.TASK_TYPE, data, later));
      }
      d.enqueueAll(batch);
    }
  }

  /** Heap of a host with a large backlog in a SQLite store. */
  private static void heap(Settings s, Report report, PrintStream log, Handler handler, JsonNode data, Path dir)
      throws IOException {
    int backlog = s.smokeMode() ? 20_000 : 1_000_000;
    String id = "store_heap";
    String what = "heap after GC, " + String.format(Locale.ROOT, "%,d", backlog) + " pending in sqlite (MB ÷ 64 MB)";
    Row.Target target = new Row.Target(false, 1.0);
    report.plan(id, SECTION, what, target);
    Path file = dir.resolve("heap.db");
    try (Host h = new Host(handler, 1, SqliteTaskStore.builder(file).build(), "bench-heap")) {
      long before = usedAfterGc();
      fill(h.daemon, data, backlog, Instant.now().plus(Duration.ofDays(1)));
      long after = usedAfterGc();
      double mb = after / (1024.0 * 1024.0);
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("heap_used_mb", mb);
      f.put("heap_before_mb", before / (1024.0 * 1024.0));
      f.put("pending", backlog);
      report.add(new Row(id, SECTION, what, "64 MB", String.format(Locale.ROOT, "%.1f MB", mb), mb / 64.0, target,
          "used heap after System.gc(), the daemon and its " + backlog + " stored tasks", f));
      log.println("[bench]   " + what + ": " + String.format(Locale.ROOT, "%.1f MB", mb));
      h.daemon.shutdownNow();
    }
    Files.deleteIfExists(file);
  }

  private static long usedAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}

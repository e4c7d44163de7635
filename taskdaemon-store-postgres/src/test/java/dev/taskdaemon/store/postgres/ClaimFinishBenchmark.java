package dev.taskdaemon.store.postgres;

import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.spi.StoreContext;
import dev.taskdaemon.spi.StoreWrite;
import dev.taskdaemon.spi.StoredTask;
import dev.taskdaemon.spi.TaskStore;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prints what the store sustains on the test server (embedded PostgreSQL 14, synchronous_commit=on,
 * unless TASKDAEMON_POSTGRES_URL names another): tasks per second through insert, claim and finish in
 * batches of 64, by one host and by two hosts at once, beside a baseline measured in the same run: a
 * plain JDBC loop that commits one 64-row UPDATE per transaction, the least a durable batch costs.
 *
 * <p>Not a test (it asserts nothing); run it with the test class path:
 * {@code java -cp <test class path> dev.taskdaemon.store.postgres.ClaimFinishBenchmark [tasks]}.
 */
public final class ClaimFinishBenchmark {
  private static final int BATCH = 64;
  /** Time spent in claims, to tell it from time spent in writes. */
  private static final AtomicLong CLAIM_NANOS = new AtomicLong();

  private ClaimFinishBenchmark() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 64 * 300;
    PostgresTestServer.Server server = PostgresTestServer.get();
    System.out.println("server " + server.url() + ", " + n + " tasks per run, batches of " + BATCH);
    for (int round = 0; round < 3; round++) {
      boolean warm = round == 0;
      double baseline = baseline(server, n);
      double[] one = storeRun(n, 1, "h1r" + round, false);
      double[] oneStart = storeRun(n, 1, "h1s" + round, true);
      double[] two = storeRun(n, 2, "h2r" + round, false);
      if (warm) {
        System.out.println("(warm-up round done)");
        continue;
      }
      System.out.printf(Locale.ROOT, "baseline: plain 64-row UPDATE + commit     %8.0f rows/s%n", baseline);
      System.out.printf(Locale.ROOT, "insert, batches of 64                       %8.0f tasks/s  (%.2f of baseline)%n",
          one[0], one[0] / baseline);
      System.out.printf(Locale.ROOT, "claim 64 + finish 64, 1 host                %8.0f tasks/s  (%.2f of baseline)%n",
          one[1], one[1] / baseline);
      System.out.printf(Locale.ROOT, "claim 64 + start 64 + finish 64, 1 host     %8.0f tasks/s  (%.2f of baseline)%n",
          oneStart[1], oneStart[1] / baseline);
      System.out.printf(Locale.ROOT, "claim 64 + finish 64, 2 hosts at once       %8.0f tasks/s  (%.2f of 1 host)%n",
          two[1], two[1] / one[1]);
    }
    System.exit(0);
  }

  /** Returns {insert tasks/s, claim+finish tasks/s}. */
  private static double[] storeRun(int n, int hosts, String daemon, boolean withStart) throws Exception {
    List<TaskStore> stores = new ArrayList<>();
    for (int h = 0; h < hosts; h++) {
      TaskStore s = PostgresTestServer.newStore();
      s.open(new StoreContext(daemon + "-" + System.nanoTime(), "host-" + h, List.of("echo"), () -> {}));
      stores.add(s);
    }
    try {
      Instant now = Instant.now();
      byte[] data = "{\"text\":\"hello\",\"n\":42}".getBytes(StandardCharsets.UTF_8);
      long t0 = System.nanoTime();
      List<StoreWrite> batch = new ArrayList<>(BATCH);
      for (int i = 0; i < n; i++) {
        batch.add(new StoreWrite.Insert(StoredTask.newTask("t" + i, "echo", data, 50, null, null, now, null, null,
            null)));
        if (batch.size() == BATCH || i == n - 1) {
          stores.get(0).write(batch);
          batch = new ArrayList<>(BATCH);
        }
      }
      double insertRate = n / ((System.nanoTime() - t0) / 1e9);
      ExecutorService pool = Executors.newFixedThreadPool(hosts);
      long t1 = System.nanoTime();
      List<Future<Integer>> done = new ArrayList<>();
      for (int h = 0; h < hosts; h++) {
        TaskStore s = stores.get(h);
        String owner = "host-" + h;
        done.add(pool.submit(() -> drain(s, owner, withStart)));
      }
      int total = 0;
      for (Future<Integer> f : done) {
        total += f.get();
      }
      double claimRate = total / ((System.nanoTime() - t1) / 1e9);
      System.out.printf(Locale.ROOT, "  [%s hosts=%d start=%b: drain %.0f ms, of which claims %.0f ms]%n", daemon, hosts,
          withStart, (System.nanoTime() - t1) / 1e6, CLAIM_NANOS.getAndSet(0) / 1e6);
      pool.shutdown();
      if (total != n) {
        throw new IllegalStateException("finished " + total + " of " + n);
      }
      return new double[] {insertRate, claimRate};
    } finally {
      stores.forEach(TaskStore::close);
    }
  }

  private static int drain(TaskStore s, String owner, boolean withStart) {
    byte[] result = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
    int count = 0;
    while (true) {
      Instant now = Instant.now();
      long c0 = System.nanoTime();
      List<StoredTask> got = s.claim("echo", QueueOrder.FIFO, BATCH, owner, now, now.plusSeconds(60));
      CLAIM_NANOS.addAndGet(System.nanoTime() - c0);
      if (got.isEmpty()) {
        return count;
      }
      if (withStart) {
        List<StoreWrite> starts = new ArrayList<>(got.size());
        for (StoredTask t : got) {
          starts.add(new StoreWrite.Start(t.id(), owner, t.attempts(), now));
        }
        s.write(starts);
      }
      List<StoreWrite> finishes = new ArrayList<>(got.size());
      for (StoredTask t : got) {
        finishes.add(new StoreWrite.Finish(t.id(), owner, TaskStatus.COMPLETED, result, null, null, now));
      }
      for (boolean applied : s.write(finishes)) {
        if (!applied) {
          throw new IllegalStateException("a finish did not apply");
        }
      }
      count += got.size();
    }
  }

  private static double baseline(PostgresTestServer.Server server, int n) throws Exception {
    String table = "td_bench_baseline_" + System.nanoTime();
    try (Connection c = server.connect(); Statement st = c.createStatement()) {
      st.execute("CREATE TABLE " + table + " (id text PRIMARY KEY, done boolean NOT NULL DEFAULT false)");
      st.execute("INSERT INTO " + table + " (id) SELECT 't' || g FROM generate_series(0, " + (n - 1) + ") g");
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET done = true WHERE id = ANY (?)")) {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i += BATCH) {
          String[] ids = new String[Math.min(BATCH, n - i)];
          for (int j = 0; j < ids.length; j++) {
            ids[j] = "t" + (i + j);
          }
          ps.setArray(1, c.createArrayOf("text", ids));
          ps.executeUpdate();
          c.commit();
        }
        double rate = n / ((System.nanoTime() - t0) / 1e9);
        c.setAutoCommit(true);
        st.execute("DROP TABLE " + table);
        return rate;
      }
    }
  }
}

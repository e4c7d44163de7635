package dev.taskdaemon.store.sqlite;

import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.spi.StoreContext;
import dev.taskdaemon.spi.StoreWrite;
import dev.taskdaemon.spi.StoredTask;
import dev.taskdaemon.spi.TaskStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A host in a child JVM that the crash tests kill with {@code kill -9}. Arguments: mode, store file,
 * daemon name. It prints {@code READY} (or one {@code ACK} line per commit) on stdout and then runs
 * until it is killed.
 */
public final class StoreChild {
  static final String OWNER = "child-host";
  static final int CLAIM_TASKS = 20;
  static final int CLAIMED = 8;
  static final int STARTED = 3;
  static final int BATCH = 64;

  private StoreChild() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    TaskStore store = SqliteTaskStore.builder(Path.of(args[1])).build();
    store.open(new StoreContext(args[2], OWNER, List.of("a"), () -> {}));
    switch (mode) {
      case "hold" -> System.out.println("READY");
      case "claim" -> claim(store);
      case "write" -> writeForever(store);
      default -> throw new IllegalArgumentException("unknown mode " + mode);
    }
    System.out.flush();
    // Until the parent kills us: EOF on stdin never comes while it holds the pipe open.
    while (System.in.read() >= 0) {
      // wait
    }
  }

  /** Tasks c0..c19; c0..c7 claimed for ten minutes, c0..c2 running, c3's cancellation requested. */
  private static void claim(TaskStore store) {
    Instant now = Instant.now();
    List<StoreWrite> inserts = new ArrayList<>();
    for (int i = 0; i < CLAIM_TASKS; i++) {
      inserts.add(new StoreWrite.Insert(StoredTask.newTask("c" + i, "a", json("{\"i\":" + i + "}"), 50, null, null,
          now, null, null, null)));
    }
    store.write(inserts);
    List<StoredTask> claimed = store.claim("a", QueueOrder.FIFO, CLAIMED, OWNER, now, now.plus(Duration.ofMinutes(10)));
    if (claimed.size() != CLAIMED) {
      throw new IllegalStateException("claimed " + claimed.size());
    }
    List<StoreWrite> starts = new ArrayList<>();
    for (int i = 0; i < STARTED; i++) {
      starts.add(new StoreWrite.Start("c" + i, OWNER, 1, now));
    }
    store.write(starts);
    store.cancel("c3", "cancelled by the test", now);
    System.out.println("READY");
  }

  /**
   * Batch k inserts w{k*64}..w{k*64+63} and then completes them, printing {@code ACK inserted finished}
   * after each write returned.
   */
  private static void writeForever(TaskStore store) {
    long inserted = 0;
    long finished = 0;
    while (true) {
      Instant now = Instant.now();
      List<StoreWrite> batch = new ArrayList<>(BATCH);
      for (int j = 0; j < BATCH; j++) {
        long n = inserted + j;
        batch.add(new StoreWrite.Insert(StoredTask.newTask("w" + n, "a", json("{\"n\":" + n + "}"), 50, null, null,
            now, null, null, null)));
      }
      store.write(batch);
      inserted += BATCH;
      System.out.println("ACK " + inserted + " " + finished);
      List<StoredTask> claimed = store.claim("a", QueueOrder.FIFO, BATCH, OWNER, now, now.plusSeconds(600));
      List<StoreWrite> done = new ArrayList<>(claimed.size());
      for (StoredTask t : claimed) {
        done.add(new StoreWrite.Finish(t.id(), OWNER, TaskStatus.COMPLETED, resultOf(t.id()), null, null, now));
      }
      store.write(done);
      finished += done.size();
      System.out.println("ACK " + inserted + " " + finished);
    }
  }

  static byte[] resultOf(String id) {
    return json("{\"done\":\"" + id + "\"}");
  }

  static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

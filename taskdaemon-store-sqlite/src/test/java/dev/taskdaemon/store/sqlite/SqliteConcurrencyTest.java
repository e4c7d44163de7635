package dev.taskdaemon.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.TaskQuery;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.spi.StoreContext;
import dev.taskdaemon.spi.StoreWrite;
import dev.taskdaemon.spi.StoredTask;
import dev.taskdaemon.spi.TaskStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine calls a store from many threads: enqueuers, claimers and finishers on the write
 * connection while lookups, listings and counts run on the read connection. None may fail or see a
 * half-done batch.
 */
class SqliteConcurrencyTest {
  private static final int PRODUCERS = 3;
  private static final int BATCHES = 40;
  private static final int BATCH = 25;

  @TempDir
  Path dir;

  @Test
  void writersClaimersAndReaders_together_finishEveryTaskOnce() throws Exception {
    int total = PRODUCERS * BATCHES * BATCH;
    try (TaskStore store = SqliteTaskStore.builder(dir.resolve("tasks.db")).build()) {
      store.open(new StoreContext("busy", "host", List.of("a"), () -> {}));
      ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS + 3);
      AtomicBoolean producing = new AtomicBoolean(true);
      try {
        List<Future<?>> producers = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
          int id = p;
          producers.add(pool.submit(() -> {
            for (int b = 0; b < BATCHES; b++) {
              List<StoreWrite> w = new ArrayList<>();
              for (int i = 0; i < BATCH; i++) {
                String tid = "p" + id + "-" + b + "-" + i;
                w.add(new StoreWrite.Insert(StoredTask.newTask(tid, "a", tid.getBytes(StandardCharsets.UTF_8), 50,
                    null, null, Instant.now(), null, null, null)));
              }
              assertThat(store.write(w)).containsOnly(true);
            }
            return null;
          }));
        }
        Future<Integer> worker = pool.submit(() -> {
          int done = 0;
          while (done < total) {
            Instant now = Instant.now();
            List<StoredTask> got = store.claim("a", QueueOrder.FIFO, 50, "host", now, now.plusSeconds(60));
            List<StoreWrite> finish = new ArrayList<>();
            for (StoredTask t : got) {
              finish.add(new StoreWrite.Start(t.id(), "host", t.attempts(), now));
              finish.add(new StoreWrite.Finish(t.id(), "host", TaskStatus.COMPLETED, t.data(), null, null, now));
            }
            for (boolean applied : store.write(finish)) {
              assertThat(applied).isTrue();
            }
            done += got.size();
          }
          return done;
        });
        Future<Integer> reader = pool.submit(() -> {
          int reads = 0;
          while (producing.get() || reads < 50) {
            List<StoredTask> page = store.list(TaskQuery.recent().limit(30));
            assertThat(store.findAll(page.stream().map(StoredTask::id).toList())).hasSameSizeAs(page);
            for (StoredTask t : page) {
              // A row is seen whole: a finished one always has its result.
              assertThat(t.status() != TaskStatus.COMPLETED || t.resultJson() != null).isTrue();
            }
            assertThat(store.countPending("a")).isBetween(0L, (long) total);
            reads++;
          }
          return reads;
        });
        for (Future<?> f : producers) {
          f.get(120, TimeUnit.SECONDS);
        }
        producing.set(false);
        assertThat(worker.get(120, TimeUnit.SECONDS)).isEqualTo(total);
        assertThat(reader.get(120, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(50);
      } finally {
        pool.shutdownNow();
      }
      assertThat(store.list(TaskQuery.recent().status(TaskStatus.COMPLETED).limit(TaskQuery.MAX_LIMIT))).hasSize(total)
          .allSatisfy(t -> {
            assertThat(t.attempts()).isEqualTo(1);
            assertThat(t.resultJson()).isEqualTo(t.data());
          });
      assertThat(store.countPending("a")).isZero();
    }
  }
}

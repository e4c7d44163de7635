package dev.taskdaemon.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.TaskQuery;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.spi.StoreWrite;
import dev.taskdaemon.spi.StoredTask;
import dev.taskdaemon.spi.TaskStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Long runs of one kind of write go to the server as one statement over arrays; short runs, and runs
 * that name one task twice, as a JDBC batch of single statements. Both must give the same answers and
 * leave the same rows: these tests apply the same writes both ways, on two namespaces, and compare.
 */
class BulkWriteTest {
  private static final String[] OWNERS = {"host-a", "host-b", null};
  private final StoreFixture fx = new StoreFixture();

  @AfterEach
  void close() {
    fx.close();
  }

  @Test
  void aLongRunOfInserts_storesEveryColumn_keepsItsOrder_andReportsTheIdsThatExisted() {
    TaskStore s = fx.open(StoreFixture.uniqueDaemon("bulk"), "host-a", () -> {});
    StoreFixture.insert(s, fx.task("i3"));
    List<StoreWrite> run = new ArrayList<>();
    List<StoredTask> tasks = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      boolean odd = i % 2 == 1;
      StoredTask t = StoredTask.newTask("i" + i, "a", ("{\"é\":" + i + "}").getBytes(StandardCharsets.UTF_8), i * 8,
          odd ? i : null, odd ? 1000L * i : null, fx.at(0).plusNanos(123_456_000L), odd ? fx.at(5) : null,
          odd ? "host-a" : null, odd ? fx.at(30) : null);
      tasks.add(t);
      run.add(new StoreWrite.Insert(t));
    }
    List<Boolean> applied = s.write(run);
    assertThat(applied).containsExactly(true, true, true, false, true, true, true, true, true, true, true, true);
    for (StoredTask t : tasks) {
      if (t.id().equals("i3")) {
        continue;
      }
      assertThat(describe(s.find(t.id()).orElseThrow())).isEqualTo(describe(t));
    }
    // Insertion order is queue order: fifo claims return the run in order after the older i3.
    assertThat(s.claim("a", QueueOrder.FIFO, 20, "host-b", fx.at(40), fx.at(70))).extracting(StoredTask::id)
        .containsExactly("i3", "i0", "i1", "i2", "i4", "i5", "i6", "i7", "i8", "i9", "i10", "i11");
  }

  @Test
  void theSameWritesInOneListOrOneByOne_giveTheSameAnswersAndRows() {
    TaskStore together = fx.open(StoreFixture.uniqueDaemon("bulk-one"), "host-a", () -> {});
    TaskStore apart = fx.open(StoreFixture.uniqueDaemon("bulk-many"), "host-a", () -> {});
    Random random = new Random(42);
    for (int round = 0; round < 6; round++) {
      List<StoreWrite> inserts = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        String id = "r" + round + "-" + i;
        String owner = OWNERS[random.nextInt(3)];
        inserts.add(new StoreWrite.Insert(StoredTask.newTask(id, "a", StoreFixture.json("\"" + id + "\""), 50, null,
            null, fx.at(round), null, owner, owner == null ? null : fx.at(round + 1 + random.nextInt(3)))));
      }
      // Repeats make some runs go the batch way even in the one-list store.
      if (round % 2 == 1) {
        inserts.add(inserts.get(3));
      }
      compare(together, apart, inserts);
      // Claims by both hosts, at times when some leases have run out; most claimed tasks start.
      List<StoreWrite> starts = new ArrayList<>();
      for (String host : List.of("host-a", "host-b")) {
        Instant now = fx.at(round + 2);
        List<StoredTask> claimed = together.claim("a", QueueOrder.FIFO, 12, host, now, now.plusSeconds(3));
        assertThat(ids(claimed)).isEqualTo(ids(apart.claim("a", QueueOrder.FIFO, 12, host, now, now.plusSeconds(3))));
        for (StoredTask t : claimed) {
          String owner = random.nextInt(4) == 0 ? OWNERS[random.nextInt(2)] : host;
          starts.add(new StoreWrite.Start(t.id(), owner, t.attempts(), now.plusMillis(random.nextInt(1000))));
        }
      }
      List<StoreWrite> finishes = new ArrayList<>();
      List<String> all = new ArrayList<>();
      for (int r = 0; r <= round; r++) {
        for (int i = 0; i < 40; i++) {
          all.add("r" + r + "-" + i);
        }
      }
      Collections.shuffle(all, random);
      for (int i = 0; i < 24; i++) {
        String id = all.get(i);
        String owner = OWNERS[random.nextInt(3)];
        Instant at = fx.at(round + 2).plusMillis(random.nextInt(3000));
        finishes.add(switch (random.nextInt(3)) {
          case 0 -> new StoreWrite.Finish(id, owner, TaskStatus.COMPLETED, StoreFixture.json("{\"r\":" + i + "}"), null,
              null, at);
          case 1 -> new StoreWrite.Finish(id, owner, TaskStatus.FAILED, null, "HANDLER", "bad " + i, at);
          default -> new StoreWrite.Finish(id, owner, TaskStatus.CANCELLED, null, "CANCELLED", null, at);
        });
      }
      if (round % 2 == 1) {
        starts.add(starts.get(0));
        finishes.add(finishes.get(0));
      }
      compare(together, apart, starts);
      compare(together, apart, finishes);
    }
    List<String> rowsTogether = together.list(TaskQuery.recent().limit(1000)).stream().map(BulkWriteTest::describe)
        .toList();
    List<String> rowsApart = apart.list(TaskQuery.recent().limit(1000)).stream().map(BulkWriteTest::describe).toList();
    assertThat(rowsTogether).hasSize(240).isEqualTo(rowsApart);
    // The comparison means something only if the writes did a bit of everything.
    assertThat(rowsTogether).anyMatch(r -> r.contains("COMPLETED")).anyMatch(r -> r.contains("FAILED"))
        .anyMatch(r -> r.contains("CANCELLED")).anyMatch(r -> r.contains("PROCESSING"))
        .anyMatch(r -> r.contains("PENDING"));
  }

  private static void compare(TaskStore together, TaskStore apart, List<StoreWrite> writes) {
    List<Boolean> oneList = together.write(writes);
    List<Boolean> oneByOne = new ArrayList<>();
    for (StoreWrite w : writes) {
      oneByOne.addAll(apart.write(List.of(w)));
    }
    assertThat(oneList).isEqualTo(oneByOne);
  }

  private static List<String> ids(List<StoredTask> tasks) {
    return tasks.stream().map(StoredTask::id).toList();
  }

  /** Every column, byte arrays as text, so two rows compare by value. */
  private static String describe(StoredTask t) {
    return String.join("|", t.id(), t.taskType(), new String(t.data(), StandardCharsets.UTF_8),
        String.valueOf(t.priority()), t.status().name(), String.valueOf(t.attempts()), String.valueOf(t.retryBase()),
        String.valueOf(t.maxRetries()), String.valueOf(t.timeoutMillis()), String.valueOf(t.createdAt()),
        String.valueOf(t.updatedAt()), String.valueOf(t.notBefore()), String.valueOf(t.owner()),
        String.valueOf(t.leaseUntil()),
        t.resultJson() == null ? "null" : Arrays.toString(t.resultJson()), String.valueOf(t.errorKind()),
        String.valueOf(t.lastError()), String.valueOf(t.cancelRequested()));
  }
}

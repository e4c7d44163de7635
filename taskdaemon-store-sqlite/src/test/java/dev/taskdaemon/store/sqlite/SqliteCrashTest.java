package dev.taskdaemon.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.StoreException;
import dev.taskdaemon.TaskQuery;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.spi.StoreContext;
import dev.taskdaemon.spi.StoredTask;
import dev.taskdaemon.spi.TaskStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A host in a child JVM killed with {@code kill -9}: the file opens again at once and keeps every commit. */
class SqliteCrashTest {
  private static final Duration START = Duration.ofSeconds(60);
  private static final String DAEMON = "crash";

  @TempDir
  Path dir;

  private TaskStore open(Path file) {
    TaskStore s = SqliteTaskStore.builder(file).build();
    s.open(new StoreContext(DAEMON, "parent-host", List.of("a"), () -> {}));
    return s;
  }

  @Test
  void aLiveOwnerInAnotherProcess_isNamed_andAfterItIsKilledTheFileOpensAtOnce() throws Exception {
    Path file = dir.resolve("tasks.db");
    try (Child child = Child.start("hold", file, DAEMON)) {
      child.await("READY"::equals, START);
      assertThatThrownBy(() -> open(file))
          .isInstanceOf(StoreException.class)
          .hasMessageStartingWith("SQLite store " + file + " is in use by another process (pid " + child.pid()
              + " on host ")
          .hasMessageContaining(", daemon '" + DAEMON + "', since ")
          .hasMessageEndingWith("): one daemon per file; stop that daemon, or give this one its own store_path");
      child.kill();
    }
    try (TaskStore store = open(file)) {
      assertThat(store.list(TaskQuery.recent())).isEmpty();
    }
  }

  @Test
  void tasksAKilledHostHeld_areClaimableAtOnce_withTheAttemptCounted() throws Exception {
    Path file = dir.resolve("tasks.db");
    try (Child child = Child.start("claim", file, DAEMON)) {
      child.await("READY"::equals, START);
      child.kill();
    }
    try (TaskStore store = open(file)) {
      Map<String, StoredTask> before = store.list(TaskQuery.recent().limit(100)).stream()
          .collect(Collectors.toMap(StoredTask::id, Function.identity()));
      assertThat(before).hasSize(StoreChild.CLAIM_TASKS);
      assertThat(before.values()).allSatisfy(t -> assertThat(t.owner()).isNull());
      assertThat(before.values()).allSatisfy(t -> assertThat(t.leaseUntil()).isNull());
      assertThat(before.get("c0").status()).as("was running").isEqualTo(TaskStatus.PENDING);
      assertThat(before.get("c3").cancelRequested()).as("the request outlives its host").isTrue();

      List<StoredTask> claimed = store.claim("a", QueueOrder.FIFO, 100, "parent-host", Instant.now(),
          Instant.now().plusSeconds(30));
      assertThat(claimed).extracting(StoredTask::id).containsExactly("c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7",
          "c8", "c9", "c10", "c11", "c12", "c13", "c14", "c15", "c16", "c17", "c18", "c19");
      // The claimer sees the request, and cancels c3 instead of running it.
      assertThat(claimed.get(3).cancelRequested()).isTrue();
      assertThat(store.cancelRequested("parent-host")).containsExactly("c3");
      for (StoredTask t : claimed) {
        int n = Integer.parseInt(t.id().substring(1));
        assertThat(t.attempts()).as(t.id()).isEqualTo(n < StoreChild.CLAIMED ? 2 : 1);
      }
    }
  }

  @Test
  void everyWriteThatReturned_survivesKill9RightAfter() throws Exception {
    Path file = dir.resolve("tasks.db");
    long inserted;
    long finished;
    try (Child child = Child.start("write", file, DAEMON)) {
      String ack = child.await(l -> l.startsWith("ACK ") && Long.parseLong(l.split(" ")[2]) >= 3000, START);
      // Kill while it keeps writing: what it acknowledged last is what must be there.
      child.kill();
      String[] parts = ack.split(" ");
      inserted = Long.parseLong(parts[1]);
      finished = Long.parseLong(parts[2]);
    }
    try (TaskStore store = open(file)) {
      List<String> ids = new java.util.ArrayList<>();
      for (long n = 0; n < inserted; n++) {
        ids.add("w" + n);
      }
      Map<String, StoredTask> found = store.findAll(ids).stream()
          .collect(Collectors.toMap(StoredTask::id, Function.identity()));
      assertThat(found).as("acknowledged inserts").hasSize((int) inserted);
      for (long n = 0; n < finished; n++) {
        StoredTask t = found.get("w" + n);
        assertThat(t.status()).as(t.id()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(t.resultJson()).as(t.id()).isEqualTo(StoreChild.resultOf(t.id()));
      }
    }
  }
}

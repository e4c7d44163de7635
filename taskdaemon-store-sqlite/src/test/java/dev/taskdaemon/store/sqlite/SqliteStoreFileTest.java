package dev.taskdaemon.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.StoreException;
import dev.taskdaemon.TaskQuery;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.spi.StoreContext;
import dev.taskdaemon.spi.StoreSettings;
import dev.taskdaemon.spi.StoreWrite;
import dev.taskdaemon.spi.StoredTask;
import dev.taskdaemon.spi.TaskStore;
import dev.taskdaemon.spi.TaskStoreProvider;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only a real file shows: reopening, the one-daemon lock, damaged and foreign files, the schema version. */
class SqliteStoreFileTest {
  private static final String DAEMON = "files";
  private static final String HOST = "host-1";

  @TempDir
  Path dir;

  private final Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  private static TaskStore open(Path file, String daemon) {
    TaskStore s = SqliteTaskStore.builder(file).build();
    s.open(new StoreContext(daemon, HOST, List.of("a"), () -> {}));
    return s;
  }

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void sql(Path file, String... statements) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
      for (String s : statements) {
        st.execute(s);
      }
    }
  }

  @Test
  void reopenAfterClose_keepsEveryRowAndColumn() {
    Path file = dir.resolve("tasks.db");
    List<StoredTask> before;
    try (TaskStore s = open(file, DAEMON)) {
      s.write(List.of(
          new StoreWrite.Insert(StoredTask.newTask("done", "a", json("{\"x\":\"é\"}"), 70, 4, 2500L, t0, null, null,
              null)),
          new StoreWrite.Insert(StoredTask.newTask("failed", "a", json("[1,2]"), 50, null, null, t0, null, null, null)),
          new StoreWrite.Insert(StoredTask.newTask("retry", "a", json("3"), 50, null, null, t0, null, null, null)),
          new StoreWrite.Insert(StoredTask.newTask("redriven", "a", json("4"), 50, null, null, t0, null, null, null)),
          new StoreWrite.Insert(StoredTask.newTask("later", "b", json("5"), 10, 0, 100L, t0, t0.plusSeconds(3600),
              null, null)),
          new StoreWrite.Insert(StoredTask.newTask("cancelled", "b", json("6"), 50, null, null, t0, null, null,
              null))));
      s.claim("a", QueueOrder.FIFO, 4, HOST, t0.plusSeconds(1), t0.plusSeconds(60));
      s.write(List.of(
          new StoreWrite.Start("done", HOST, 1, t0.plusSeconds(2)),
          new StoreWrite.Finish("done", HOST, TaskStatus.COMPLETED, json("{\"r\":[1,\"ü\"]}"), null, null,
              t0.plusSeconds(3)),
          new StoreWrite.Finish("failed", HOST, TaskStatus.FAILED, null, "HANDLER", "it broke", t0.plusSeconds(3)),
          new StoreWrite.Release("retry", HOST, t0.plusSeconds(30), "try again", t0.plusSeconds(3)),
          new StoreWrite.Finish("redriven", HOST, TaskStatus.FAILED, null, "TIMEOUT", "slow", t0.plusSeconds(3))));
      assertThat(s.redrive("redriven", t0.plusSeconds(4))).isTrue();
      assertThat(s.cancel("cancelled", "not wanted", t0.plusSeconds(5))).isEqualTo(TaskStore.CancelOutcome.CANCELLED);
      before = s.list(TaskQuery.recent().limit(100));
    }
    assertThat(before).hasSize(6);
    try (TaskStore s = open(file, DAEMON)) {
      List<StoredTask> after = s.list(TaskQuery.recent().limit(100));
      assertThat(after).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(before);
      StoredTask done = s.find("done").orElseThrow();
      assertThat(new String(done.resultJson(), StandardCharsets.UTF_8)).isEqualTo("{\"r\":[1,\"ü\"]}");
      assertThat(done.attempts()).isEqualTo(1);
      assertThat(done.maxRetries()).isEqualTo(4);
      assertThat(done.timeoutMillis()).isEqualTo(2500L);
      assertThat(done.updatedAt()).isEqualTo(t0.plusSeconds(3));
      StoredTask redriven = s.find("redriven").orElseThrow();
      assertThat(redriven.status()).isEqualTo(TaskStatus.PENDING);
      assertThat(redriven.retryBase()).isEqualTo(1);
      assertThat(redriven.lastError()).isEqualTo("slow");
      assertThat(s.find("retry").orElseThrow().notBefore()).isEqualTo(t0.plusSeconds(30));
      assertThat(s.find("later").orElseThrow().notBefore()).isEqualTo(t0.plusSeconds(3600));
      assertThat(s.find("failed").orElseThrow().errorKind()).isEqualTo("HANDLER");
      assertThat(s.find("cancelled").orElseThrow().lastError()).isEqualTo("not wanted");
      // The next insertion still lists first: insertion order survives the reopen.
      s.write(List.of(new StoreWrite.Insert(StoredTask.newTask("new", "a", json("7"), 50, null, null, t0, null, null,
          null))));
      assertThat(s.list(TaskQuery.recent().limit(2))).extracting(StoredTask::id).containsExactly("new", "cancelled");
    }
  }

  @Test
  void aSecondStoreOnTheSameFileInThisJvm_isRefused_namingFileAndOwner() {
    Path file = dir.resolve("tasks.db");
    try (TaskStore first = open(file, DAEMON)) {
      TaskStore second = SqliteTaskStore.builder(dir.resolve("./tasks.db")).build();
      assertThatThrownBy(() -> second.open(new StoreContext("other", "host-2", List.of("a"), () -> {})))
          .isInstanceOf(StoreException.class)
          .hasMessageStartingWith("SQLite store " + file + " is in use by another store in this JVM (pid "
              + ProcessHandle.current().pid() + " on host ")
          .hasMessageContaining(", daemon '" + DAEMON + "', since ")
          .hasMessageEndingWith("): one daemon per file; stop that daemon, or give this one its own store_path");
      second.close();
      assertThat(first.list(TaskQuery.recent())).as("the first store still works").isEmpty();
    }
    // Closed: the file is free again.
    open(file, DAEMON).close();
  }

  @Test
  void aSecondSpellingOfTheFile_throughASymbolicLink_isRefusedToo() throws Exception {
    Path real = Files.createDirectories(dir.resolve("real"));
    Path link = Files.createSymbolicLink(dir.resolve("link"), real);
    try (TaskStore first = open(real.resolve("tasks.db"), DAEMON)) {
      assertThatThrownBy(() -> open(link.resolve("tasks.db"), DAEMON))
          .isInstanceOf(StoreException.class)
          .hasMessageStartingWith("SQLite store " + link.resolve("tasks.db") + " is in use by another store in this JVM");
      Path fileLink = Files.createSymbolicLink(dir.resolve("tasks-link.db"), real.resolve("tasks.db"));
      assertThatThrownBy(() -> open(fileLink, DAEMON))
          .isInstanceOf(StoreException.class)
          .hasMessageStartingWith("SQLite store " + fileLink + " is in use by another store in this JVM");
      assertThat(first.list(TaskQuery.recent())).isEmpty();
    }
  }

  @Test
  void aFileOfGarbage_isRefusedAsNotAStore_andLeftAsItWas() throws Exception {
    Path file = dir.resolve("garbage.db");
    byte[] junk = new byte[8192];
    new Random(7).nextBytes(junk);
    Files.write(file, junk);
    for (int i = 0; i < 2; i++) { // the failed open leaves no lock behind
      assertThatThrownBy(() -> open(file, DAEMON))
          .isInstanceOf(StoreException.class)
          .hasMessageStartingWith(file + " is not a TaskDaemon SQLite store or is corrupt: ")
          .hasMessageContaining("SQLITE_NOTADB");
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(junk);
  }

  private Path storeWithRows(int n) {
    Path file = dir.resolve("tasks.db");
    try (TaskStore s = open(file, DAEMON)) {
      List<StoreWrite> w = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        w.add(new StoreWrite.Insert(StoredTask.newTask("t" + i, "a", json("{\"pad\":\"" + "x".repeat(200) + "\"}"),
            50, null, null, t0, null, null, null)));
      }
      s.write(w);
    }
    return file;
  }

  @Test
  void aTruncatedStore_isRefusedNamingTheFile() throws Exception {
    Path file = storeWithRows(2000);
    long size = Files.size(file);
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(size / 2);
    }
    assertThatThrownBy(() -> open(file, DAEMON))
        .isInstanceOf(StoreException.class)
        .hasMessageStartingWith(file + " is not a TaskDaemon SQLite store or is corrupt: the file is truncated: "
            + "its header counts ")
        .hasMessageEndingWith(" but it has " + size / 2 + " bytes");
  }

  @Test
  void aStoreWithDamagedPages_isRefusedAtOpen_notHoursLater() throws Exception {
    Path file = storeWithRows(2000);
    long size = Files.size(file);
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      byte[] junk = new byte[4096 * 4];
      new Random(3).nextBytes(junk);
      f.seek(size / 2);
      f.write(junk);
    }
    assertThatThrownBy(() -> open(file, DAEMON))
        .isInstanceOf(StoreException.class)
        .hasMessageStartingWith(file + " is not a TaskDaemon SQLite store or is corrupt: SQLite's quick_check found ")
        .hasMessageContaining("Tree ");
  }

  @Test
  void aNewerSchema_isRefused_andTheFileIsNotTouched() throws Exception {
    Path file = storeWithRows(3);
    sql(file, "UPDATE taskdaemon_meta SET value = '7' WHERE key = 'schema_version'");
    byte[] bytes = Files.readAllBytes(file);
    assertThatThrownBy(() -> open(file, DAEMON))
        .isInstanceOf(StoreException.class)
        .hasMessage("SQLite store " + file + " was written by a newer TaskDaemon (schema 7, this version knows up to 1);"
            + " upgrade TaskDaemon to open it, or point store_path at another file. There is no downgrade.");
    assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
  }

  @Test
  void anEmptyDatabase_isBroughtForwardToTheCurrentSchema_andMarkedAsOurs() throws Exception {
    Path file = dir.resolve("empty.db");
    sql(file, "PRAGMA journal_mode = WAL"); // a valid SQLite file with no tables: schema version 0
    assertThat(Files.size(file)).isPositive();
    open(file, DAEMON).close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
      var rs = st.executeQuery("SELECT key, value FROM taskdaemon_meta ORDER BY key");
      List<String> meta = new ArrayList<>();
      while (rs.next()) {
        meta.add(rs.getString(1) + "=" + (rs.getString(1).equals("created_at") ? "*" : rs.getString(2)));
      }
      assertThat(meta).containsExactly("created_at=*", "daemon=" + DAEMON, "schema_version=1");
      rs = st.executeQuery("PRAGMA application_id");
      rs.next();
      assertThat(rs.getInt(1)).as("'TDJ1'").isEqualTo(0x54444a31);
    }
  }

  @Test
  void anUnknownSchemaVersion_isRefused() throws Exception {
    Path file = storeWithRows(1);
    sql(file, "UPDATE taskdaemon_meta SET value = 'two' WHERE key = 'schema_version'");
    assertThatThrownBy(() -> open(file, DAEMON))
        .isInstanceOf(StoreException.class)
        .hasMessage("SQLite store " + file + " has an unknown schema version 'two' in taskdaemon_meta (this version "
            + "knows 1 to 1); it was not written by this TaskDaemon, or it is damaged");
  }

  @Test
  void anotherApplicationsDatabase_isRefusedAndLeftAlone() throws Exception {
    Path file = dir.resolve("app.db");
    sql(file, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)", "INSERT INTO users (name) VALUES ('ann')");
    assertThatThrownBy(() -> open(file, DAEMON))
        .isInstanceOf(StoreException.class)
        .hasMessage(file + " is not a TaskDaemon SQLite store or is corrupt: it is a SQLite database with tables "
            + "[users] but no taskdaemon_meta; give store_path a new file");
    Path other = dir.resolve("other.db");
    sql(other, "PRAGMA application_id = 42");
    assertThatThrownBy(() -> open(other, DAEMON))
        .isInstanceOf(StoreException.class)
        .hasMessage(other + " is not a TaskDaemon SQLite store or is corrupt: it is another application's SQLite "
            + "database (application_id 42)");
  }

  @Test
  void anotherDaemonsFile_isRefused() {
    Path file = storeWithRows(1);
    assertThatThrownBy(() -> open(file, "billing"))
        .isInstanceOf(StoreException.class)
        .hasMessage("SQLite store " + file + " belongs to daemon '" + DAEMON + "', not 'billing': name this daemon '"
            + DAEMON + "' to take over its tasks, or give it its own store_path");
  }

  @Test
  void aWriteThatFails_changesNothing_andTheNextWriteWorks() throws Exception {
    Path file = storeWithRows(1);
    // A trigger stands in for any failure inside a batch (a full disk, an I/O error).
    sql(file, "CREATE TRIGGER poison BEFORE INSERT ON tasks WHEN NEW.id = 'poison' "
        + "BEGIN SELECT RAISE(ABORT, 'poisoned row'); END");
    try (TaskStore s = open(file, DAEMON)) {
      assertThatThrownBy(() -> s.write(List.of(
          new StoreWrite.Insert(StoredTask.newTask("ok", "a", json("1"), 50, null, null, t0, null, null, null)),
          new StoreWrite.Finish("t0", null, TaskStatus.CANCELLED, null, "CANCELLED", "x", t0),
          new StoreWrite.Insert(StoredTask.newTask("poison", "a", json("2"), 50, null, null, t0, null, null, null)))))
          .isInstanceOf(StoreException.class)
          .hasMessageStartingWith("SQLite store " + file + ": could not write 3 task change(s): ")
          .hasMessageContaining("poisoned row");
      assertThat(s.find("ok")).as("rolled back with the rest").isEmpty();
      assertThat(s.find("t0").orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
      assertThat(s.write(List.of(new StoreWrite.Insert(StoredTask.newTask("ok", "a", json("1"), 50, null, null, t0,
          null, null, null))))).containsExactly(true);
      assertThat(s.find("ok")).isPresent();
    }
  }

  @Test
  void aRunningTaskWhoseLeaseRanOut_isClaimedBackToPending() {
    try (TaskStore s = open(dir.resolve("tasks.db"), DAEMON)) {
      s.write(List.of(new StoreWrite.Insert(StoredTask.newTask("t", "a", json("1"), 50, null, null, t0, null, null,
          null))));
      s.claim("a", QueueOrder.FIFO, 1, HOST, t0.plusSeconds(1), t0.plusSeconds(30));
      assertThat(s.write(List.of(new StoreWrite.Start("t", HOST, 1, t0.plusSeconds(2))))).containsExactly(true);
      List<StoredTask> again = s.claim("a", QueueOrder.FIFO, 1, "host-2", t0.plusSeconds(31), t0.plusSeconds(60));
      assertThat(again).hasSize(1);
      assertThat(again.get(0).status()).isEqualTo(TaskStatus.PENDING);
      assertThat(again.get(0).attempts()).isEqualTo(2);
      StoredTask stored = s.find("t").orElseThrow();
      assertThat(stored.status()).isEqualTo(TaskStatus.PENDING);
      assertThat(stored.owner()).isEqualTo("host-2");
      assertThat(s.list(TaskQuery.recent().status(TaskStatus.PROCESSING))).isEmpty();
    }
  }

  @Test
  void aPurgeLargerThanOneChunk_removesEveryOldFinishedTask_andNothingElse() {
    try (TaskStore s = open(dir.resolve("tasks.db"), DAEMON)) {
      int old = 4500;
      List<StoreWrite> w = new ArrayList<>();
      for (int i = 0; i < old + 10; i++) {
        w.add(new StoreWrite.Insert(StoredTask.newTask("t" + i, "a", json("1"), 50, null, null, t0, null, null, null)));
      }
      s.write(w);
      List<StoreWrite> finish = new ArrayList<>();
      for (int i = 0; i < old + 5; i++) {
        // t0..t4499 finished long ago, t4500..t4504 just now, t4505..t4509 still open
        finish.add(new StoreWrite.Finish("t" + i, null, TaskStatus.CANCELLED, null, "CANCELLED", "x",
            i < old ? t0.plusSeconds(1) : t0.plusSeconds(100)));
      }
      assertThat(s.write(finish)).containsOnly(true);
      assertThat(s.purge(t0.plusSeconds(50))).isEqualTo(old);
      assertThat(s.list(TaskQuery.recent().limit(100))).extracting(StoredTask::id)
          .containsExactly("t4509", "t4508", "t4507", "t4506", "t4505", "t4504", "t4503", "t4502", "t4501", "t4500");
      assertThat(s.purge(t0.plusSeconds(50))).isZero();
    }
  }

  @Test
  void aClosedStore_saysSo() {
    Path file = dir.resolve("tasks.db");
    TaskStore s = open(file, DAEMON);
    s.close();
    assertThatThrownBy(() -> s.find("x")).isInstanceOf(StoreException.class)
        .hasMessage("SQLite store " + file + " is closed");
    assertThatThrownBy(() -> s.write(List.of(new StoreWrite.Insert(StoredTask.newTask("x", "a", json("1"), 50, null,
        null, t0, null, null, null))))).isInstanceOf(StoreException.class).hasMessage("SQLite store " + file
        + " is closed");
  }

  @Test
  void aDirectoryAsTheFile_isRefusedSayingWhatToGive() throws Exception {
    Path d = Files.createDirectories(dir.resolve("data"));
    assertThatThrownBy(() -> open(d, DAEMON))
        .isInstanceOf(StoreException.class)
        .hasMessage("SQLite store " + d + " is a directory: store_path names the file to keep the tasks in, such as "
            + d.resolve("tasks.db"));
  }

  @Test
  void theFileAndItsDirectory_areCreatedOnFirstOpen() {
    Path file = dir.resolve("a/b/tasks.db");
    try (TaskStore s = open(file, DAEMON)) {
      assertThat(s.describe()).isEqualTo("sqlite " + file);
      assertThat(s.durable()).isTrue();
    }
    assertThat(file).exists();
    assertThat(dir.resolve("a/b/tasks.db.lock")).exists();
  }

  @Test
  void theProvider_isFoundByName_andNeedsAPath() {
    TaskStoreProvider p = ServiceLoader.load(TaskStoreProvider.class).stream().map(ServiceLoader.Provider::get)
        .filter(x -> x.name().equals("sqlite")).findFirst().orElseThrow();
    assertThatThrownBy(() -> p.create(new StoreSettings("sqlite", null, null, null, Duration.ofDays(7), 10)))
        .isInstanceOf(StoreException.class)
        .hasMessage("store = \"sqlite\" needs store_path = \"tasks.db\" in [daemon] or TaskDaemon.Builder.storePath(...):"
            + " the file the tasks are kept in");
    Path file = dir.resolve("p.db");
    TaskStore s = p.create(new StoreSettings("sqlite", file, null, null, Duration.ofDays(7), 10));
    assertThat(s).isInstanceOf(SqliteTaskStore.class);
    assertThat(((SqliteTaskStore) s).file()).isEqualTo(file);
    assertThat(((SqliteTaskStore) s).synchronous()).isEqualTo(Synchronous.NORMAL);
  }
}

package dev.taskdaemon.store.sqlite.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.taskdaemon.StoreException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver's errors, produced by a real SQLite, become messages that name the file and the cause. */
class SqliteErrorsTest {
  @TempDir
  Path dir;

  @Test
  void aFullDisk_saysSo() throws Exception {
    Path file = dir.resolve("full.db");
    SQLException full;
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
      st.execute("CREATE TABLE t (b BLOB)");
      // A page limit is how SQLite reports a full disk without filling one: the same SQLITE_FULL.
      st.execute("PRAGMA max_page_count = 4");
      full = catchThrowableOfType(SQLException.class,
          () -> st.execute("INSERT INTO t VALUES (zeroblob(100000))"));
    }
    assertThat(SqliteErrors.primaryCode(full)).isEqualTo(13);
    StoreException e = SqliteErrors.wrap(file, "write 3 task change(s)", full);
    assertThat(e.getMessage())
        .startsWith("SQLite store " + file + ": the disk is full (SQLITE_FULL), could not write 3 task change(s); "
            + "free space on the disk that holds it (")
        .contains("database or disk is full");
    assertThat(e.getCause()).isSameAs(full);
  }

  @Test
  void aFileThatIsNotADatabase_isNamedAsSuch() throws Exception {
    Path file = dir.resolve("text.db");
    java.nio.file.Files.writeString(file, "hello, this is not a database, but long enough to have a header....\n"
        .repeat(20));
    SQLException notADb;
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
      notADb = catchThrowableOfType(SQLException.class, () -> st.executeQuery("SELECT * FROM sqlite_master"));
    }
    assertThat(SqliteErrors.isCorrupt(notADb)).isTrue();
    assertThat(SqliteErrors.wrap(file, "open it", notADb).getMessage())
        .isEqualTo(file + " is not a TaskDaemon SQLite store or is corrupt: " + notADb.getMessage()
            + " (while trying to open it)");
  }
}

package dev.taskdaemon.store.sqlite.internal;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.sqlite.SQLiteConfig;

/** Opens the store's two connections with the settings the store relies on. */
public final class Connections {
  /** SQLite's page cache per connection, in KiB (a negative {@code cache_size}). */
  private static final int CACHE_KIB = 16 * 1024;
  /** A WAL file grown by a burst is cut back to this after a checkpoint, so the disk is given back. */
  private static final int WAL_LIMIT_BYTES = 64 * 1024 * 1024;

  private Connections() {}

  /**
   * The one connection that writes: WAL journal, the given {@code synchronous} level ({@code true}:
   * FULL), and a busy timeout for the rare reader from outside (the {@code sqlite3} shell).
   */
  public static Connection writer(Path file, boolean full, Duration busyTimeout) throws SQLException {
    SQLiteConfig cfg = common(busyTimeout);
    cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
    cfg.setSynchronous(full ? SQLiteConfig.SynchronousMode.FULL : SQLiteConfig.SynchronousMode.NORMAL);
    cfg.setJournalSizeLimit(WAL_LIMIT_BYTES);
    return cfg.createConnection(url(file));
  }

  /** A read-only connection: in WAL mode it reads beside the writer without waiting for it. */
  public static Connection reader(Path file, Duration busyTimeout) throws SQLException {
    SQLiteConfig cfg = common(busyTimeout);
    cfg.setReadOnly(true);
    return cfg.createConnection(url(file));
  }

  private static SQLiteConfig common(Duration busyTimeout) {
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.setBusyTimeout((int) Math.min(Integer.MAX_VALUE, busyTimeout.toMillis()));
    cfg.setCacheSize(-CACHE_KIB);
    cfg.setTempStore(SQLiteConfig.TempStore.MEMORY);
    return cfg;
  }

  private static String url(Path file) {
    return "jdbc:sqlite:" + file;
  }
}

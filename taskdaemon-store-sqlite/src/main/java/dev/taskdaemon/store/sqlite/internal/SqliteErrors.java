package dev.taskdaemon.store.sqlite.internal;

import dev.taskdaemon.StoreException;
import java.nio.file.Path;
import java.sql.SQLException;
import org.sqlite.SQLiteException;

/** Turns a driver's {@link SQLException} into a {@link StoreException} that names the file and the cause. */
public final class SqliteErrors {
  private static final int SQLITE_BUSY = 5;
  private static final int SQLITE_LOCKED = 6;
  private static final int SQLITE_READONLY = 8;
  private static final int SQLITE_IOERR = 10;
  private static final int SQLITE_CORRUPT = 11;
  private static final int SQLITE_FULL = 13;
  private static final int SQLITE_CANTOPEN = 14;
  private static final int SQLITE_NOTADB = 26;

  private SqliteErrors() {}

  /** The SQLite result code (primary, without the extended bits), or -1 when the driver gave none. */
  public static int primaryCode(SQLException e) {
    if (e instanceof SQLiteException se) {
      return se.getResultCode().code & 0xff;
    }
    return e.getErrorCode() > 0 ? e.getErrorCode() & 0xff : -1;
  }

  /** True when SQLite found the file damaged or not a database at all. */
  public static boolean isCorrupt(SQLException e) {
    int code = primaryCode(e);
    return code == SQLITE_CORRUPT || code == SQLITE_NOTADB;
  }

  /**
   * The store's error for a failed step.
   *
   * @param file the store file
   * @param what what was being done, as a verb phrase: {@code "claim tasks of type 'resize'"}
   */
  public static StoreException wrap(Path file, String what, SQLException e) {
    String msg = e.getMessage();
    String text = switch (primaryCode(e)) {
      case SQLITE_FULL -> "SQLite store " + file + ": the disk is full (SQLITE_FULL), could not " + what
          + "; free space on the disk that holds it (" + msg + ")";
      case SQLITE_CORRUPT, SQLITE_NOTADB -> corrupt(file, msg) + " (while trying to " + what + ")";
      case SQLITE_BUSY, SQLITE_LOCKED -> "SQLite store " + file + " is locked by another program (" + msg
          + "), could not " + what + "; close whatever else has the file open";
      case SQLITE_READONLY -> "SQLite store " + file + " cannot be written (" + msg + "), could not " + what
          + "; check the permissions of the file, its directory and its -wal and -shm files";
      case SQLITE_CANTOPEN -> "SQLite store " + file + " cannot be opened (" + msg + "), could not " + what
          + "; check that its directory exists and is writable";
      case SQLITE_IOERR -> "SQLite store " + file + ": I/O error (" + msg + "), could not " + what;
      default -> "SQLite store " + file + ": could not " + what + ": " + msg;
    };
    return new StoreException(text, e);
  }

  /** The message for a file that is not a store of ours, or is damaged. */
  public static String corrupt(Path file, String detail) {
    return file + " is not a TaskDaemon SQLite store or is corrupt: " + detail;
  }
}

package dev.taskdaemon.store.sqlite.internal;

import dev.taskdaemon.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds a damaged file at open, before the engine trusts it: SQLite itself only notices damage when a
 * query happens to touch a broken page, which could be hours into a run.
 */
public final class FileCheck {
  private static final byte[] MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
  private static final int HEADER = 100;

  private FileCheck() {}

  /**
   * Refuses a file shorter than its own header says it is (cut off by a failed copy or a full disk).
   * Skipped while a write-ahead log is present: the pages missing from the file may be in the log.
   */
  public static void checkNotTruncated(Path file) {
    try {
      if (!Files.isRegularFile(file) || walHoldsPages(file)) {
        return;
      }
      long size = Files.size(file);
      if (size == 0) {
        return;
      }
      ByteBuffer h = ByteBuffer.allocate(HEADER);
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        while (h.hasRemaining() && ch.read(h) >= 0) {
          // read the header
        }
      }
      if (h.position() < HEADER || !startsWithMagic(h)) {
        return; // not SQLite's: SQLite's own open says so
      }
      int pageSize = h.getShort(16) & 0xffff;
      if (pageSize == 1) {
        pageSize = 65536;
      }
      long changeCounter = h.getInt(24) & 0xffffffffL;
      long pages = h.getInt(28) & 0xffffffffL;
      long validFor = h.getInt(92) & 0xffffffffL;
      // SQLite trusts the page count only when the header says it is current; so do we.
      if (pages > 0 && changeCounter == validFor && pages * pageSize > size) {
        throw new StoreException(SqliteErrors.corrupt(file, "the file is truncated: its header counts " + pages
            + " pages of " + pageSize + " bytes (" + pages * pageSize + " bytes) but it has " + size + " bytes"));
      }
    } catch (IOException e) {
      throw new StoreException("SQLite store " + file + " cannot be read: " + e, e);
    }
  }

  private static boolean walHoldsPages(Path file) throws IOException {
    Path wal = file.resolveSibling(file.getFileName() + "-wal");
    return Files.exists(wal) && Files.size(wal) > 0;
  }

  private static boolean startsWithMagic(ByteBuffer h) {
    for (int i = 0; i < MAGIC.length; i++) {
      if (h.get(i) != MAGIC[i]) {
        return false;
      }
    }
    return true;
  }

  /** Runs SQLite's {@code quick_check}: every page of every table and index is read once. */
  public static void checkIntact(Connection c, Path file) throws SQLException {
    List<String> problems = new ArrayList<>();
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA quick_check(5)")) {
      while (rs.next()) {
        problems.add(rs.getString(1));
      }
    }
    if (!(problems.size() == 1 && "ok".equals(problems.get(0)))) {
      throw new StoreException(SqliteErrors.corrupt(file, "SQLite's quick_check found "
          + String.join("; ", problems).replace('\n', ' ')));
    }
  }
}

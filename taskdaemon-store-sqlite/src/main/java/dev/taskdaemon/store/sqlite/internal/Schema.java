package dev.taskdaemon.store.sqlite.internal;

import dev.taskdaemon.StoreException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The store file's tables, versioned. A file starts empty and is brought forward one step at a time to
 * {@link #CURRENT}; a file of a newer or unknown version is refused, never touched. There is no step
 * back: a file an upgraded release has opened stays on the new version.
 */
public final class Schema {
  /** The newest version this release knows. */
  public static final int CURRENT = 1;

  /**
   * Marks the file as ours in SQLite's header ({@code PRAGMA application_id}): the bytes {@code TDJ1}.
   * A database with another application's id is refused at once.
   */
  static final int APPLICATION_ID = 0x54444a31;

  static final String META = "taskdaemon_meta";

  /** Rows that are not final: what claims, leases and the backlog look at. */
  public static final String OPEN = "status IN ('pending', 'processing')";
  /**
   * Nobody holds the row: no owner, or one whose lease has run out (parameter: now). An owner without
   * a lease holds the row until it lets go.
   */
  public static final String NOT_HELD = "(owner IS NULL OR (lease_until IS NOT NULL AND lease_until <= ?))";
  /** Rows that are final: what the purge looks at. */
  public static final String FINAL = "status IN ('completed', 'failed', 'cancelled')";

  /**
   * {@code STEPS.get(n - 1)} brings a file from version {@code n - 1} to {@code n}. A later release
   * appends a step; it never edits one that has shipped.
   */
  private static final List<List<String>> STEPS = List.of(
      List.of(
          "CREATE TABLE " + META + " (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
          // seq is the rowid: insertion order, for fifo/lifo claims and newest-first listing.
          "CREATE TABLE tasks ("
              + "seq INTEGER PRIMARY KEY,"
              + " id TEXT NOT NULL UNIQUE,"
              + " task_type TEXT NOT NULL,"
              + " data BLOB NOT NULL,"
              + " priority INTEGER NOT NULL,"
              + " status TEXT NOT NULL,"
              + " attempts INTEGER NOT NULL,"
              + " retry_base INTEGER NOT NULL,"
              + " max_retries INTEGER,"
              + " timeout_ms INTEGER,"
              + " created_at INTEGER NOT NULL," // epoch milliseconds, as every time column
              + " updated_at INTEGER NOT NULL,"
              + " not_before INTEGER,"
              + " owner TEXT,"
              + " lease_until INTEGER,"
              + " result BLOB,"
              + " error_kind TEXT,"
              + " last_error TEXT,"
              + " cancel_requested INTEGER NOT NULL DEFAULT 0)",
          // Claims scan only open rows, so a week of finished rows never slows them down. status is
          // there for the backlog count, which then reads this index alone (SQLite still tests the
          // status term the partial index implies); it costs no extra write, since any change of status
          // rewrites the entry anyway.
          "CREATE INDEX tasks_claim_fifo ON tasks (task_type, seq, status) WHERE " + OPEN,
          "CREATE INDEX tasks_claim_priority ON tasks (task_type, priority DESC, seq) WHERE " + OPEN,
          "CREATE INDEX tasks_owner ON tasks (owner) WHERE owner IS NOT NULL",
          "CREATE INDEX tasks_list_status ON tasks (status, seq)",
          "CREATE INDEX tasks_list_type ON tasks (task_type, seq)",
          "CREATE INDEX tasks_finished ON tasks (updated_at) WHERE " + FINAL));

  private Schema() {}

  /**
   * Creates or migrates the schema in one transaction, and checks the file belongs to {@code daemon}.
   * Throws {@link StoreException} for a file of another application, another daemon, or a newer schema.
   */
  public static void prepare(Connection c, Path file, String daemon) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute("BEGIN IMMEDIATE");
      boolean done = false;
      try {
        int version = version(st, file);
        if (version > CURRENT) {
          throw new StoreException("SQLite store " + file + " was written by a newer TaskDaemon (schema " + version
              + ", this version knows up to " + CURRENT + "); upgrade TaskDaemon to open it, or point store_path at "
              + "another file. There is no downgrade.");
        }
        if (version == 0) {
          st.execute("PRAGMA application_id = " + APPLICATION_ID);
        }
        for (int v = version + 1; v <= CURRENT; v++) {
          for (String sql : STEPS.get(v - 1)) {
            st.execute(sql);
          }
        }
        if (version == 0) {
          put(c, "daemon", daemon);
          put(c, "created_at", Instant.now().toString());
        } else {
          String owner = get(c, "daemon");
          if (owner != null && !owner.equals(daemon)) {
            throw new StoreException("SQLite store " + file + " belongs to daemon '" + owner + "', not '" + daemon
                + "': name this daemon '" + owner + "' to take over its tasks, or give it its own store_path");
          }
        }
        if (version != CURRENT) {
          put(c, "schema_version", Integer.toString(CURRENT));
        }
        st.execute("COMMIT");
        done = true;
      } finally {
        if (!done) {
          try {
            st.execute("ROLLBACK");
          } catch (SQLException ignored) {
            // The failure that got us here is the one to report.
          }
        }
      }
    }
  }

  /** The file's schema version: 0 for an empty database. */
  private static int version(Statement st, Path file) throws SQLException {
    int appId;
    try (ResultSet rs = st.executeQuery("PRAGMA application_id")) {
      appId = rs.next() ? rs.getInt(1) : 0;
    }
    List<String> tables = new ArrayList<>();
    try (ResultSet rs = st.executeQuery(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")) {
      while (rs.next()) {
        tables.add(rs.getString(1));
      }
    }
    if (appId != 0 && appId != APPLICATION_ID) {
      throw new StoreException(SqliteErrors.corrupt(file, "it is another application's SQLite database "
          + "(application_id " + appId + ")"));
    }
    if (!tables.contains(META)) {
      if (tables.isEmpty()) {
        return 0;
      }
      throw new StoreException(SqliteErrors.corrupt(file, "it is a SQLite database with tables " + tables
          + " but no " + META + "; give store_path a new file"));
    }
    String v;
    try (ResultSet rs = st.executeQuery("SELECT value FROM " + META + " WHERE key = 'schema_version'")) {
      v = rs.next() ? rs.getString(1) : null;
    }
    try {
      int version = Integer.parseInt(v == null ? "" : v.trim());
      if (version < 1) {
        throw new NumberFormatException();
      }
      return version;
    } catch (NumberFormatException e) {
      throw new StoreException("SQLite store " + file + " has an unknown schema version '" + v + "' in " + META
          + " (this version knows 1 to " + CURRENT + "); it was not written by this TaskDaemon, or it is damaged");
    }
  }

  private static String get(Connection c, String key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT value FROM " + META + " WHERE key = ?")) {
      ps.setString(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  private static void put(Connection c, String key, String value) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO " + META + " (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")) {
      ps.setString(1, key);
      ps.setString(2, value);
      ps.executeUpdate();
    }
  }
}

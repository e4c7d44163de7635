package dev.taskdaemon.store.postgres.internal;

import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.spi.StoredTask;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * The SQL of one namespace, built once when the store opens, and the mapping between a row and a
 * {@link StoredTask}. Every value travels as a bound parameter; only the (quoted, validated) table
 * names are part of the text.
 */
final class Sql {
  static final String COLUMNS = "id, task_type, data, priority, status, attempts, retry_base, max_retries,"
      + " timeout_ms, created_at, updated_at, not_before, owner, lease_until, result, error_kind, last_error,"
      + " cancel_requested";
  /** Rows one purge statement deletes at most. */
  static final int PURGE_SLICE = 5000;
  private static final String OPEN = "status IN ('pending', 'processing')";
  /**
   * Nobody holds the row: no owner, or a lease that has run out by the time bound to this placeholder.
   * An owner without a lease holds the row until it lets go.
   */
  static final String FREE = "(owner IS NULL OR (lease_until IS NOT NULL AND lease_until <= ?))";

  /** The one-statement forms of long runs of writes. */
  final Bulk bulk;
  final String select;
  final String find;
  final String findAll;
  final String insert;
  final String start;
  final String release;
  final String finish;
  final String notify = "SELECT pg_notify(?, '')";
  final String renew;
  final String cancelRequested;
  final String lockOne;
  final String cancelNow;
  final String requestCancel;
  final String redrive;
  final String delete;
  final String purge;
  final String countPending;
  private final String claimFifo;
  private final String claimLifo;
  private final String claimPriority;
  private final String tasks;

  Sql(Namespace ns) {
    String t = ns.tasks();
    tasks = t;
    bulk = new Bulk(ns);
    select = "SELECT " + COLUMNS + " FROM " + t;
    find = select + " WHERE id = ?";
    findAll = select + " WHERE id = ANY (?)";
    insert = "INSERT INTO " + t + " (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        + " ON CONFLICT (id) DO NOTHING";
    // Also takes a task nobody holds; keeps the lease only when the owner stays the same.
    start = "UPDATE " + t + " SET status = 'processing', attempts = greatest(attempts, ?), updated_at = ?,"
        + " not_before = NULL, result = NULL, error_kind = NULL,"
        + " lease_until = CASE WHEN owner IS NOT DISTINCT FROM ? THEN lease_until END, owner = ?"
        + " WHERE id = ? AND " + OPEN + " AND (owner = ? OR " + FREE + ")";
    release = "UPDATE " + t + " SET status = 'pending', owner = NULL, lease_until = NULL, not_before = ?,"
        + " last_error = coalesce(?, last_error), updated_at = ?, result = NULL, error_kind = NULL,"
        + " attempts = greatest(0, attempts - ?) WHERE id = ? AND owner = ? AND " + OPEN;
    // Owner given: only while that owner holds the row. No owner: only while nobody holds it (a lease
    // that ran out holds nothing).
    finish = "UPDATE " + t + " SET status = ?, result = ?, error_kind = ?, last_error = coalesce(?, last_error),"
        + " updated_at = ?, owner = NULL, lease_until = NULL, not_before = NULL, cancel_requested = false"
        + " WHERE id = ? AND " + OPEN + " AND (CASE WHEN CAST(? AS text) IS NULL THEN " + FREE + " ELSE owner = ? END)";
    renew = "UPDATE " + t + " SET lease_until = ? WHERE owner = ? AND " + OPEN;
    cancelRequested = "SELECT id FROM " + t + " WHERE owner = ? AND cancel_requested AND " + OPEN + " ORDER BY seq";
    lockOne = "SELECT status, owner, lease_until FROM " + t + " WHERE id = ? FOR UPDATE";
    cancelNow = "UPDATE " + t + " SET status = 'cancelled', error_kind = 'CANCELLED', last_error = ?, updated_at = ?,"
        + " owner = NULL, lease_until = NULL, not_before = NULL, result = NULL, cancel_requested = false WHERE id = ?";
    requestCancel = "UPDATE " + t + " SET cancel_requested = true, updated_at = ? WHERE id = ?";
    redrive = "UPDATE " + t + " SET status = 'pending', retry_base = attempts, updated_at = ?, not_before = NULL,"
        + " owner = NULL, lease_until = NULL, result = NULL, error_kind = NULL, cancel_requested = false"
        + " WHERE id = ? AND status IN ('failed', 'cancelled')";
    delete = "DELETE FROM " + t + " WHERE id = ?";
    // In slices, so that purging a large backlog never holds one huge transaction.
    purge = "DELETE FROM " + t + " WHERE id IN (SELECT id FROM " + t + " WHERE NOT (" + OPEN + ")"
        + " AND updated_at < ? LIMIT " + PURGE_SLICE + ")";
    countPending = "SELECT count(*) FROM " + t + " WHERE task_type = ? AND " + OPEN + " AND " + FREE;
    claimFifo = claim(t, "seq");
    claimLifo = claim(t, "seq DESC");
    claimPriority = claim(t, "priority DESC, seq");
  }

  /**
   * One statement: lock up to n claimable rows in queue order, skipping rows another host's claim has
   * locked, and take them. RETURNING gives no order; the caller sorts by the returned sort keys.
   */
  private static String claim(String t, String order) {
    // A cancel-requested row stays claimable (its owner may have died) and keeps the request, so the
    // claiming host cancels it instead of running it.
    return "WITH picked AS (SELECT id FROM " + t + " WHERE task_type = ? AND " + OPEN
        + " AND (not_before IS NULL OR not_before <= ?) AND " + FREE
        + " ORDER BY " + order + " LIMIT ? FOR UPDATE SKIP LOCKED)"
        + " UPDATE " + t + " AS t SET status = 'pending', attempts = t.attempts + 1, owner = ?, lease_until = ?,"
        + " updated_at = ?, result = NULL, error_kind = NULL"
        + " FROM picked WHERE t.id = picked.id RETURNING " + prefixed("t.") + ", t.seq";
  }

  String claim(QueueOrder order) {
    return switch (order) {
      case LIFO -> claimLifo;
      case PRIORITY -> claimPriority;
      default -> claimFifo;
    };
  }

  /** Newest first, filtered as asked; the statuses parameter is a text array (empty: all). */
  String list(boolean byType, boolean byStatus, boolean after) {
    StringBuilder sb = new StringBuilder(select).append(" WHERE true");
    if (byType) {
      sb.append(" AND task_type = ?");
    }
    if (byStatus) {
      sb.append(" AND status = ANY (?)");
    }
    if (after) {
      sb.append(" AND seq < (SELECT seq FROM ").append(tasks).append(" WHERE id = ?)");
    }
    return sb.append(" ORDER BY seq DESC LIMIT ?").toString();
  }

  private static String prefixed(String p) {
    return p + COLUMNS.replace(", ", ", " + p);
  }

  static void bindInsert(PreparedStatement ps, StoredTask t) throws SQLException {
    ps.setString(1, t.id());
    ps.setString(2, t.taskType());
    ps.setBytes(3, t.data());
    ps.setInt(4, t.priority());
    ps.setString(5, t.status().wireName());
    ps.setInt(6, t.attempts());
    ps.setInt(7, t.retryBase());
    setInt(ps, 8, t.maxRetries());
    setLong(ps, 9, t.timeoutMillis());
    setTime(ps, 10, t.createdAt());
    setTime(ps, 11, t.updatedAt());
    setTime(ps, 12, t.notBefore());
    ps.setString(13, t.owner());
    setTime(ps, 14, t.leaseUntil());
    ps.setBytes(15, t.resultJson());
    ps.setString(16, t.errorKind());
    ps.setString(17, t.lastError());
    ps.setBoolean(18, t.cancelRequested());
  }

  /** The row at the result set's cursor, columns in {@link #COLUMNS} order. */
  static StoredTask row(ResultSet rs) throws SQLException {
    return new StoredTask(rs.getString(1), rs.getString(2), rs.getBytes(3), rs.getInt(4),
        TaskStatus.parse(rs.getString(5)), rs.getInt(6), rs.getInt(7), (Integer) rs.getObject(8),
        (Long) rs.getObject(9), time(rs, 10), time(rs, 11), time(rs, 12), rs.getString(13), time(rs, 14),
        rs.getBytes(15), rs.getString(16), rs.getString(17), rs.getBoolean(18));
  }

  static void setTime(PreparedStatement ps, int i, Instant t) throws SQLException {
    if (t == null) {
      ps.setNull(i, Types.TIMESTAMP_WITH_TIMEZONE);
    } else {
      ps.setObject(i, OffsetDateTime.ofInstant(t, ZoneOffset.UTC));
    }
  }

  private static void setInt(PreparedStatement ps, int i, Integer v) throws SQLException {
    if (v == null) {
      ps.setNull(i, Types.INTEGER);
    } else {
      ps.setInt(i, v);
    }
  }

  private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
    if (v == null) {
      ps.setNull(i, Types.BIGINT);
    } else {
      ps.setLong(i, v);
    }
  }

  private static Instant time(ResultSet rs, int i) throws SQLException {
    OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }
}

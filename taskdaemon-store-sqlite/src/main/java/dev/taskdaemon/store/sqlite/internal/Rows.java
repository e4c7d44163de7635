package dev.taskdaemon.store.sqlite.internal;

import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.spi.StoredTask;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.Comparator;

/**
 * The {@code tasks} table's columns and how a {@link StoredTask} maps to them. Times are epoch
 * milliseconds; statuses are their lowercase wire names, so the file reads well in the {@code sqlite3}
 * shell.
 */
public final class Rows {
  /** Every column, in the order {@link #read} expects. */
  public static final String COLUMNS = "seq, id, task_type, data, priority, status, attempts, retry_base, "
      + "max_retries, timeout_ms, created_at, updated_at, not_before, owner, lease_until, result, error_kind, "
      + "last_error, cancel_requested";

  /** The insert: its eighteen parameters are bound by {@link #bindInsert}. */
  public static final String INSERT = "INSERT INTO tasks (id, task_type, data, priority, status, attempts, "
      + "retry_base, max_retries, timeout_ms, created_at, updated_at, not_before, owner, lease_until, result, "
      + "error_kind, last_error, cancel_requested) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      + "ON CONFLICT (id) DO NOTHING";

  private Rows() {}

  /** A row read with {@link #COLUMNS}, and its insertion order. */
  public record Row(long seq, StoredTask task) {}

  public static Row read(ResultSet rs) throws SQLException {
    long seq = rs.getLong(1);
    StoredTask t = new StoredTask(
        rs.getString(2),
        rs.getString(3),
        rs.getBytes(4),
        rs.getInt(5),
        TaskStatus.parse(rs.getString(6)),
        rs.getInt(7),
        rs.getInt(8),
        integer(rs, 9),
        longOrNull(rs, 10),
        instant(rs, 11),
        instant(rs, 12),
        instant(rs, 13),
        rs.getString(14),
        instant(rs, 15),
        rs.getBytes(16),
        rs.getString(17),
        rs.getString(18),
        rs.getInt(19) != 0);
    return new Row(seq, t);
  }

  public static void bindInsert(PreparedStatement ps, StoredTask t) throws SQLException {
    ps.setString(1, t.id());
    ps.setString(2, t.taskType());
    ps.setBytes(3, t.data());
    ps.setInt(4, t.priority());
    ps.setString(5, t.status().wireName());
    ps.setInt(6, t.attempts());
    ps.setInt(7, t.retryBase());
    setInt(ps, 8, t.maxRetries());
    setLong(ps, 9, t.timeoutMillis());
    ps.setLong(10, t.createdAt().toEpochMilli());
    ps.setLong(11, t.updatedAt().toEpochMilli());
    setTime(ps, 12, t.notBefore());
    ps.setString(13, t.owner());
    setTime(ps, 14, t.leaseUntil());
    ps.setBytes(15, t.resultJson());
    ps.setString(16, t.errorKind());
    ps.setString(17, t.lastError());
    ps.setInt(18, t.cancelRequested() ? 1 : 0);
  }

  /** The same row in another status. */
  public static StoredTask withStatus(StoredTask t, TaskStatus status) {
    return new StoredTask(t.id(), t.taskType(), t.data(), t.priority(), status, t.attempts(), t.retryBase(),
        t.maxRetries(), t.timeoutMillis(), t.createdAt(), t.updatedAt(), t.notBefore(), t.owner(), t.leaseUntil(),
        t.resultJson(), t.errorKind(), t.lastError(), t.cancelRequested());
  }

  /** The order claims return rows in (the database returns updated rows in an order of its own). */
  public static Comparator<Row> claimOrder(QueueOrder order) {
    return switch (order) {
      case LIFO -> Comparator.comparingLong(Row::seq).reversed();
      case PRIORITY -> Comparator.comparingInt((Row r) -> -r.task().priority()).thenComparingLong(Row::seq);
      default -> Comparator.comparingLong(Row::seq);
    };
  }

  public static void setTime(PreparedStatement ps, int i, Instant t) throws SQLException {
    if (t == null) {
      ps.setNull(i, Types.BIGINT);
    } else {
      ps.setLong(i, t.toEpochMilli());
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

  private static Integer integer(ResultSet rs, int i) throws SQLException {
    int v = rs.getInt(i);
    return rs.wasNull() ? null : v;
  }

  private static Long longOrNull(ResultSet rs, int i) throws SQLException {
    long v = rs.getLong(i);
    return rs.wasNull() ? null : v;
  }

  private static Instant instant(ResultSet rs, int i) throws SQLException {
    long v = rs.getLong(i);
    return rs.wasNull() ? null : Instant.ofEpochMilli(v);
  }
}

package dev.taskdaemon.store.sqlite.internal;

import dev.taskdaemon.StoreException;
import dev.taskdaemon.TaskQuery;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.spi.StoredTask;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The read-only connection: lookups and listings, which in WAL mode see every committed write and
 * never wait for the writer. One lock, since a JDBC connection serves one thread at a time.
 */
public final class ReadSide implements AutoCloseable {
  /** Ids per {@code IN (...)} lookup; SQLite allows many more parameters, this keeps statements small. */
  private static final int IDS_PER_QUERY = 500;

  /**
   * The backlog: open rows of a type that nobody holds (parameters: task type, task type, now). Counted
   * as all open rows, from the claim index alone (no row is read), less the held ones, which the owner
   * index finds and which are few: a host's window. Reading each open row to check its owner instead
   * took ten times as long on a large backlog.
   */
  static final String COUNT_PENDING = "SELECT (SELECT count(*) FROM tasks INDEXED BY tasks_claim_fifo "
      + "WHERE task_type = ? AND " + Schema.OPEN + ") - (SELECT count(*) FROM tasks INDEXED BY tasks_owner "
      + "WHERE owner IS NOT NULL AND task_type = ? AND " + Schema.OPEN
      + " AND (lease_until IS NULL OR lease_until > ?))";

  private final Path file;
  private final Connection c;
  private final ReentrantLock lock = new ReentrantLock();
  private final PreparedStatement find;
  private final PreparedStatement cancelRequested;
  private final PreparedStatement countPending;
  private boolean closed;

  public ReadSide(Path file, Connection c) throws SQLException {
    this.file = file;
    this.c = c;
    this.find = c.prepareStatement("SELECT " + Rows.COLUMNS + " FROM tasks WHERE id = ?");
    this.cancelRequested = c.prepareStatement("SELECT id FROM tasks WHERE owner = ? AND cancel_requested = 1 AND "
        + Schema.OPEN + " ORDER BY seq");
    this.countPending = c.prepareStatement(COUNT_PENDING);
  }

  private interface Work<T> {
    T run() throws SQLException;
  }

  private <T> T read(String what, Work<T> work) {
    lock.lock();
    try {
      if (closed) {
        throw new StoreException("SQLite store " + file + " is closed, could not " + what);
      }
      return work.run();
    } catch (SQLException e) {
      throw SqliteErrors.wrap(file, what, e);
    } finally {
      lock.unlock();
    }
  }

  public Optional<StoredTask> find(String id) {
    return read("read task " + id, () -> {
      find.setString(1, id);
      try (ResultSet rs = find.executeQuery()) {
        return rs.next() ? Optional.of(Rows.read(rs).task()) : Optional.empty();
      }
    });
  }

  public List<StoredTask> findAll(Collection<String> ids) {
    List<String> all = List.copyOf(ids);
    Map<String, StoredTask> found = new HashMap<>();
    for (int from = 0; from < all.size(); from += IDS_PER_QUERY) {
      List<String> chunk = all.subList(from, Math.min(all.size(), from + IDS_PER_QUERY));
      read("read " + chunk.size() + " tasks", () -> {
        String sql = "SELECT " + Rows.COLUMNS + " FROM tasks WHERE id IN (" + placeholders(chunk.size()) + ")";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
          for (int i = 0; i < chunk.size(); i++) {
            ps.setString(i + 1, chunk.get(i));
          }
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              StoredTask t = Rows.read(rs).task();
              found.put(t.id(), t);
            }
          }
        }
        return null;
      });
    }
    List<StoredTask> out = new ArrayList<>();
    for (String id : all) {
      StoredTask t = found.get(id);
      if (t != null) {
        out.add(t);
      }
    }
    return out;
  }

  public List<StoredTask> list(TaskQuery q) {
    StringBuilder sql = new StringBuilder("SELECT ").append(Rows.COLUMNS).append(" FROM tasks WHERE 1 = 1");
    List<TaskStatus> statuses = List.copyOf(q.statuses());
    if (!statuses.isEmpty()) {
      sql.append(" AND status IN (").append(placeholders(statuses.size())).append(')');
    }
    if (q.taskType() != null) {
      sql.append(" AND task_type = ?");
    }
    if (q.after() != null) {
      // An unknown cursor makes the comparison NULL: no rows, as for a page past the end.
      sql.append(" AND seq < (SELECT seq FROM tasks WHERE id = ?)");
    }
    sql.append(" ORDER BY seq DESC LIMIT ?");
    return read("list tasks", () -> {
      try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
        int i = 1;
        for (TaskStatus s : statuses) {
          ps.setString(i++, s.wireName());
        }
        if (q.taskType() != null) {
          ps.setString(i++, q.taskType());
        }
        if (q.after() != null) {
          ps.setString(i++, q.after());
        }
        ps.setInt(i, q.limit());
        List<StoredTask> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(Rows.read(rs).task());
          }
        }
        return out;
      }
    });
  }

  public List<String> cancelRequested(String owner) {
    return read("list cancel requests", () -> {
      cancelRequested.setString(1, owner);
      List<String> ids = new ArrayList<>();
      try (ResultSet rs = cancelRequested.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getString(1));
        }
      }
      return ids;
    });
  }

  public long countPending(String taskType, Instant now) {
    return read("count pending tasks of type '" + taskType + "'", () -> {
      countPending.setString(1, taskType);
      countPending.setString(2, taskType);
      countPending.setLong(3, now.toEpochMilli());
      try (ResultSet rs = countPending.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0L;
      }
    });
  }

  static String placeholders(int n) {
    StringBuilder sb = new StringBuilder(n * 3);
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "?" : ", ?");
    }
    return sb.toString();
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (!closed) {
        closed = true;
        c.close();
      }
    } catch (SQLException e) {
      throw SqliteErrors.wrap(file, "close its read connection", e);
    } finally {
      lock.unlock();
    }
  }
}

package dev.taskdaemon.store.sqlite.internal;

import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.StoreException;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.spi.StoreWrite;
import dev.taskdaemon.spi.StoredTask;
import dev.taskdaemon.spi.TaskStore.CancelOutcome;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one connection that changes the file, behind one lock: every method is one transaction, with
 * statements prepared once and values only ever bound. Since one daemon owns the file (the lock file
 * sees to that), this lock is all that orders claims: no two claims can return the same task.
 */
public final class WriteSide implements AutoCloseable {
  /** Rows a purge removes per transaction, so enqueues wait at most one chunk for it. */
  static final int PURGE_CHUNK = 2000;
  /**
   * What a claim may take. Claims name their index (INDEXED BY): the planner, which has no statistics,
   * would otherwise pick the listing index on (task_type, seq) and walk every finished row too.
   */
  private static final String CLAIMABLE = "task_type = ? AND " + Schema.OPEN
      + " AND (not_before IS NULL OR not_before <= ?) AND " + Schema.NOT_HELD;

  private final Path file;
  private final Connection c;
  private final ReentrantLock lock = new ReentrantLock();
  private final Statement plain;
  private final PreparedStatement insert;
  private final PreparedStatement start;
  private final PreparedStatement release;
  private final PreparedStatement finishOwned;
  private final PreparedStatement finishFree;
  private final Map<QueueOrder, PreparedStatement> claim = new EnumMap<>(QueueOrder.class);
  private final PreparedStatement backToPending;
  private final PreparedStatement renew;
  private final PreparedStatement cancelLookup;
  private final PreparedStatement cancelRequest;
  private final PreparedStatement cancelNow;
  private final PreparedStatement redrive;
  private final PreparedStatement delete;
  private final PreparedStatement purge;
  private boolean closed;

  public WriteSide(Path file, Connection c) throws SQLException {
    this.file = file;
    this.c = c;
    this.plain = c.createStatement();
    this.insert = c.prepareStatement(Rows.INSERT);
    // SET sees the row as it was: a new holder starts without a lease, the old one keeps its own.
    this.start = c.prepareStatement("UPDATE tasks SET status = 'processing', attempts = MAX(attempts, ?), "
        + "updated_at = ?, not_before = NULL, lease_until = CASE WHEN owner = ? THEN lease_until END, owner = ? "
        + "WHERE id = ? AND " + Schema.OPEN + " AND (owner = ? OR " + Schema.NOT_HELD + ")");
    this.release = c.prepareStatement("UPDATE tasks SET status = 'pending', owner = NULL, lease_until = NULL, "
        + "not_before = ?, last_error = COALESCE(?, last_error), updated_at = ?, attempts = max(0, attempts - ?)"
        + " WHERE id = ? AND owner = ? AND " + Schema.OPEN);
    String finish = "UPDATE tasks SET status = ?, result = ?, error_kind = ?, last_error = COALESCE(?, last_error), "
        + "updated_at = ?, owner = NULL, lease_until = NULL, not_before = NULL, cancel_requested = 0 "
        + "WHERE id = ? AND " + Schema.OPEN;
    this.finishOwned = c.prepareStatement(finish + " AND owner = ?");
    this.finishFree = c.prepareStatement(finish + " AND " + Schema.NOT_HELD);
    for (QueueOrder order : QueueOrder.values()) {
      claim.put(order, c.prepareStatement(claimSql(order)));
    }
    this.backToPending = c.prepareStatement("UPDATE tasks SET status = 'pending' WHERE seq = ?");
    this.renew = c.prepareStatement("UPDATE tasks SET lease_until = ? WHERE owner = ? AND " + Schema.OPEN);
    this.cancelLookup = c.prepareStatement("SELECT status, owner, lease_until FROM tasks WHERE id = ?");
    this.cancelRequest = c.prepareStatement("UPDATE tasks SET cancel_requested = 1, updated_at = ? WHERE id = ?");
    this.cancelNow = c.prepareStatement("UPDATE tasks SET status = 'cancelled', owner = NULL, lease_until = NULL, "
        + "not_before = NULL, result = NULL, error_kind = 'CANCELLED', last_error = ?, cancel_requested = 0, "
        + "updated_at = ? WHERE id = ?");
    this.redrive = c.prepareStatement("UPDATE tasks SET status = 'pending', retry_base = attempts, updated_at = ?, "
        + "not_before = NULL, owner = NULL, lease_until = NULL, result = NULL, error_kind = NULL, "
        + "cancel_requested = 0 WHERE id = ? AND status IN ('failed', 'cancelled')");
    this.delete = c.prepareStatement("DELETE FROM tasks WHERE id = ?");
    this.purge = c.prepareStatement("DELETE FROM tasks WHERE seq IN (SELECT seq FROM tasks WHERE " + Schema.FINAL
        + " AND updated_at < ? LIMIT " + PURGE_CHUNK + ")");
  }

  /**
   * A claim in {@code order}: its parameters are owner, lease, now, task type, now, now, max. It leaves
   * {@code status} out of its SET list on purpose: SQLite rewrites every index that involves a column
   * the SET list names, and four involve status. The rare running row whose lease ran out is set back
   * to pending by a second statement ({@link #claim}).
   */
  static String claimSql(QueueOrder order) {
    String indexAndOrder = switch (order) {
      case LIFO -> "tasks_claim_fifo WHERE " + CLAIMABLE + " ORDER BY seq DESC";
      case PRIORITY -> "tasks_claim_priority WHERE " + CLAIMABLE + " ORDER BY priority DESC, seq";
      default -> "tasks_claim_fifo WHERE " + CLAIMABLE + " ORDER BY seq";
    };
    return "UPDATE tasks SET attempts = attempts + 1, owner = ?, lease_until = ?, updated_at = ? "
        + "WHERE seq IN (SELECT seq FROM tasks INDEXED BY " + indexAndOrder + " LIMIT ?) RETURNING " + Rows.COLUMNS;
  }

  private interface Work<T> {
    T run() throws SQLException;
  }

  /** Runs {@code work} in one transaction that takes the write lock at once, and commits. */
  private <T> T transact(String what, Work<T> work) {
    lock.lock();
    try {
      if (closed) {
        throw new StoreException("SQLite store " + file + " is closed, could not " + what);
      }
      plain.execute("BEGIN IMMEDIATE");
      boolean committed = false;
      try {
        T out = work.run();
        plain.execute("COMMIT");
        committed = true;
        return out;
      } finally {
        if (!committed) {
          rollback();
        }
      }
    } catch (SQLException e) {
      throw SqliteErrors.wrap(file, what, e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Ends a failed transaction. A failed COMMIT can leave it open, and it must not linger into the next
   * call; when SQLite already rolled it back (a full disk does), this ROLLBACK fails harmlessly.
   */
  private void rollback() {
    try {
      plain.execute("ROLLBACK");
    } catch (SQLException ignored) {
      // The first failure is the one to report.
    }
  }

  /**
   * Applies the writes in order in one transaction. Runs of writes that share a statement go to SQLite
   * as one JDBC batch (one call into the driver instead of one per write: about a third faster).
   */
  public List<Boolean> write(List<StoreWrite> writes) {
    return transact("write " + writes.size() + " task change(s)", () -> {
      List<Boolean> out = new ArrayList<>(writes.size());
      PreparedStatement pending = null;
      for (StoreWrite w : writes) {
        PreparedStatement ps = bind(w);
        if (pending != null && ps != pending) {
          flush(pending, out);
        }
        ps.addBatch();
        pending = ps;
      }
      if (pending != null) {
        flush(pending, out);
      }
      return out;
    });
  }

  private static void flush(PreparedStatement ps, List<Boolean> out) throws SQLException {
    for (int n : ps.executeBatch()) {
      out.add(n == 1);
    }
  }

  /** Binds the write's values to its statement and returns the statement. */
  private PreparedStatement bind(StoreWrite w) throws SQLException {
    if (w instanceof StoreWrite.Insert ins) {
      Rows.bindInsert(insert, ins.task());
      return insert;
    }
    if (w instanceof StoreWrite.Start s) {
      start.setInt(1, s.attempt());
      start.setLong(2, s.at().toEpochMilli());
      start.setString(3, s.owner());
      start.setString(4, s.owner());
      start.setString(5, s.id());
      start.setString(6, s.owner());
      start.setLong(7, s.at().toEpochMilli());
      return start;
    }
    if (w instanceof StoreWrite.Release r) {
      Rows.setTime(release, 1, r.notBefore());
      release.setString(2, r.lastError());
      release.setLong(3, r.at().toEpochMilli());
      release.setInt(4, r.unclaim() ? 1 : 0);
      release.setString(5, r.id());
      release.setString(6, r.owner());
      return release;
    }
    StoreWrite.Finish f = (StoreWrite.Finish) w;
    PreparedStatement ps = f.owner() != null ? finishOwned : finishFree;
    ps.setString(1, f.status().wireName());
    ps.setBytes(2, f.resultJson());
    ps.setString(3, f.errorKind());
    ps.setString(4, f.error());
    ps.setLong(5, f.at().toEpochMilli());
    ps.setString(6, f.id());
    if (f.owner() != null) {
      ps.setString(7, f.owner());
    } else {
      ps.setLong(7, f.at().toEpochMilli());
    }
    return ps;
  }

  public List<StoredTask> claim(String taskType, QueueOrder order, int max, String owner, Instant now,
      Instant leaseUntil) {
    return transact("claim tasks of type '" + taskType + "'", () -> {
      PreparedStatement ps = claim.get(order);
      ps.setString(1, owner);
      ps.setLong(2, leaseUntil.toEpochMilli());
      ps.setLong(3, now.toEpochMilli());
      ps.setString(4, taskType);
      ps.setLong(5, now.toEpochMilli());
      ps.setLong(6, now.toEpochMilli());
      ps.setInt(7, max);
      List<Rows.Row> rows = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(Rows.read(rs));
        }
      }
      rows.sort(Rows.claimOrder(order));
      List<StoredTask> out = new ArrayList<>(rows.size());
      for (Rows.Row r : rows) {
        StoredTask t = r.task();
        if (t.status() == TaskStatus.PROCESSING) {
          // Its attempt was lost with its lease: the new holder starts it afresh.
          backToPending.setLong(1, r.seq());
          backToPending.executeUpdate();
          t = Rows.withStatus(t, TaskStatus.PENDING);
        }
        out.add(t);
      }
      return out;
    });
  }

  public int renewLeases(String owner, Instant leaseUntil) {
    return transact("renew the leases of " + owner, () -> {
      renew.setLong(1, leaseUntil.toEpochMilli());
      renew.setString(2, owner);
      return renew.executeUpdate();
    });
  }

  public CancelOutcome cancel(String id, String error, Instant now) {
    return transact("cancel task " + id, () -> {
      cancelLookup.setString(1, id);
      boolean held;
      try (ResultSet rs = cancelLookup.executeQuery()) {
        if (!rs.next()) {
          return CancelOutcome.UNKNOWN;
        }
        if (TaskStatus.parse(rs.getString(1)).isFinal()) {
          return CancelOutcome.ALREADY_FINAL;
        }
        String owner = rs.getString(2);
        long lease = rs.getLong(3);
        boolean noLease = rs.wasNull();
        held = owner != null && (noLease || lease > now.toEpochMilli());
      }
      if (held) {
        cancelRequest.setLong(1, now.toEpochMilli());
        cancelRequest.setString(2, id);
        cancelRequest.executeUpdate();
        return CancelOutcome.REQUESTED;
      }
      cancelNow.setString(1, error);
      cancelNow.setLong(2, now.toEpochMilli());
      cancelNow.setString(3, id);
      cancelNow.executeUpdate();
      return CancelOutcome.CANCELLED;
    });
  }

  public boolean redrive(String id, Instant now) {
    return transact("redrive task " + id, () -> {
      redrive.setLong(1, now.toEpochMilli());
      redrive.setString(2, id);
      return redrive.executeUpdate() == 1;
    });
  }

  public boolean delete(String id) {
    return transact("delete task " + id, () -> {
      delete.setString(1, id);
      return delete.executeUpdate() == 1;
    });
  }

  /** Purges in chunks, each its own transaction, so that a large purge never stalls the writes. */
  public int purge(Instant cutoff) {
    int total = 0;
    while (true) {
      int n = transact("purge finished tasks", () -> {
        purge.setLong(1, cutoff.toEpochMilli());
        return purge.executeUpdate();
      });
      total += n;
      if (n < PURGE_CHUNK) {
        return total;
      }
    }
  }

  /**
   * At open: nobody else can hold a task of this file, so every claim an earlier run left is void and
   * its tasks are claimable at once. A task whose cancellation was requested keeps the request: the
   * host that claims it next cancels it instead of running it.
   */
  public int expireLeases(Instant now) {
    return transact("expire the leases of earlier runs", () -> {
      try (PreparedStatement free = c.prepareStatement("UPDATE tasks SET status = 'pending', owner = NULL, "
          + "lease_until = NULL, updated_at = ? WHERE owner IS NOT NULL AND " + Schema.OPEN)) {
        free.setLong(1, now.toEpochMilli());
        return free.executeUpdate();
      }
    });
  }

  /**
   * Lets SQLite refresh the statistics its planner uses for listings, as SQLite advises before a
   * connection closes; cheap, and a failure only costs plans.
   */
  private void optimize() {
    try {
      plain.execute("PRAGMA optimize");
    } catch (SQLException ignored) {
      // Closing matters more.
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (!closed) {
        closed = true;
        optimize();
        c.close();
      }
    } catch (SQLException e) {
      throw SqliteErrors.wrap(file, "close its write connection", e);
    } finally {
      lock.unlock();
    }
  }
}

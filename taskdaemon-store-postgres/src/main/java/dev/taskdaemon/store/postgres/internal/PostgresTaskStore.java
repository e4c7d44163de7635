package dev.taskdaemon.store.postgres.internal;

import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.StoreException;
import dev.taskdaemon.TaskQuery;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.spi.StoreContext;
import dev.taskdaemon.spi.StoreWrite;
import dev.taskdaemon.spi.StoredTask;
import dev.taskdaemon.spi.TaskStore;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A task store in PostgreSQL that several hosts share. Each daemon name gets its own tables ({@link
 * Namespace}). Claims lock rows with {@code FOR UPDATE SKIP LOCKED}, so hosts claiming at once never
 * take the same task and never wait for each other; a claim is a lease the owner renews, and a row
 * whose lease ran out is claimable again. Writes that make work claimable or finish a task send a
 * notification that wakes every host's {@link Listener}.
 *
 * <p>Connections: one {@link Slot} each for writes, claims, reads and the rest (leases, cancel,
 * purge), so a heartbeat or a lookup never queues behind a batch of writes; plus the listener's. Each
 * is reopened when lost.
 */
public final class PostgresTaskStore implements TaskStore {
  private final Connector connector;
  private final Slot writes;
  private final Slot claims;
  private final Slot reads;
  private final Slot admin;
  private volatile Namespace ns;
  private volatile Sql sql;
  private volatile Listener listener;

  /** A store over the database at {@code url} (a JDBC URL without a password), opened by {@link #open}. */
  public PostgresTaskStore(String url, String password) {
    this.connector = new Connector(url, password);
    this.writes = new Slot(connector, false, "write");
    // Claims commit durably like every other change: the engine may treat a claim's attempts + 1 as the
    // committed attempt number before it writes the request. (If every dispatch waited for a durable
    // Start write, claims could run with synchronous_commit off: that Start would flush them.)
    this.claims = new Slot(connector, true, "claim");
    this.reads = new Slot(connector, true, "read");
    this.admin = new Slot(connector, false, "admin");
  }

  /** The URL with any password in it replaced by {@code ***}. */
  public static String redact(String url) {
    return Connector.redact(url);
  }

  /** True when the URL carries a password (a {@code password} parameter or {@code user:password@}). */
  public static boolean hasPassword(String url) {
    return Connector.hasPassword(url);
  }

  @Override
  public String describe() {
    return "postgres " + connector.shownUrl();
  }

  @Override
  public boolean durable() {
    return true;
  }

  @Override
  public synchronized void open(StoreContext context) {
    if (ns != null) {
      throw new IllegalStateException(describe() + " is already open");
    }
    Namespace namespace;
    try {
      namespace = Namespace.of(context.daemon());
    } catch (IllegalArgumentException e) {
      throw new StoreException("PostgreSQL store " + connector.shownUrl() + ": " + e.getMessage());
    }
    connector.applicationName("taskdaemon " + context.daemon());
    Schema.migrate(admin, namespace, connector);
    this.sql = new Sql(namespace);
    this.ns = namespace;
    this.listener = new Listener(connector, namespace.channel(), context.wake(),
        "td-" + context.daemon() + "-pg-listen");
    listener.start();
  }

  /** The namespace's tables, for messages and tests; null before {@link #open}. */
  public Namespace namespace() {
    return ns;
  }

  private Sql sql() {
    Sql s = sql;
    if (s == null) {
      throw new IllegalStateException(describe() + " is not open");
    }
    return s;
  }

  @Override
  public List<Boolean> write(List<StoreWrite> batch) {
    Sql q = sql();
    if (batch.isEmpty()) {
      return List.of();
    }
    return writes.run("write " + batch.size() + " task change(s)", s -> {
      List<Boolean> out = new ArrayList<>(batch.size());
      boolean wakeOthers = false;
      int i = 0;
      while (i < batch.size()) {
        // Consecutive writes of one kind go together, as one statement (Bulk) or one JDBC batch: one
        // round trip, order kept.
        Class<?> kind = batch.get(i).getClass();
        int end = i;
        while (end < batch.size() && batch.get(end).getClass() == kind) {
          end++;
        }
        List<StoreWrite> run = batch.subList(i, end);
        for (boolean applied : Bulk.fits(run) ? bulk(s, q, run) : batched(s, q, run)) {
          out.add(applied);
          wakeOthers |= applied && wakes(batch.get(i));
          i++;
        }
      }
      if (wakeOthers) {
        notify(s);
      }
      s.commit();
      return out;
    });
  }

  private static List<Boolean> bulk(Slot s, Sql q, List<StoreWrite> run) throws SQLException {
    Set<String> applied = q.bulk.apply(s, run);
    List<Boolean> out = new ArrayList<>(run.size());
    for (StoreWrite w : run) {
      out.add(applied.contains(w.id()));
    }
    return out;
  }

  private static List<Boolean> batched(Slot s, Sql q, List<StoreWrite> run) throws SQLException {
    PreparedStatement ps = s.prepare(statementFor(q, run.get(0)));
    for (StoreWrite w : run) {
      bind(ps, w);
      if (run.size() > 1) {
        ps.addBatch();
      }
    }
    int[] counts = run.size() > 1 ? ps.executeBatch() : new int[] {ps.executeUpdate()};
    List<Boolean> out = new ArrayList<>(run.size());
    for (int c : counts) {
      out.add(c > 0);
    }
    return out;
  }

  private static String statementFor(Sql q, StoreWrite w) {
    if (w instanceof StoreWrite.Insert) {
      return q.insert;
    } else if (w instanceof StoreWrite.Start) {
      return q.start;
    } else if (w instanceof StoreWrite.Release) {
      return q.release;
    }
    return q.finish;
  }

  private static void bind(PreparedStatement ps, StoreWrite w) throws SQLException {
    if (w instanceof StoreWrite.Insert ins) {
      Sql.bindInsert(ps, ins.task());
    } else if (w instanceof StoreWrite.Start st) {
      ps.setInt(1, st.attempt());
      Sql.setTime(ps, 2, st.at());
      ps.setString(3, st.owner());
      ps.setString(4, st.owner());
      ps.setString(5, st.id());
      ps.setString(6, st.owner());
      Sql.setTime(ps, 7, st.at());
    } else if (w instanceof StoreWrite.Release r) {
      Sql.setTime(ps, 1, r.notBefore());
      ps.setString(2, r.lastError());
      Sql.setTime(ps, 3, r.at());
      ps.setInt(4, r.unclaim() ? 1 : 0);
      ps.setString(5, r.id());
      ps.setString(6, r.owner());
    } else {
      StoreWrite.Finish f = (StoreWrite.Finish) w;
      ps.setString(1, f.status().wireName());
      ps.setBytes(2, f.resultJson());
      ps.setString(3, f.errorKind());
      ps.setString(4, f.error());
      Sql.setTime(ps, 5, f.at());
      ps.setString(6, f.id());
      ps.setString(7, f.owner());
      Sql.setTime(ps, 8, f.at());
      ps.setString(9, f.owner());
    }
  }

  /** Work another host could claim now or later, or an outcome someone may be awaiting. */
  private static boolean wakes(StoreWrite w) {
    if (w instanceof StoreWrite.Insert ins) {
      return ins.task().owner() == null;
    }
    return !(w instanceof StoreWrite.Start);
  }

  /** Queued in the transaction: PostgreSQL delivers it at commit, and not at all on rollback. */
  private void notify(Slot s) throws SQLException {
    PreparedStatement ps = s.prepare(sql.notify);
    ps.setString(1, ns.channel());
    ps.executeQuery().close();
  }

  @Override
  public List<StoredTask> claim(String taskType, QueueOrder order, int max, String owner, Instant now,
      Instant leaseUntil) {
    Sql q = sql();
    if (max <= 0) {
      return List.of();
    }
    return claims.run("claim tasks of '" + taskType + "'", s -> {
      PreparedStatement ps = s.prepare(q.claim(order));
      ps.setString(1, taskType);
      Sql.setTime(ps, 2, now);
      Sql.setTime(ps, 3, now);
      ps.setInt(4, max);
      ps.setString(5, owner);
      Sql.setTime(ps, 6, leaseUntil);
      Sql.setTime(ps, 7, now);
      List<StoredTask> out = new ArrayList<>();
      Map<String, Long> seq = new HashMap<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          StoredTask t = Sql.row(rs);
          out.add(t);
          seq.put(t.id(), rs.getLong(19));
        }
      }
      Comparator<StoredTask> bySeq = Comparator.comparingLong(t -> seq.get(t.id()));
      out.sort(switch (order) {
        case LIFO -> bySeq.reversed();
        case PRIORITY -> Comparator.comparingInt((StoredTask t) -> -t.priority()).thenComparing(bySeq);
        default -> bySeq;
      });
      return out;
    });
  }

  @Override
  public int renewLeases(String owner, Instant leaseUntil) {
    Sql q = sql();
    return admin.run("renew the leases of " + owner, s -> {
      PreparedStatement ps = s.prepare(q.renew);
      Sql.setTime(ps, 1, leaseUntil);
      ps.setString(2, owner);
      int n = ps.executeUpdate();
      s.commit();
      return n;
    });
  }

  @Override
  public List<String> cancelRequested(String owner) {
    Sql q = sql();
    return reads.run("read cancellations", s -> {
      PreparedStatement ps = s.prepare(q.cancelRequested);
      ps.setString(1, owner);
      List<String> ids = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getString(1));
        }
      }
      return ids;
    });
  }

  @Override
  public Optional<StoredTask> find(String id) {
    Sql q = sql();
    return reads.run("read task " + id, s -> {
      PreparedStatement ps = s.prepare(q.find);
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(Sql.row(rs)) : Optional.empty();
      }
    });
  }

  @Override
  public List<StoredTask> findAll(Collection<String> ids) {
    Sql q = sql();
    if (ids.isEmpty()) {
      return List.of();
    }
    List<String> wanted = List.copyOf(ids);
    Map<String, StoredTask> found = reads.run("read " + wanted.size() + " task(s)", s -> {
      PreparedStatement ps = s.prepare(q.findAll);
      Array array = s.connection().createArrayOf("text", wanted.toArray());
      ps.setArray(1, array);
      Map<String, StoredTask> byId = new HashMap<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          StoredTask t = Sql.row(rs);
          byId.put(t.id(), t);
        }
      }
      array.free();
      return byId;
    });
    return wanted.stream().map(found::get).filter(t -> t != null).toList();
  }

  @Override
  public List<StoredTask> list(TaskQuery query) {
    Sql q = sql();
    boolean byType = query.taskType() != null;
    boolean byStatus = !query.statuses().isEmpty();
    boolean after = query.after() != null;
    return reads.run("list tasks", s -> {
      PreparedStatement ps = s.prepare(q.list(byType, byStatus, after));
      int i = 1;
      if (byType) {
        ps.setString(i++, query.taskType());
      }
      if (byStatus) {
        Array statuses = s.connection().createArrayOf("text",
            query.statuses().stream().map(TaskStatus::wireName).toArray());
        ps.setArray(i++, statuses);
      }
      if (after) {
        ps.setString(i++, query.after());
      }
      ps.setInt(i, query.limit());
      List<StoredTask> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(Sql.row(rs));
        }
      }
      return out;
    });
  }

  @Override
  public CancelOutcome cancel(String id, String error, Instant now) {
    Sql q = sql();
    return admin.run("cancel task " + id, s -> {
      PreparedStatement lock = s.prepare(q.lockOne);
      lock.setString(1, id);
      TaskStatus status;
      boolean held;
      try (ResultSet rs = lock.executeQuery()) {
        if (!rs.next()) {
          s.commit();
          return CancelOutcome.UNKNOWN;
        }
        status = TaskStatus.parse(rs.getString(1));
        OffsetDateTime lease = rs.getObject(3, OffsetDateTime.class);
        // An owner without a lease holds the task until it lets go.
        held = rs.getString(2) != null && (lease == null || lease.toInstant().isAfter(now));
      }
      CancelOutcome outcome;
      if (status.isFinal()) {
        outcome = CancelOutcome.ALREADY_FINAL;
      } else if (held) {
        PreparedStatement ps = s.prepare(q.requestCancel);
        Sql.setTime(ps, 1, now);
        ps.setString(2, id);
        ps.executeUpdate();
        outcome = CancelOutcome.REQUESTED;
      } else {
        PreparedStatement ps = s.prepare(q.cancelNow);
        ps.setString(1, error);
        Sql.setTime(ps, 2, now);
        ps.setString(3, id);
        ps.executeUpdate();
        outcome = CancelOutcome.CANCELLED;
      }
      if (outcome != CancelOutcome.ALREADY_FINAL) {
        // The owner acts on a request at its next check; an awaiting host sees the cancelled outcome.
        notify(s);
      }
      s.commit();
      return outcome;
    });
  }

  @Override
  public boolean redrive(String id, Instant now) {
    Sql q = sql();
    return admin.run("redrive task " + id, s -> {
      PreparedStatement ps = s.prepare(q.redrive);
      Sql.setTime(ps, 1, now);
      ps.setString(2, id);
      boolean applied = ps.executeUpdate() > 0;
      if (applied) {
        notify(s);
      }
      s.commit();
      return applied;
    });
  }

  @Override
  public boolean delete(String id) {
    Sql q = sql();
    return admin.run("delete task " + id, s -> {
      PreparedStatement ps = s.prepare(q.delete);
      ps.setString(1, id);
      boolean applied = ps.executeUpdate() > 0;
      s.commit();
      return applied;
    });
  }

  @Override
  public int purge(Instant cutoff) {
    Sql q = sql();
    int total = 0;
    while (true) {
      int n = admin.run("purge finished tasks", s -> {
        PreparedStatement ps = s.prepare(q.purge);
        Sql.setTime(ps, 1, cutoff);
        int deleted = ps.executeUpdate();
        s.commit();
        return deleted;
      });
      total += n;
      if (n < Sql.PURGE_SLICE) {
        return total;
      }
    }
  }

  @Override
  public long countPending(String taskType) {
    Sql q = sql();
    Instant now = Instant.now();
    return reads.run("count pending tasks of '" + taskType + "'", s -> {
      PreparedStatement ps = s.prepare(q.countPending);
      ps.setString(1, taskType);
      Sql.setTime(ps, 2, now);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  @Override
  public void close() {
    Listener l;
    synchronized (this) {
      l = listener;
      listener = null;
    }
    if (l != null) {
      l.close();
    }
    writes.close();
    claims.close();
    reads.close();
    admin.close();
  }

  /** True while the listen thread runs (for tests). */
  public boolean listening() {
    Listener l = listener;
    return l != null && l.alive();
  }

  @Override
  public String toString() {
    return describe();
  }
}

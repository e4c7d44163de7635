package dev.taskdaemon.internal;

import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.TaskQuery;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.spi.StoreContext;
import dev.taskdaemon.spi.StoreWrite;
import dev.taskdaemon.spi.StoredTask;
import dev.taskdaemon.spi.TaskStore;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The default store: rows in the heap, gone with the process. Keeps at most {@code maxFinished}
 * finished rows (the oldest finished go first) besides the retention the engine purges by, so a
 * long-running host does not grow with every task it ran. One lock; each call is short.
 */
public final class MemoryTaskStore implements TaskStore {
  private final int maxFinished;
  private final Map<String, Row> byId = new HashMap<>();
  private final NavigableMap<Long, Row> bySeq = new TreeMap<>();
  /** Finished rows in the order they finished, for the cap. May hold rows since removed or redriven. */
  private final ArrayDeque<Row> finished = new ArrayDeque<>();
  private long seq;
  private int finishedCount;

  private static final class Row {
    final long seq;
    StoredTask task;
    boolean countedFinished;

    Row(long seq, StoredTask task) {
      this.seq = seq;
      this.task = task;
    }
  }

  public MemoryTaskStore(int maxFinished) {
    this.maxFinished = maxFinished;
  }

  @Override
  public String describe() {
    return "memory";
  }

  @Override
  public boolean durable() {
    return false;
  }

  @Override
  public void open(StoreContext context) {}

  @Override
  public synchronized List<Boolean> write(List<StoreWrite> writes) {
    List<Boolean> out = new ArrayList<>(writes.size());
    for (StoreWrite w : writes) {
      out.add(apply(w));
    }
    return out;
  }

  /** One write, without the list: the engine's hot path with this store. */
  public synchronized boolean write(StoreWrite w) {
    return apply(w);
  }

  private boolean apply(StoreWrite w) {
    if (w instanceof StoreWrite.Insert ins) {
      if (byId.containsKey(ins.id())) {
        return false;
      }
      Row r = new Row(++seq, ins.task());
      byId.put(ins.id(), r);
      bySeq.put(r.seq, r);
      return true;
    }
    Row r = byId.get(w.id());
    if (r == null) {
      return false;
    }
    StoredTask t = r.task;
    if (t.status().isFinal()) {
      return false;
    }
    if (w instanceof StoreWrite.Start s) {
      if (!s.owner().equals(t.owner()) && held(t, s.at())) {
        return false;
      }
      r.task = copy(t, TaskStatus.PROCESSING, Math.max(t.attempts(), s.attempt()), t.retryBase(), s.at(), null,
          s.owner(), s.owner().equals(t.owner()) ? t.leaseUntil() : null, null, null, t.lastError(),
          t.cancelRequested());
      return true;
    }
    if (w instanceof StoreWrite.Release rel) {
      if (!rel.owner().equals(t.owner())) {
        return false;
      }
      r.task = copy(t, TaskStatus.PENDING, t.attempts(), t.retryBase(), rel.at(), rel.notBefore(), null, null, null,
          null, rel.lastError() != null ? rel.lastError() : t.lastError(), t.cancelRequested());
      return true;
    }
    StoreWrite.Finish f = (StoreWrite.Finish) w;
    if (f.owner() != null ? !f.owner().equals(t.owner()) : held(t, f.at())) {
      return false;
    }
    r.task = copy(t, f.status(), t.attempts(), t.retryBase(), f.at(), null, null, null, f.resultJson(), f.errorKind(),
        f.error() != null ? f.error() : t.lastError(), false);
    countFinished(r);
    return true;
  }

  private void countFinished(Row r) {
    if (!r.countedFinished) {
      r.countedFinished = true;
      finishedCount++;
      finished.addLast(r);
    }
    while (finishedCount > maxFinished && !finished.isEmpty()) {
      Row old = finished.pollFirst();
      if (old.countedFinished) {
        old.countedFinished = false;
        finishedCount--;
        if (old.task.status().isFinal() && byId.get(old.task.id()) == old) {
          byId.remove(old.task.id());
          bySeq.remove(old.seq);
        }
      }
    }
  }

  private static StoredTask copy(StoredTask t, TaskStatus status, int attempts, int retryBase, Instant updated,
      Instant notBefore, String owner, Instant lease, byte[] result, String kind, String lastError, boolean cancel) {
    return new StoredTask(t.id(), t.taskType(), t.data(), t.priority(), status, attempts, retryBase, t.maxRetries(),
        t.timeoutMillis(), t.createdAt(), updated, notBefore, owner, lease, result, kind, lastError, cancel);
  }

  private static boolean claimable(StoredTask t, Instant now) {
    return !t.status().isFinal()
        && (t.notBefore() == null || !t.notBefore().isAfter(now))
        && !held(t, now);
  }

  /** Held: an owner whose lease has not run out; no lease at all means held until released. */
  private static boolean held(StoredTask t, Instant now) {
    return t.owner() != null && (t.leaseUntil() == null || t.leaseUntil().isAfter(now));
  }

  @Override
  public synchronized List<StoredTask> claim(String taskType, QueueOrder order, int max, String owner, Instant now,
      Instant leaseUntil) {
    List<Row> candidates = new ArrayList<>();
    for (Row r : bySeq.values()) {
      if (r.task.taskType().equals(taskType) && claimable(r.task, now)) {
        candidates.add(r);
      }
    }
    Comparator<Row> cmp = switch (order) {
      case LIFO -> Comparator.comparingLong((Row r) -> r.seq).reversed();
      case PRIORITY -> Comparator.comparingInt((Row r) -> -r.task.priority()).thenComparingLong(r -> r.seq);
      default -> Comparator.comparingLong((Row r) -> r.seq);
    };
    candidates.sort(cmp);
    List<StoredTask> out = new ArrayList<>();
    for (Row r : candidates) {
      if (out.size() >= max) {
        break;
      }
      StoredTask t = r.task;
      r.task = copy(t, TaskStatus.PENDING, t.attempts() + 1, t.retryBase(), now, t.notBefore(), owner, leaseUntil,
          null, null, t.lastError(), t.cancelRequested());
      out.add(r.task);
    }
    return out;
  }

  @Override
  public synchronized int renewLeases(String owner, Instant leaseUntil) {
    int n = 0;
    for (Row r : bySeq.values()) {
      StoredTask t = r.task;
      if (owner.equals(t.owner()) && !t.status().isFinal()) {
        r.task = copy(t, t.status(), t.attempts(), t.retryBase(), t.updatedAt(), t.notBefore(), owner, leaseUntil,
            null, null, t.lastError(), t.cancelRequested());
        n++;
      }
    }
    return n;
  }

  @Override
  public synchronized List<String> cancelRequested(String owner) {
    List<String> ids = new ArrayList<>();
    for (Row r : bySeq.values()) {
      if (r.task.cancelRequested() && owner.equals(r.task.owner()) && !r.task.status().isFinal()) {
        ids.add(r.task.id());
      }
    }
    return ids;
  }

  @Override
  public synchronized Optional<StoredTask> find(String id) {
    Row r = byId.get(id);
    return r == null ? Optional.empty() : Optional.of(r.task);
  }

  @Override
  public synchronized List<StoredTask> list(TaskQuery q) {
    NavigableMap<Long, Row> view = bySeq.descendingMap();
    if (q.after() != null) {
      Row cursor = byId.get(q.after());
      if (cursor == null) {
        return List.of();
      }
      view = bySeq.headMap(cursor.seq, false).descendingMap();
    }
    List<StoredTask> out = new ArrayList<>();
    for (Row r : view.values()) {
      StoredTask t = r.task;
      if ((q.statuses().isEmpty() || q.statuses().contains(t.status()))
          && (q.taskType() == null || q.taskType().equals(t.taskType()))) {
        out.add(t);
        if (out.size() >= q.limit()) {
          break;
        }
      }
    }
    return out;
  }

  @Override
  public synchronized CancelOutcome cancel(String id, String error, Instant now) {
    Row r = byId.get(id);
    if (r == null) {
      return CancelOutcome.UNKNOWN;
    }
    StoredTask t = r.task;
    if (t.status().isFinal()) {
      return CancelOutcome.ALREADY_FINAL;
    }
    if (held(t, now)) {
      r.task = copy(t, t.status(), t.attempts(), t.retryBase(), now, t.notBefore(), t.owner(), t.leaseUntil(), null,
          null, t.lastError(), true);
      return CancelOutcome.REQUESTED;
    }
    r.task = copy(t, TaskStatus.CANCELLED, t.attempts(), t.retryBase(), now, null, null, null, null, "CANCELLED", error,
        false);
    countFinished(r);
    return CancelOutcome.CANCELLED;
  }

  @Override
  public synchronized boolean redrive(String id, Instant now) {
    Row r = byId.get(id);
    if (r == null || (r.task.status() != TaskStatus.FAILED && r.task.status() != TaskStatus.CANCELLED)) {
      return false;
    }
    StoredTask t = r.task;
    r.task = copy(t, TaskStatus.PENDING, t.attempts(), t.attempts(), now, null, null, null, null, null, t.lastError(),
        false);
    return true;
  }

  @Override
  public synchronized boolean delete(String id) {
    Row r = byId.remove(id);
    if (r == null) {
      return false;
    }
    bySeq.remove(r.seq);
    if (r.countedFinished) {
      r.countedFinished = false;
      finishedCount--;
    }
    return true;
  }

  @Override
  public synchronized int purge(Instant cutoff) {
    int n = 0;
    for (Iterator<Row> it = bySeq.values().iterator(); it.hasNext(); ) {
      Row r = it.next();
      if (r.task.status().isFinal() && r.task.updatedAt().isBefore(cutoff)) {
        it.remove();
        byId.remove(r.task.id());
        if (r.countedFinished) {
          r.countedFinished = false;
          finishedCount--;
        }
        n++;
      }
    }
    return n;
  }

  @Override
  public synchronized long countPending(String taskType) {
    long n = 0;
    Instant now = Instant.now();
    for (Row r : bySeq.values()) {
      StoredTask t = r.task;
      if (t.taskType().equals(taskType) && !t.status().isFinal() && !held(t, now)) {
        n++;
      }
    }
    return n;
  }

  @Override
  public void close() {}
}

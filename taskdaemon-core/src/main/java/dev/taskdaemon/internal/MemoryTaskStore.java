package dev.taskdaemon.internal;

import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.TaskQuery;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.spi.StoreContext;
import dev.taskdaemon.spi.StoreWrite;
import dev.taskdaemon.spi.StoredTask;
import dev.taskdaemon.spi.TaskStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The default store: rows in the heap, gone with the process. Keeps at most {@code maxFinished}
 * finished rows, holding at most {@code maxFinishedBytes} of task data and results between them (the
 * oldest finished go first), besides the retention the engine purges by, so a long-running host does
 * not grow with every task it ran: 10,000 finished tasks of 1 MB each would otherwise keep 20 GB.
 *
 * <p>Every task's record changes three times on the engine's hot path (stored, started, finished),
 * from submitter and reader threads at once: rows live in a concurrent map and each row is updated
 * under its own monitor, so writers of different tasks never wait for each other. Listing and
 * claiming scan the rows; they are not on the hot path.
 */
public final class MemoryTaskStore implements TaskStore {
  private final int maxFinished;
  private final long maxFinishedBytes;
  /** The data and result bytes of the rows counted in {@link #finishedCount}. */
  private final AtomicLong finishedBytes = new AtomicLong();
  private final ConcurrentHashMap<String, Row> byId = new ConcurrentHashMap<>();
  /** Finished rows in the order they finished, for the cap. May hold rows since removed or redriven. */
  private final ConcurrentLinkedQueue<Row> finished = new ConcurrentLinkedQueue<>();
  private final AtomicInteger finishedCount = new AtomicInteger();
  private final AtomicLong seq = new AtomicLong();

  private static final class Row {
    final long seq;
    /** Changed under this row's monitor; read without it. */
    volatile StoredTask task;
    /** Counted in {@link #finishedCount}; guarded by this row's monitor. */
    boolean countedFinished;
    /** What this row adds to {@link #finishedBytes} while counted. */
    long bytes;
    boolean removed;

    Row(long seq, StoredTask task) {
      this.seq = seq;
      this.task = task;
    }
  }

  /** A store keeping at most {@code maxFinished} finished rows and {@link #defaultMaxFinishedBytes()} of their bytes. */
  public MemoryTaskStore(int maxFinished) {
    this(maxFinished, defaultMaxFinishedBytes());
  }

  public MemoryTaskStore(int maxFinished, long maxFinishedBytes) {
    this.maxFinished = maxFinished;
    this.maxFinishedBytes = maxFinishedBytes;
  }

  /** An eighth of the heap's limit: finished tasks' data and results must not crowd out the live ones. */
  public static long defaultMaxFinishedBytes() {
    return Runtime.getRuntime().maxMemory() / 8;
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
  public List<Boolean> write(List<StoreWrite> writes) {
    List<Boolean> out = new ArrayList<>(writes.size());
    for (StoreWrite w : writes) {
      out.add(write(w));
    }
    return out;
  }

  /** One write, without the list: the engine's hot path with this store. */
  public boolean write(StoreWrite w) {
    if (w instanceof StoreWrite.Insert ins) {
      return byId.putIfAbsent(ins.id(), new Row(seq.incrementAndGet(), ins.task())) == null;
    }
    Row r = byId.get(w.id());
    if (r == null) {
      return false;
    }
    boolean finishedNow;
    synchronized (r) {
      StoredTask t = r.task;
      if (r.removed || t.status().isFinal()) {
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
        r.task = copy(t, TaskStatus.PENDING, rel.unclaim() ? Math.max(0, t.attempts() - 1) : t.attempts(),
            t.retryBase(), rel.at(), rel.notBefore(), null, null, null,
            null, rel.lastError() != null ? rel.lastError() : t.lastError(), t.cancelRequested());
        return true;
      }
      StoreWrite.Finish f = (StoreWrite.Finish) w;
      if (f.owner() != null ? !f.owner().equals(t.owner()) : held(t, f.at())) {
        return false;
      }
      r.task = copy(t, f.status(), t.attempts(), t.retryBase(), f.at(), null, null, null, f.resultJson(), f.errorKind(),
          f.error() != null ? f.error() : t.lastError(), false);
      finishedNow = markFinished(r);
    }
    if (finishedNow) {
      trim();
    }
    return true;
  }

  /** Counts a row that just became final. Row monitor held. */
  private boolean markFinished(Row r) {
    if (r.countedFinished) {
      return false;
    }
    r.countedFinished = true;
    StoredTask t = r.task;
    r.bytes = (t.data() == null ? 0 : t.data().length) + (t.resultJson() == null ? 0 : t.resultJson().length);
    finishedBytes.addAndGet(r.bytes);
    finishedCount.incrementAndGet();
    finished.add(r);
    return true;
  }

  /** Stops counting a row as finished. Row monitor held. */
  private void uncount(Row r) {
    r.countedFinished = false;
    finishedCount.decrementAndGet();
    finishedBytes.addAndGet(-r.bytes);
  }

  /** Drops the oldest finished rows beyond the caps. */
  private void trim() {
    while (finishedCount.get() > maxFinished || finishedBytes.get() > maxFinishedBytes) {
      Row old = finished.poll();
      if (old == null) {
        return;
      }
      synchronized (old) {
        if (!old.countedFinished) {
          continue;
        }
        uncount(old);
        if (old.task.status().isFinal() && !old.removed) {
          old.removed = true;
          byId.remove(old.task.id(), old);
        }
      }
    }
  }

  private static StoredTask copy(StoredTask t, TaskStatus status, int attempts, int retryBase, Instant updated,
      Instant notBefore, String owner, Instant lease, byte[] result, String kind, String lastError, boolean cancel) {
    return new StoredTask(t.id(), t.taskType(), t.data(), t.priority(), status, attempts, retryBase, t.maxRetries(),
        t.timeoutMillis(), t.createdAt(), updated, notBefore, owner, lease, result, kind, lastError, cancel);
  }

  /** Held: an owner whose lease has not run out; no lease at all means held until released. */
  private static boolean held(StoredTask t, Instant now) {
    return t.owner() != null && (t.leaseUntil() == null || t.leaseUntil().isAfter(now));
  }

  private static boolean claimable(StoredTask t, Instant now) {
    return !t.status().isFinal() && (t.notBefore() == null || !t.notBefore().isAfter(now)) && !held(t, now);
  }

  /** Live rows in the order they were stored. */
  private List<Row> rowsInOrder() {
    List<Row> all = new ArrayList<>(byId.values());
    all.sort(Comparator.comparingLong(r -> r.seq));
    return all;
  }

  @Override
  public List<StoredTask> claim(String taskType, QueueOrder order, int max, String owner, Instant now,
      Instant leaseUntil) {
    List<Row> candidates = new ArrayList<>();
    for (Row r : rowsInOrder()) {
      StoredTask t = r.task;
      if (t.taskType().equals(taskType) && claimable(t, now)) {
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
      synchronized (r) {
        StoredTask t = r.task;
        if (r.removed || !claimable(t, now)) {
          continue; // claimed or changed meanwhile
        }
        r.task = copy(t, TaskStatus.PENDING, t.attempts() + 1, t.retryBase(), now, t.notBefore(), owner, leaseUntil,
            null, null, t.lastError(), t.cancelRequested());
        out.add(r.task);
      }
    }
    return out;
  }

  @Override
  public int renewLeases(String owner, Instant leaseUntil) {
    int n = 0;
    for (Row r : byId.values()) {
      synchronized (r) {
        StoredTask t = r.task;
        if (owner.equals(t.owner()) && !t.status().isFinal()) {
          r.task = copy(t, t.status(), t.attempts(), t.retryBase(), t.updatedAt(), t.notBefore(), owner, leaseUntil,
              null, null, t.lastError(), t.cancelRequested());
          n++;
        }
      }
    }
    return n;
  }

  @Override
  public List<String> cancelRequested(String owner) {
    List<String> ids = new ArrayList<>();
    for (Row r : rowsInOrder()) {
      StoredTask t = r.task;
      if (t.cancelRequested() && owner.equals(t.owner()) && !t.status().isFinal()) {
        ids.add(t.id());
      }
    }
    return ids;
  }

  @Override
  public Optional<StoredTask> find(String id) {
    Row r = byId.get(id);
    return r == null ? Optional.empty() : Optional.of(r.task);
  }

  @Override
  public List<StoredTask> list(TaskQuery q) {
    long below = Long.MAX_VALUE;
    if (q.after() != null) {
      Row cursor = byId.get(q.after());
      if (cursor == null) {
        return List.of();
      }
      below = cursor.seq;
    }
    List<Row> rows = rowsInOrder();
    List<StoredTask> out = new ArrayList<>();
    for (int i = rows.size() - 1; i >= 0 && out.size() < q.limit(); i--) {
      Row r = rows.get(i);
      StoredTask t = r.task;
      if (r.seq < below && (q.statuses().isEmpty() || q.statuses().contains(t.status()))
          && (q.taskType() == null || q.taskType().equals(t.taskType()))) {
        out.add(t);
      }
    }
    return out;
  }

  @Override
  public CancelOutcome cancel(String id, String error, Instant now) {
    Row r = byId.get(id);
    if (r == null) {
      return CancelOutcome.UNKNOWN;
    }
    boolean finishedNow;
    synchronized (r) {
      StoredTask t = r.task;
      if (r.removed) {
        return CancelOutcome.UNKNOWN;
      }
      if (t.status().isFinal()) {
        return CancelOutcome.ALREADY_FINAL;
      }
      if (held(t, now)) {
        r.task = copy(t, t.status(), t.attempts(), t.retryBase(), now, t.notBefore(), t.owner(), t.leaseUntil(), null,
            null, t.lastError(), true);
        return CancelOutcome.REQUESTED;
      }
      r.task = copy(t, TaskStatus.CANCELLED, t.attempts(), t.retryBase(), now, null, null, null, null, "CANCELLED",
          error, false);
      finishedNow = markFinished(r);
    }
    if (finishedNow) {
      trim();
    }
    return CancelOutcome.CANCELLED;
  }

  @Override
  public boolean redrive(String id, Instant now) {
    Row r = byId.get(id);
    if (r == null) {
      return false;
    }
    synchronized (r) {
      StoredTask t = r.task;
      if (r.removed || (t.status() != TaskStatus.FAILED && t.status() != TaskStatus.CANCELLED)) {
        return false;
      }
      r.task = copy(t, TaskStatus.PENDING, t.attempts(), t.attempts(), now, null, null, null, null, null, t.lastError(),
          false);
      return true;
    }
  }

  @Override
  public boolean delete(String id) {
    Row r = byId.remove(id);
    if (r == null) {
      return false;
    }
    synchronized (r) {
      r.removed = true;
      if (r.countedFinished) {
        uncount(r);
      }
    }
    return true;
  }

  @Override
  public int purge(Instant cutoff) {
    int n = 0;
    for (Row r : byId.values()) {
      synchronized (r) {
        if (!r.removed && r.task.status().isFinal() && r.task.updatedAt().isBefore(cutoff)) {
          r.removed = true;
          byId.remove(r.task.id(), r);
          if (r.countedFinished) {
            uncount(r);
          }
          n++;
        }
      }
    }
    return n;
  }

  @Override
  public long countPending(String taskType) {
    long n = 0;
    Instant now = Instant.now();
    for (Row r : byId.values()) {
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

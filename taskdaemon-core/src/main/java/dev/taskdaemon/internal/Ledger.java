package dev.taskdaemon.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.taskdaemon.Result;
import dev.taskdaemon.StoreException;
import dev.taskdaemon.TaskInfo;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.spi.StoreWrite;
import dev.taskdaemon.spi.StoredTask;
import dev.taskdaemon.spi.TaskStore;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's side of the task store: turns what happens to tasks into {@link StoreWrite}s. With the
 * in-memory store each write applies at once on the calling thread. With a durable store, writes go
 * through one writer thread that commits whatever has queued up in one transaction (group commit):
 * concurrent submitters and finishing tasks share a commit. Inserts fail fast when the store fails;
 * every other write is retried with back-off until it commits, so an outcome is never dropped.
 */
final class Ledger {
  private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);
  private static final int MAX_BATCH = 1024;
  private static final Duration INSERT_WAIT = Duration.ofSeconds(60);

  final TaskStore store;
  final boolean durable;
  final String host;
  private final MemoryTaskStore memory;
  private final String daemon;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<Op> queue = new ArrayDeque<>();
  private boolean writing;
  private boolean closed;
  private Thread writer;

  private static final class Op {
    final StoreWrite write;
    final CompletableFuture<Boolean> done = new CompletableFuture<>();
    final boolean failFast;

    Op(StoreWrite write, boolean failFast) {
      this.write = write;
      this.failFast = failFast;
    }
  }

  Ledger(TaskStore store, String host, String daemon) {
    this.store = store;
    this.durable = store.durable();
    this.host = host;
    this.daemon = daemon;
    this.memory = store instanceof MemoryTaskStore m ? m : null;
  }

  void startWriter() {
    if (durable) {
      writer = Threads.start("td-" + daemon + "-store-writer", 0, this::runWriter);
    }
  }

  /** Stores new tasks, committed when this returns; for each, whether it was new. */
  List<Boolean> insert(List<StoredTask> rows) {
    if (!durable) {
      List<Boolean> out = new ArrayList<>(rows.size());
      for (StoredTask r : rows) {
        out.add(applyNow(new StoreWrite.Insert(r)));
      }
      return out;
    }
    List<Op> ops = new ArrayList<>(rows.size());
    for (StoredTask r : rows) {
      ops.add(new Op(new StoreWrite.Insert(r), true));
    }
    enqueue(ops);
    List<Boolean> out = new ArrayList<>(rows.size());
    long deadline = System.nanoTime() + INSERT_WAIT.toNanos();
    for (Op op : ops) {
      out.add(await(op, deadline));
    }
    return out;
  }

  private Boolean await(Op op, long deadline) {
    try {
      return op.done.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof StoreException se ? new StoreException(se.getMessage(), se) : new StoreException(
          "the task store (" + store.describe() + ") failed to store the task: " + c, c);
    } catch (TimeoutException e) {
      throw new StoreException("the task store (" + store.describe() + ") did not commit the task within "
          + INSERT_WAIT.toSeconds() + " s; it may be stored or not: look it up by id");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while the task store (" + store.describe() + ") was storing the task; it"
          + " may be stored or not: look it up by id", e);
    }
  }

  /** Stores one task in memory (not durable); whether it was new. */
  boolean insertOne(StoredTask row) {
    return applyNow(new StoreWrite.Insert(row));
  }

  /** Applies a write; with a durable store, queues it and runs {@code then} (with whether it applied) once committed. */
  void write(StoreWrite w, Consumer<Boolean> then) {
    if (!durable) {
      boolean applied = applyNow(w);
      if (then != null) {
        then.accept(applied);
      }
      return;
    }
    Op op = new Op(w, false);
    if (then != null) {
      op.done.thenAccept(then);
    }
    enqueue(List.of(op));
  }

  private boolean applyNow(StoreWrite w) {
    return memory != null ? memory.write(w) : store.write(List.of(w)).get(0);
  }

  private void enqueue(List<Op> ops) {
    lock.lock();
    try {
      if (closed) {
        StoreException e = new StoreException("the task store (" + store.describe() + ") is closed");
        for (Op op : ops) {
          op.done.completeExceptionally(e);
        }
        return;
      }
      queue.addAll(ops);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void runWriter() {
    long backoffMs = 50;
    long failingSince = 0;
    while (true) {
      List<Op> batch = new ArrayList<>();
      lock.lock();
      try {
        while (queue.isEmpty() && !closed) {
          changed.awaitUninterruptibly();
        }
        if (queue.isEmpty()) {
          return;
        }
        while (!queue.isEmpty() && batch.size() < MAX_BATCH) {
          batch.add(queue.poll());
        }
        writing = true;
      } finally {
        lock.unlock();
      }
      List<StoreWrite> writes = new ArrayList<>(batch.size());
      for (Op op : batch) {
        writes.add(op.write);
      }
      List<Boolean> applied = null;
      RuntimeException failure = null;
      try {
        applied = store.write(writes);
      } catch (RuntimeException e) {
        failure = e;
      }
      if (applied != null) {
        if (failingSince != 0) {
          LOG.info("daemon '{}': the task store ({}) accepts writes again after {} ms", daemon, store.describe(),
              TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failingSince));
          failingSince = 0;
        }
        backoffMs = 50;
        finishBatch();
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).done.complete(applied.get(i));
        }
        continue;
      }
      if (failingSince == 0) {
        failingSince = System.nanoTime();
        LOG.warn("daemon '{}': the task store ({}) failed to commit {} writes; new tasks are refused and outcomes"
            + " are kept and retried until it recovers: {}", daemon, store.describe(), batch.size(), failure.toString());
      }
      List<Op> retry = new ArrayList<>();
      StoreException refusal = failure instanceof StoreException se ? se
          : new StoreException("the task store (" + store.describe() + ") failed: " + failure, failure);
      for (Op op : batch) {
        if (op.failFast) {
          op.done.completeExceptionally(refusal);
        } else {
          retry.add(op);
        }
      }
      lock.lock();
      try {
        for (int i = retry.size() - 1; i >= 0; i--) {
          queue.addFirst(retry.get(i));
        }
        writing = false;
        changed.signalAll();
        if (closed && closeDeadline != 0 && System.nanoTime() - closeDeadline > 0) {
          abandonLocked();
          return;
        }
        try {
          changed.await(backoffMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      } finally {
        lock.unlock();
      }
      backoffMs = Math.min(5_000, backoffMs * 2);
    }
  }

  private long closeDeadline;

  private void finishBatch() {
    lock.lock();
    try {
      writing = false;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void abandonLocked() {
    if (!queue.isEmpty()) {
      LOG.error("daemon '{}': the task store ({}) is still failing at close; {} writes are given up. Tasks whose"
          + " outcome was not written run again at the next start (their leases expire)", daemon, store.describe(),
          queue.size());
      StoreException e = new StoreException("the task store (" + store.describe() + ") was closed while failing");
      for (Op op : queue) {
        op.done.completeExceptionally(e);
      }
      queue.clear();
    }
  }

  /** Waits (bounded) until every queued write has committed, then stops the writer. */
  void close(Duration wait) {
    lock.lock();
    try {
      closed = true;
      closeDeadline = System.nanoTime() + wait.toNanos();
      changed.signalAll();
      while ((!queue.isEmpty() || writing) && writer != null) {
        long left = closeDeadline - System.nanoTime();
        if (left <= 0) {
          abandonLocked();
          break;
        }
        changed.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      lock.unlock();
    }
    if (writer != null) {
      try {
        writer.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ---------------------------------------------------------------- rows to API values

  static Result resultOf(StoredTask t) {
    switch (t.status()) {
      case COMPLETED:
        return t.resultJson() == null ? new Result.Success(null) : Result.Success.ofJson(t.resultJson());
      case FAILED:
      case CANCELLED:
        Result.Failure.Kind kind;
        try {
          kind = t.errorKind() == null ? Result.Failure.Kind.HANDLER : Result.Failure.Kind.valueOf(t.errorKind());
        } catch (IllegalArgumentException e) {
          kind = Result.Failure.Kind.HANDLER;
        }
        return new Result.Failure(t.lastError() == null ? "failed" : t.lastError(), false, kind);
      default:
        return null;
    }
  }

  static TaskInfo info(StoredTask t) {
    JsonNode data;
    try {
      data = Json.results().readTree(t.data());
    } catch (IOException e) {
      data = null;
    }
    Instant next = t.status() == TaskStatus.PENDING ? t.notBefore() : null;
    return new TaskInfo(t.id(), t.taskType(), t.status(), t.priority(), t.attempts(), t.createdAt(), t.updatedAt(),
        next, resultOf(t), t.lastError(), data);
  }
}

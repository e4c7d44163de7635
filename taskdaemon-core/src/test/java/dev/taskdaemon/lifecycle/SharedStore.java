package dev.taskdaemon.lifecycle;

import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.StoreException;
import dev.taskdaemon.TaskQuery;
import dev.taskdaemon.internal.MemoryTaskStore;
import dev.taskdaemon.spi.StoreContext;
import dev.taskdaemon.spi.StoreWrite;
import dev.taskdaemon.spi.StoredTask;
import dev.taskdaemon.spi.TaskStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One in-memory store that several daemons in this JVM open as if it were a durable, shared one:
 * each {@link #host()} view is one host. Lets the engine's durable paths (windows, claims, leases,
 * retries through the store, hosts taking over) run in core's tests; the SQLite and PostgreSQL
 * modules run the same paths on real databases and real process deaths.
 */
final class SharedStore {
  final MemoryTaskStore rows = new MemoryTaskStore(Integer.MAX_VALUE);
  final AtomicInteger claims = new AtomicInteger();

  private final List<Runnable> allWakes = new java.util.concurrent.CopyOnWriteArrayList<>();

  private void wakeAll() {
    allWakes.forEach(Runnable::run);
  }

  /** A view for one host. {@link Host#crash()} makes it stop reaching the store, as if the host died. */
  Host host() {
    return new Host();
  }

  final class Host implements TaskStore {
    private volatile boolean crashed;

    void crash() {
      crashed = true;
    }

    /** While set, every write fails as a store that is down does. */
    volatile boolean down;
    /** Writes refused because the store was down. */
    final AtomicInteger refusedWrites = new AtomicInteger();

    private void check() {
      if (crashed) {
        throw new StoreException("this host is gone");
      }
    }

    @Override
    public String describe() {
      return "shared test store";
    }

    @Override
    public boolean durable() {
      return true;
    }

    @Override
    public void open(StoreContext context) {
      allWakes.add(context.wake());
    }

    @Override
    public List<Boolean> write(List<StoreWrite> writes) {
      if (down) {
        refusedWrites.incrementAndGet();
        throw new StoreException("the shared test store is down");
      }
      if (crashed) {
        List<Boolean> none = new ArrayList<>();
        writes.forEach(w -> none.add(false)); // lost with the host
        return none;
      }
      List<Boolean> applied = rows.write(writes);
      // As a shared database notifies its listeners: new claimable work wakes every host.
      if (writes.stream().anyMatch(w -> w instanceof StoreWrite.Insert || w instanceof StoreWrite.Release)) {
        wakeAll();
      }
      return applied;
    }

    @Override
    public List<StoredTask> claim(String taskType, QueueOrder order, int max, String owner, Instant now,
        Instant leaseUntil) {
      check();
      List<StoredTask> got = rows.claim(taskType, order, max, owner, now, leaseUntil);
      claims.addAndGet(got.size());
      return got;
    }

    @Override
    public int renewLeases(String owner, Instant leaseUntil) {
      check();
      return rows.renewLeases(owner, leaseUntil);
    }

    @Override
    public List<String> cancelRequested(String owner) {
      check();
      return rows.cancelRequested(owner);
    }

    @Override
    public Optional<StoredTask> find(String id) {
      return rows.find(id);
    }

    @Override
    public List<StoredTask> list(TaskQuery query) {
      return rows.list(query);
    }

    @Override
    public CancelOutcome cancel(String id, String error, Instant now) {
      return rows.cancel(id, error, now);
    }

    @Override
    public boolean redrive(String id, Instant now) {
      return rows.redrive(id, now);
    }

    @Override
    public boolean delete(String id) {
      return rows.delete(id);
    }

    @Override
    public int purge(Instant cutoff) {
      return rows.purge(cutoff);
    }

    @Override
    public long countPending(String taskType) {
      return rows.countPending(taskType);
    }

    @Override
    public void close() {}
  }
}

package dev.taskdaemon.spi;

import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.TaskQuery;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Where tasks are recorded: every task's one row from enqueue to its final outcome. Core ships the
 * in-memory store (the default); {@code taskdaemon-store-sqlite} and {@code taskdaemon-store-postgres}
 * ship durable ones, found through {@link TaskStoreProvider}.
 *
 * <p>The engine calls a store from several threads at once; implementations must be thread-safe. Every
 * method that changes rows commits before it returns. Methods throw {@link dev.taskdaemon.StoreException}
 * when the store cannot be reached or fails; the engine retries writes that must not be lost.
 *
 * <p>Conformance: {@code TaskStoreContract} in core's test jar states the behaviour every store must
 * have; each store's tests extend it.
 */
public interface TaskStore extends AutoCloseable {

  /** For messages and logs: the store's kind and location, never a password. */
  String describe();

  /** True when tasks survive the host process (the engine then keeps only a window of them in memory). */
  boolean durable();

  /**
   * Opens the store: creates or migrates the schema (refusing one it does not know with a clear error),
   * takes whatever lock keeps out a second daemon where only one may run, and, where only one host can
   * use the store, expires every lease an earlier run left behind.
   */
  void open(StoreContext context);

  /**
   * Applies the writes in order, in one transaction, and commits. Returns, for each write, whether it
   * applied (its condition held).
   */
  List<Boolean> write(List<StoreWrite> writes);

  /**
   * Claims up to {@code max} tasks of {@code taskType} for {@code owner} until {@code leaseUntil}, in
   * the order {@code order} gives (fifo: oldest first; lifo: newest first; priority: highest first, then
   * oldest), and commits. A task is claimable when it is not final, its {@code notBefore} has passed,
   * and nobody holds an unexpired lease on it. A cancel-requested task stays claimable (its owner may
   * have died): the claiming host cancels it instead of running it, so the returned row keeps {@code
   * cancelRequested}. Each claimed row gets {@code
   * attempts + 1}, the owner and the lease, and stays or becomes {@code PENDING}; the returned rows show
   * that new state. Concurrent claims by several hosts never return the same task twice.
   */
  List<StoredTask> claim(String taskType, QueueOrder order, int max, String owner, Instant now, Instant leaseUntil);

  /** Extends every lease {@code owner} holds to {@code leaseUntil}; returns how many. */
  int renewLeases(String owner, Instant leaseUntil);

  /** Ids of not-final tasks that {@code owner} holds and whose cancellation was requested. */
  List<String> cancelRequested(String owner);

  /** The task with this id. */
  Optional<StoredTask> find(String id);

  /** The tasks with these ids that exist (for watching several at once). */
  default List<StoredTask> findAll(Collection<String> ids) {
    return ids.stream().map(this::find).flatMap(Optional::stream).toList();
  }

  /** Tasks newest first (in the order they were stored), filtered and paged as the query says. */
  List<StoredTask> list(TaskQuery query);

  /** What {@link #cancel} did. */
  enum CancelOutcome {
    /** No task with that id. */
    UNKNOWN,
    /** The task had already finished; nothing changed. */
    ALREADY_FINAL,
    /** The task was not held by any host and is now {@code CANCELLED}. */
    CANCELLED,
    /** A host holds the task: its cancellation is requested, and that host ends it. */
    REQUESTED
  }

  /**
   * Cancels a task: one nobody holds becomes {@code CANCELLED} (kind {@code CANCELLED}, {@code error}
   * as its message); one a host holds gets its cancellation requested.
   */
  CancelOutcome cancel(String id, String error, Instant now);

  /**
   * A {@code FAILED} or {@code CANCELLED} task goes back to {@code PENDING}, unowned, with no result and
   * {@code retryBase = attempts}. False when the task is unknown or not failed or cancelled.
   */
  boolean redrive(String id, Instant now);

  /** Removes the task's row whatever its state; false when there was none. */
  boolean delete(String id);

  /** Removes final tasks last updated before {@code cutoff}; returns how many. */
  int purge(Instant cutoff);

  /** How many not-final tasks of {@code taskType} no host holds (the backlog that queue_capacity limits). */
  long countPending(String taskType);

  /** Releases the store's connections and locks. The engine calls it once, last. */
  @Override
  void close();
}

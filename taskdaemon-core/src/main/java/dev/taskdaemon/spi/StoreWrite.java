package dev.taskdaemon.spi;

import dev.taskdaemon.TaskStatus;
import java.time.Instant;
import java.util.Objects;

/**
 * One change that {@link TaskStore#write} applies. The engine batches many into one transaction (group
 * commit). Each either applies or, when its condition does not hold, changes nothing.
 */
public sealed interface StoreWrite {

  /** The task concerned. */
  String id();

  /**
   * Stores a new task. Does not apply when a task with its id exists (an idempotent enqueue): the
   * existing task stays as it is.
   */
  record Insert(StoredTask task) implements StoreWrite {
    public Insert {
      Objects.requireNonNull(task, "task");
    }

    @Override
    public String id() {
      return task.id();
    }
  }

  /**
   * An attempt starts: the row becomes {@code PROCESSING}, held by {@code owner}, with {@code attempts}
   * at least {@code attempt}. Applies while the task is not final and either {@code owner} holds it or
   * nobody does (the in-memory store's own retries take their task back this way).
   */
  record Start(String id, String owner, int attempt, Instant at) implements StoreWrite {}

  /**
   * The owner gives the task back: {@code PENDING}, no owner, claimable from {@code notBefore} (null: at
   * once), with {@code lastError} (null keeps the old one). With {@code unclaim}, the attempt its claim
   * counted never started (the host closed with the task still in its window): {@code attempts} goes
   * back down by one. Applies only while {@code owner} holds it and it is not final.
   */
  record Release(String id, String owner, Instant notBefore, String lastError, Instant at, boolean unclaim)
      implements StoreWrite {

    /** A release of a task whose attempt ran. */
    public Release(String id, String owner, Instant notBefore, String lastError, Instant at) {
      this(id, owner, notBefore, lastError, at, false);
    }
  }

  /**
   * The task's final outcome. {@code status} is {@code COMPLETED} (with {@code resultJson}), {@code
   * FAILED} or {@code CANCELLED} (with {@code errorKind} and {@code error}). The owner is released.
   * Applies only while the row is not final and either {@code owner} holds it or {@code owner} is null
   * and nobody holds it (a pending task cancelled).
   */
  record Finish(String id, String owner, TaskStatus status, byte[] resultJson, String errorKind, String error,
      Instant at) implements StoreWrite {
    public Finish {
      if (!status.isFinal()) {
        throw new IllegalArgumentException("Finish needs a final status, got " + status);
      }
    }
  }
}

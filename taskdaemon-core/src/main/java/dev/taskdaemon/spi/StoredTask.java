package dev.taskdaemon.spi;

import dev.taskdaemon.TaskStatus;
import java.time.Instant;
import java.util.Objects;

/**
 * One task's row in a {@link TaskStore}. Every store keeps these columns (under names of its choosing)
 * and returns them unchanged.
 *
 * <p>Ownership: {@code owner} is the host (daemon session) that has claimed the task, until {@code
 * leaseUntil}; while the lease holds, no other host may claim it. A {@code PENDING} row with a live
 * owner is in that host's dispatch window; a {@code PROCESSING} row has an attempt running there.
 * A row whose lease has expired is claimable again by any host, whatever its status says. An
 * owner with no {@code leaseUntil} holds the row until it releases it (the in-memory store's tasks).
 *
 * @param id the task id
 * @param taskType the handler that runs it
 * @param data the task data as UTF-8 JSON (not copied; do not change it)
 * @param priority 0 to 100
 * @param status where the task is
 * @param attempts how many times the task has been claimed (each claim is an attempt)
 * @param retryBase {@code attempts} when the task was last redriven (0 if never): the retry budget
 *     counts from here
 * @param maxRetries the task's own max_retries, or {@code null} for the handler's
 * @param timeoutMillis the task's own timeout in milliseconds, or {@code null} for the handler's
 * @param createdAt when it was stored
 * @param updatedAt when the row last changed
 * @param notBefore the earliest time the task may be claimed, or {@code null}
 * @param owner the claiming host, or {@code null}
 * @param leaseUntil when the claim expires, or {@code null}
 * @param resultJson a {@code COMPLETED} task's result as UTF-8 JSON, else {@code null}
 * @param errorKind a {@code FAILED} or {@code CANCELLED} task's {@code Result.Failure.Kind} name, else
 *     {@code null}
 * @param lastError the message of the last failure (final or not), or {@code null}
 * @param cancelRequested a cancellation waits for the owning host to act on it
 */
public record StoredTask(
    String id,
    String taskType,
    byte[] data,
    int priority,
    TaskStatus status,
    int attempts,
    int retryBase,
    Integer maxRetries,
    Long timeoutMillis,
    Instant createdAt,
    Instant updatedAt,
    Instant notBefore,
    String owner,
    Instant leaseUntil,
    byte[] resultJson,
    String errorKind,
    String lastError,
    boolean cancelRequested) {

  public StoredTask {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(taskType, "taskType");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(updatedAt, "updatedAt");
  }

  /** A new row: {@code PENDING}, created and updated at {@code now}. */
  public static StoredTask newTask(String id, String taskType, byte[] data, int priority, Integer maxRetries,
      Long timeoutMillis, Instant now, Instant notBefore, String owner, Instant leaseUntil) {
    return new StoredTask(id, taskType, data, priority, TaskStatus.PENDING, owner != null ? 1 : 0, 0, maxRetries,
        timeoutMillis, now, now, notBefore, owner, leaseUntil, null, null, null, false);
  }

  @Override
  public String toString() {
    return "StoredTask[" + id + ", " + taskType + ", " + status + ", attempts=" + attempts + ", owner=" + owner + "]";
  }
}

package dev.taskdaemon;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Which tasks {@link TaskDaemon#tasks(TaskQuery)} lists: newest first, optionally of some statuses and
 * one task type, at most {@link #limit()} of them, after a cursor for paging. Immutable.
 *
 * <pre>{@code
 * List<TaskInfo> page = daemon.tasks(TaskQuery.recent().status(TaskStatus.FAILED).limit(50));
 * while (!page.isEmpty()) {
 *   page.forEach(t -> log.info("{} {}", t.id(), t.lastError()));
 *   page = daemon.tasks(TaskQuery.recent().status(TaskStatus.FAILED).limit(50).after(page.get(page.size() - 1).id()));
 * }
 * }</pre>
 */
public final class TaskQuery {
  /** The largest {@link #limit(int)}. */
  public static final int MAX_LIMIT = 10_000;

  private final Set<TaskStatus> statuses;
  private final String taskType;
  private final int limit;
  private final String after;

  private TaskQuery(Set<TaskStatus> statuses, String taskType, int limit, String after) {
    this.statuses = statuses;
    this.taskType = taskType;
    this.limit = limit;
    this.after = after;
  }

  /** Every task, newest first, 20 at a time. */
  public static TaskQuery recent() {
    return new TaskQuery(Set.of(), null, 20, null);
  }

  /** Only tasks in one of these statuses. */
  public TaskQuery status(TaskStatus first, TaskStatus... more) {
    EnumSet<TaskStatus> s = EnumSet.of(Objects.requireNonNull(first, "status"), more);
    return new TaskQuery(Set.copyOf(s), taskType, limit, after);
  }

  /** Only tasks of this type. */
  public TaskQuery taskType(String taskType) {
    return new TaskQuery(statuses, Objects.requireNonNull(taskType, "taskType"), limit, after);
  }

  /** At most this many tasks (1 to {@value #MAX_LIMIT}). */
  public TaskQuery limit(int limit) {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be from 1 to " + MAX_LIMIT + ", was " + limit);
    }
    return new TaskQuery(statuses, taskType, limit, after);
  }

  /** Only tasks older than the task with this id: pass the last id of the previous page. */
  public TaskQuery after(String taskId) {
    return new TaskQuery(statuses, taskType, limit, Objects.requireNonNull(taskId, "taskId"));
  }

  /** The statuses to list; empty means all. */
  public Set<TaskStatus> statuses() {
    return statuses;
  }

  /** The task type to list, or {@code null} for all. */
  public String taskType() {
    return taskType;
  }

  public int limit() {
    return limit;
  }

  /** The cursor: the id of the last task of the previous page, or {@code null} for the first page. */
  public String after() {
    return after;
  }

  @Override
  public String toString() {
    return "TaskQuery[statuses=" + statuses + ", taskType=" + taskType + ", limit=" + limit + ", after=" + after + "]";
  }
}

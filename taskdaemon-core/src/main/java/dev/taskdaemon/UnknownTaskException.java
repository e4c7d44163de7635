package dev.taskdaemon;

/** No task has the given id: it never existed, was deleted, or was purged after its retention. */
public class UnknownTaskException extends TaskDaemonException {
  private static final long serialVersionUID = 1L;

  private final String taskId;

  public UnknownTaskException(String taskId) {
    super(null, "no task with id '" + taskId + "' (never stored, deleted, or purged after retention)", null);
    this.taskId = taskId;
  }

  /** The id asked for. */
  public String taskId() {
    return taskId;
  }
}

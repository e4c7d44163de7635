package dev.taskdaemon;

/** Thrown by {@link Result#asSuccess()} and the conversion helpers when the result is an error. */
public class TaskFailedException extends TaskDaemonException {
  private static final long serialVersionUID = 1L;

  private final transient Result.Error result;

  public TaskFailedException(Result.Error result) {
    super(null, "task failed: " + result.error(), null);
    this.result = result;
  }

  /** The error result. */
  public Result.Error result() {
    return result;
  }
}

package dev.taskdaemon;

/** Thrown by {@link Result#asSuccess()} and the conversion helpers when the result is a failure. */
public class TaskFailedException extends TaskDaemonException {
  private static final long serialVersionUID = 1L;

  private final transient Result.Failure result;

  public TaskFailedException(Result.Failure result) {
    super(null, "task failed: " + result.message(), null);
    this.result = result;
  }

  /** The failure. */
  public Result.Failure result() {
    return result;
  }
}

package dev.taskdaemon;

/** The task data cannot be serialized to JSON. */
public class TaskDataException extends TaskDaemonException {
  private static final long serialVersionUID = 1L;

  public TaskDataException(String handler, String message) {
    super(handler, message, null);
  }

  public TaskDataException(String handler, String message, Throwable cause) {
    super(handler, message, cause);
  }
}

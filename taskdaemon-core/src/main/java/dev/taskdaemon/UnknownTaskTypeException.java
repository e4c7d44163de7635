package dev.taskdaemon;

/** The task type given to submit has no handler configured. */
public class UnknownTaskTypeException extends TaskDaemonException {
  private static final long serialVersionUID = 1L;

  public UnknownTaskTypeException(String handler, String message) {
    super(handler, message, null);
  }

  public UnknownTaskTypeException(String handler, String message, Throwable cause) {
    super(handler, message, cause);
  }
}

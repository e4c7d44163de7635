package dev.taskdaemon;

/** The handler's queue was at capacity; the submission was refused at once. */
public class QueueFullException extends TaskDaemonException {
  private static final long serialVersionUID = 1L;

  public QueueFullException(String handler, String message) {
    super(handler, message, null);
  }

  public QueueFullException(String handler, String message, Throwable cause) {
    super(handler, message, cause);
  }
}

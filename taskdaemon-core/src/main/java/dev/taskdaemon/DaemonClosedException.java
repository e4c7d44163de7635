package dev.taskdaemon;

/** The daemon was closed (or shut down) before the task could run. */
public class DaemonClosedException extends TaskDaemonException {
  private static final long serialVersionUID = 1L;

  public DaemonClosedException(String handler, String message) {
    super(handler, message, null);
  }

  public DaemonClosedException(String handler, String message, Throwable cause) {
    super(handler, message, cause);
  }
}

package dev.taskdaemon;

/** A handler's instances could not be started, or its runtime is not usable. */
public class HandlerStartException extends TaskDaemonException {
  private static final long serialVersionUID = 1L;

  public HandlerStartException(String handler, String message) {
    super(handler, message, null);
  }

  public HandlerStartException(String handler, String message, Throwable cause) {
    super(handler, message, cause);
  }
}

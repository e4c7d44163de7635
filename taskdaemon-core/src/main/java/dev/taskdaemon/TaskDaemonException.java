package dev.taskdaemon;

/**
 * Root of every exception the engine throws or completes a future with. Unchecked. The message
 * names what to fix; subclasses carry the handler name where one applies.
 */
public class TaskDaemonException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String handler;

  public TaskDaemonException(String message) {
    this(null, message, null);
  }

  public TaskDaemonException(String handler, String message, Throwable cause) {
    super(message, cause);
    this.handler = handler;
  }

  /** The handler (task type) concerned, or {@code null} when the error is not about one handler. */
  public String handler() {
    return handler;
  }
}

package dev.taskdaemon.handler;

/**
 * Thrown by a handler function to answer {@code {"status":"error","error":MESSAGE,"retryable":true}}:
 * the task failed for a reason that may pass (a service that did not answer, a lock held elsewhere),
 * so the engine may run it again, with the next {@code attempt}, as the handler's {@code max_retries}
 * allow. Any other exception answers a non-retryable error.
 */
public class RetryableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * An error the engine may retry.
   *
   * @param message the error message the engine reports; should say what failed
   */
  public RetryableException(String message) {
    super(message);
  }

  /**
   * An error the engine may retry, with the exception that caused it (logged on stderr).
   *
   * @param message the error message the engine reports
   * @param cause what went wrong underneath
   */
  public RetryableException(String message, Throwable cause) {
    super(message, cause);
  }
}

package dev.taskdaemon.testkit;

import dev.taskdaemon.TaskDaemonException;

/**
 * Something went wrong inside a {@link FakeHandler} during a test: its function threw or returned
 * null, it had no reply queued, or the engine sent a request that breaks the protocol. The fake
 * answers such an attempt with a permanent error and keeps the exception in {@link
 * FakeHandler#failures()}; the JUnit extension fails the test with it.
 */
public class FakeHandlerException extends TaskDaemonException {
  private static final long serialVersionUID = 1L;

  /** An exception about the fake standing in for {@code handler}. */
  public FakeHandlerException(String handler, String message, Throwable cause) {
    super(handler, message, cause);
  }
}

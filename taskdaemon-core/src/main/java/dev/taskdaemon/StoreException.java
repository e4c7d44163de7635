package dev.taskdaemon;

/**
 * The task store could not do what was asked: it is unreachable, full, corrupt, locked by another
 * daemon, or holds a schema this version does not know. The message names the store (never a password)
 * and what to fix. A task whose {@code enqueue} or {@code submit} threw this was not stored.
 */
public class StoreException extends TaskDaemonException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message, Throwable cause) {
    super(null, message, cause);
  }

  public StoreException(String message) {
    super(null, message, null);
  }
}

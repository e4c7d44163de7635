package dev.taskdaemon.store.postgres.internal;

import dev.taskdaemon.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One long-lived connection that one caller at a time uses, with its prepared statements. A lost
 * connection is reopened and the operation retried once, unless the loss came during a commit: then
 * whether the transaction applied is unknown, and the caller hears so instead of a retry that could
 * report a write as not applied when it was.
 */
final class Slot implements AutoCloseable {
  /** What a slot runs: statements on its connection; commits through {@link Slot#commit()}. */
  interface Work<T> {
    T run(Slot slot) throws SQLException;
  }

  private final Connector connector;
  private final boolean autoCommit;
  private final String role;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, PreparedStatement> statements = new HashMap<>();
  private volatile Connection connection;
  private boolean committing;
  private volatile boolean closed;

  Slot(Connector connector, boolean autoCommit, String role) {
    this.connector = connector;
    this.autoCommit = autoCommit;
    this.role = role;
  }

  /** Runs {@code work} under the slot's lock; {@code what} names it in errors ("claim tasks"). */
  <T> T run(String what, Work<T> work) {
    lock.lock();
    try {
      for (int attempt = 1; ; attempt++) {
        if (closed) {
          throw new StoreException("PostgreSQL store " + connector.shownUrl() + " is closed; cannot " + what);
        }
        committing = false;
        try {
          if (connection == null) {
            connection = connector.open(autoCommit, role);
          }
          return work.run(this);
        } catch (SQLException e) {
          boolean lost = Connector.lost(e) || isClosed();
          if (lost) {
            drop();
          } else {
            rollbackQuietly();
          }
          if (lost && committing) {
            throw new StoreException("PostgreSQL store " + connector.shownUrl() + " lost the connection while"
                + " committing (" + what + "); whether that transaction applied is unknown: "
                + connector.scrub(e.getMessage()), e);
          }
          if (!lost || attempt > 1) {
            throw connector.failure(what, e);
          }
        } catch (RuntimeException | Error e) {
          rollbackQuietly();
          throw e;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** A statement prepared once per connection (the driver then reuses the server-side plan). */
  PreparedStatement prepare(String sql) throws SQLException {
    PreparedStatement ps = statements.get(sql);
    if (ps == null) {
      ps = connection.prepareStatement(sql);
      statements.put(sql, ps);
    }
    return ps;
  }

  Connection connection() {
    return connection;
  }

  void commit() throws SQLException {
    committing = true;
    connection.commit();
    committing = false;
  }

  private boolean isClosed() {
    try {
      return connection != null && connection.isClosed();
    } catch (SQLException e) {
      return true;
    }
  }

  private void rollbackQuietly() {
    if (connection != null && !autoCommit) {
      try {
        connection.rollback();
      } catch (SQLException e) {
        drop();
      }
    }
  }

  private void drop() {
    statements.clear();
    Connector.closeQuietly(connection);
    connection = null;
  }

  /**
   * Closes the connection. Waits a little for a caller inside; a caller stuck on a silent server has
   * its connection aborted under it rather than holding up the close.
   */
  @Override
  public void close() {
    boolean locked = false;
    try {
      locked = lock.tryLock(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      closed = true;
      if (locked) {
        drop();
      } else if (connection != null) {
        try {
          connection.abort(Runnable::run);
        } catch (SQLException | RuntimeException ignored) {
          // Best effort: the owner of the lock drops the connection when its call fails.
        }
      }
    } finally {
      if (locked) {
        lock.unlock();
      }
    }
  }
}

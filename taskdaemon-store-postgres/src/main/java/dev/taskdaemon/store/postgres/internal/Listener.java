package dev.taskdaemon.store.postgres.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's one LISTEN connection: a daemon thread that turns notifications on the namespace's
 * channel into {@code wake()} calls, so an idle host claims new work at once instead of at its next
 * poll. Each time it starts listening (first, and after the connection dropped and it reconnected with
 * back-off) it wakes once, since notifications sent before are lost; the engine's slow poll covers the time it is down.
 */
final class Listener implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Listener.class);
  /** How long one wait for notifications lasts; also bounds how late the thread sees a close. */
  private static final int WAIT_MILLIS = 1000;
  /** Silence after which the connection is checked with a query, to notice a half-open socket. */
  private static final long PING_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final long MAX_BACKOFF_MILLIS = 5000;
  /**
   * Bounds every read on the listen connection (a wait for notifications is far shorter), so a server
   * that stops answering costs this long at most before the thread reconnects.
   */
  private static final int LISTEN_SOCKET_TIMEOUT_SECONDS = 15;

  private final Connector connector;
  private final String channel;
  private final Runnable wake;
  private final Thread thread;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition closedSignal = lock.newCondition();
  private volatile boolean closed;
  private volatile Connection connection;

  Listener(Connector connector, String channel, Runnable wake, String threadName) {
    this.connector = connector;
    this.channel = channel;
    this.wake = wake;
    this.thread = new Thread(this, threadName);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  @Override
  public void run() {
    long backoff = 100;
    boolean warned = false;
    while (!closed) {
      try {
        connection = connector.open(true, "listen", LISTEN_SOCKET_TIMEOUT_SECONDS);
        try (Statement s = connection.createStatement()) {
          s.execute("LISTEN " + Namespace.quote(channel));
        }
        if (warned) {
          LOG.info("PostgreSQL store {}: listening on {} again", connector.shownUrl(), channel);
        }
        // Whatever was notified before this LISTEN (while reconnecting, or between open() and the first
        // connection) is lost: one wake makes the engine look now.
        wakeQuietly();
        warned = false;
        backoff = 100;
        listen(connection);
      } catch (SQLException e) {
        if (closed) {
          break;
        }
        if (warned) {
          LOG.debug("PostgreSQL store {}: the listen connection failed again ({})", connector.shownUrl(),
              connector.scrub(e.getMessage()));
        } else {
          LOG.warn("PostgreSQL store {}: the listen connection failed ({}); reconnecting with back-off, polling"
              + " meanwhile", connector.shownUrl(), connector.scrub(e.getMessage()));
          warned = true;
        }
      } finally {
        Connector.closeQuietly(connection);
        connection = null;
      }
      pause(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
    }
  }

  private void listen(Connection c) throws SQLException {
    PGConnection pg = c.unwrap(PGConnection.class);
    long lastHeard = System.nanoTime();
    while (!closed) {
      PGNotification[] got = pg.getNotifications(WAIT_MILLIS);
      if (got != null && got.length > 0) {
        lastHeard = System.nanoTime();
        wakeQuietly();
      } else if (System.nanoTime() - lastHeard > PING_NANOS) {
        try (Statement s = c.createStatement()) {
          s.execute("SELECT 1");
        }
        lastHeard = System.nanoTime();
      }
    }
  }

  private void wakeQuietly() {
    try {
      wake.run();
    } catch (RuntimeException | Error e) {
      // The engine's callback; a failure there must not end the listening.
      LOG.warn("PostgreSQL store {}: wake callback failed", connector.shownUrl(), e);
    }
  }

  private void pause(long millis) {
    lock.lock();
    try {
      long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
      while (!closed && nanos > 0) {
        nanos = closedSignal.awaitNanos(nanos);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    } finally {
      lock.unlock();
    }
  }

  /** Stops the thread: aborts its connection so a blocked read ends at once, and waits for it briefly. */
  void close() {
    closed = true;
    lock.lock();
    try {
      closedSignal.signalAll();
    } finally {
      lock.unlock();
    }
    Connection c = connection;
    if (c != null) {
      try {
        c.abort(Runnable::run);
      } catch (SQLException | RuntimeException ignored) {
        // The thread notices the close within one wait anyway.
      }
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  boolean alive() {
    return thread.isAlive();
  }
}

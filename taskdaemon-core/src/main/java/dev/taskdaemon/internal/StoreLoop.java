package dev.taskdaemon.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * With a durable store, one thread per daemon ({@code td-<daemon>-store}) that keeps each handler's
 * window filled by claiming tasks from the store, renews this host's leases, acts on cancellations
 * other hosts requested, completes futures of tasks that finished elsewhere, and purges finished
 * records after their retention. It wakes when asked (a handler's window runs low, the store notifies
 * new work, a delayed task becomes due) and otherwise polls every second.
 */
final class StoreLoop {
  private static final Logger LOG = LoggerFactory.getLogger(StoreLoop.class);
  static final Duration POLL = Duration.ofSeconds(1);
  private static final Duration PURGE_EVERY = Duration.ofMinutes(1);

  private final Engine engine;
  private final Duration lease;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private boolean signalled = true;
  private boolean stopped;
  /** Earliest known due time of a delayed or released task (epoch millis), or Long.MAX_VALUE. */
  private long nextDueMillis = Long.MAX_VALUE;
  private Thread thread;
  private long lastFailureLog;

  StoreLoop(Engine engine, Duration lease) {
    this.engine = engine;
    this.lease = lease;
  }

  void start() {
    thread = Threads.start("td-" + engine.name + "-store", 0, this::run);
  }

  void wake() {
    lock.lock();
    try {
      signalled = true;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Makes sure a round runs at {@code at}: a delayed task or a retry becomes claimable then. */
  void wakeAt(Instant at) {
    lock.lock();
    try {
      long ms = at.toEpochMilli();
      if (ms < nextDueMillis) {
        nextDueMillis = ms;
        wake.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  void stop() {
    lock.lock();
    try {
      stopped = true;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
    if (thread != null && thread != Thread.currentThread()) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    long renewEvery = Math.max(100, lease.toMillis() / 3);
    long nextRenew = System.currentTimeMillis() + renewEvery;
    long nextPoll = 0;
    long nextPurge = System.currentTimeMillis() + 5_000;
    long backoff = 0;
    while (true) {
      boolean poll;
      lock.lock();
      try {
        while (!stopped && !signalled) {
          long now = System.currentTimeMillis();
          long until = Math.min(Math.min(nextPoll, nextRenew), Math.min(nextDueMillis, nextPurge));
          if (until <= now) {
            break;
          }
          try {
            wake.await(until - now, TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            return;
          }
        }
        if (stopped) {
          return;
        }
        signalled = false;
        long now = System.currentTimeMillis();
        poll = now >= nextPoll || now >= nextDueMillis;
        if (now >= nextDueMillis) {
          nextDueMillis = Long.MAX_VALUE;
        }
      } finally {
        lock.unlock();
      }
      try {
        long now = System.currentTimeMillis();
        if (poll) {
          nextPoll = now + POLL.toMillis();
        }
        engine.claimRound(poll);
        if (now >= nextRenew) {
          nextRenew = now + renewEvery;
          engine.renewRound();
        }
        engine.watchRound();
        if (now >= nextPurge) {
          nextPurge = now + PURGE_EVERY.toMillis();
          engine.purgeRound();
        }
        backoff = 0;
      } catch (RuntimeException e) {
        long now = System.currentTimeMillis();
        if (now - lastFailureLog > 10_000) {
          lastFailureLog = now;
          LOG.warn("daemon '{}': the task store ({}) failed; retrying: {}", engine.name,
              engine.ledger.store.describe(), e.toString());
        }
        backoff = Math.min(5_000, backoff == 0 ? 100 : backoff * 2);
        lock.lock();
        try {
          if (!stopped) {
            wake.await(backoff, TimeUnit.MILLISECONDS);
          }
          signalled = true; // try again after the back-off
        } catch (InterruptedException ie) {
          return;
        } finally {
          lock.unlock();
        }
      }
    }
  }
}

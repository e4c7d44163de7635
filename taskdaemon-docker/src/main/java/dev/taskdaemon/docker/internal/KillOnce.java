package dev.taskdaemon.docker.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Kills a container once, however many threads ask: the first caller does the work, later callers
 * wait for it within their own bound. Thread-safe.
 */
final class KillOnce {
  private final AtomicReference<CompletableFuture<Void>> killing = new AtomicReference<>();

  /** True once a kill has begun (an exit after it is the runtime's doing, not the handler's). */
  boolean started() {
    return killing.get() != null;
  }

  /** Runs {@code kill} if no kill has begun; otherwise waits, at most {@code bound}, for the one that has. */
  void run(Duration bound, Runnable kill) {
    CompletableFuture<Void> mine = new CompletableFuture<>();
    if (!killing.compareAndSet(null, mine)) {
      try {
        killing.get().get(Math.max(1, bound.toMillis()), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        // bounded wait is all a second caller owes
      }
      return;
    }
    try {
      kill.run();
    } finally {
      mine.complete(null);
    }
  }
}

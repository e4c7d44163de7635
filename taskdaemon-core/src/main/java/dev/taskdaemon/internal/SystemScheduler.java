package dev.taskdaemon.internal;

import dev.taskdaemon.Scheduler;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The default {@link Scheduler}: one daemon thread and {@link System#nanoTime()}. */
final class SystemScheduler implements Scheduler {
  private final ScheduledThreadPoolExecutor executor;

  SystemScheduler(String threadName) {
    executor = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    });
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  @Override
  public void schedule(Runnable action, Duration delay) {
    try {
      executor.schedule(action, Deadline.saturatedNanos(delay), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // shut down with the daemon: nothing more is to run
    }
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  void shutdown() {
    executor.shutdownNow();
  }
}

package dev.taskdaemon.examples;

import dev.taskdaemon.Result;
import dev.taskdaemon.Task;
import dev.taskdaemon.TaskListener;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link TaskListener} that counts tasks, attempts and retries and shows one progress line for a
 * batch: rewritten in place on a terminal, printed at every quarter otherwise (logs, CI).
 *
 * <p>The engine calls listeners from its own threads, concurrently: counters are atomic and printing
 * is synchronized. Each callback is short, as the engine asks.
 */
final class Progress implements TaskListener {
  private static final long REDRAW_NANOS = 100_000_000L;

  private final PrintStream out;
  private final boolean interactive;
  private final AtomicLong submitted = new AtomicLong();
  private final AtomicLong attempts = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong completed = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private volatile long total;
  private long lastDraw;
  private int lastQuarter;
  private boolean finished;

  Progress(PrintStream out, boolean interactive) {
    this.out = out;
    this.interactive = interactive;
  }

  /** Sets the size of the batch about to be submitted. */
  void expect(long total) {
    this.total = total;
  }

  long submitted() {
    return submitted.get();
  }

  long attempts() {
    return attempts.get();
  }

  long retries() {
    return retries.get();
  }

  @Override
  public void taskSubmitted(Task task) {
    submitted.incrementAndGet();
  }

  @Override
  public void attemptStarted(Task task, String instance) {
    attempts.incrementAndGet();
  }

  @Override
  public void retryScheduled(Task failedAttempt, Result.Failure cause, Duration delay) {
    retries.incrementAndGet();
  }

  @Override
  public void taskCompleted(Task task, Result result) {
    if (result.isFailure()) {
      failed.incrementAndGet();
    }
    long done = completed.incrementAndGet();
    draw(done, false);
  }

  /**
   * Waits until {@code taskCompleted} has been seen for the whole batch, or {@code limit} passes.
   *
   * @return whether the whole batch was seen
   */
  boolean awaitCompleted(Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    synchronized (this) {
      while (completed.get() < total) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }
    return true;
  }

  /** Draws the final state; call once every task has completed. */
  void finish() {
    draw(completed.get(), true);
  }

  private synchronized void draw(long done, boolean last) {
    notifyAll(); // for awaitCompleted
    if (finished) {
      return;
    }
    long n = total;
    if (interactive) {
      long now = System.nanoTime();
      if (!last && done < n && now - lastDraw < REDRAW_NANOS) {
        return;
      }
      lastDraw = now;
      out.print("\r" + line(done, n));
      if (last) {
        out.println();
        finished = true;
      }
      out.flush();
      return;
    }
    int quarter = n == 0 ? 4 : (int) (done * 4 / n);
    if (quarter > lastQuarter || (last && lastQuarter < 4)) {
      lastQuarter = Math.max(quarter, last ? 4 : quarter);
      out.println(line(done, n));
    }
    finished = last;
  }

  private String line(long done, long n) {
    return String.format(Locale.ROOT, "progress: %d/%d tasks done (%d%%), %d failed, %d retries", done, n,
        n == 0 ? 100 : done * 100 / n, failed.get(), retries.get());
  }
}

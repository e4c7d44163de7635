package dev.taskdaemon.benchmarks.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Closed-loop load: {@code submitters} threads each run one round trip after another, with no
 * think time. A warm-up window, then a measured window that lasts at least {@code measure} and at
 * least {@code minOps} round trips (large payloads and container starts are slow).
 */
final class Load {
  /** One round trip; throws when the answer is wrong, which stops the run. */
  @FunctionalInterface
  interface Op {
    void call() throws Exception;
  }

  private static final int WARM = 0;
  private static final int MEASURE = 1;
  private static final int STOP = 2;

  private Load() {}

  /** One measured window: its round trips' latencies (sorted, nanoseconds) and its length. */
  static final class Window {
    final long[] sortedNanos;
    final double seconds;

    Window(long[] sortedNanos, double seconds) {
      this.sortedNanos = sortedNanos;
      this.seconds = seconds;
    }
  }

  /**
   * A/B in alternation: {@code rounds} times a window of {@code a} then a window of {@code b}, each
   * after its own warm-up ({@code firstWarmup} the first time). On a shared machine, load from
   * elsewhere comes and goes within seconds; alternating spreads it over both sides instead of
   * letting it land on one.
   */
  static LoadResult[] alternate(String label, int rounds, int submitters, Op a, Op b, Duration firstWarmup,
      Duration warmup, Duration measure, long minOps, Duration cap) throws Exception {
    List<Window> wa = new ArrayList<>();
    List<Window> wb = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      Duration w = r == 0 ? firstWarmup : warmup;
      wa.add(window(label + "-a", submitters, a, w, measure, minOps, cap));
      wb.add(window(label + "-b", submitters, b, w, measure, minOps, cap));
    }
    return new LoadResult[] {summarize(wa), summarize(wb)};
  }

  /** One warm-up and one measured window. */
  static LoadResult closedLoop(String label, int submitters, Op op, Duration warmup, Duration measure, long minOps,
      Duration cap) throws Exception {
    return summarize(List.of(window(label, submitters, op, warmup, measure, minOps, cap)));
  }

  static LoadResult summarize(List<Window> windows) {
    int n = 0;
    double seconds = 0;
    for (Window w : windows) {
      n += w.sortedNanos.length;
      seconds += w.seconds;
    }
    long[] all = new long[n];
    int at = 0;
    for (Window w : windows) {
      System.arraycopy(w.sortedNanos, 0, all, at, w.sortedNanos.length);
      at += w.sortedNanos.length;
    }
    Arrays.sort(all);
    double sum = 0;
    for (long v : all) {
      sum += v;
    }
    return new LoadResult(all.length, seconds, percentile(all, 0.50), percentile(all, 0.99), percentile(all, 0.999),
        percentile(all, 1.0), all.length == 0 ? 0 : sum / all.length / 1000.0);
  }

  private static Window window(String label, int submitters, Op op, Duration warmup, Duration measure, long minOps,
      Duration cap) throws Exception {
    AtomicInteger phase = new AtomicInteger(WARM);
    AtomicLong completed = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<long[]> samples = new ArrayList<>();
    int[] counts = new int[submitters];
    List<Thread> threads = new ArrayList<>();
    for (int s = 0; s < submitters; s++) {
      int me = s;
      long[][] mine = {new long[1024]};
      threads.add(new Thread(() -> {
        try {
          while (true) {
            int startPhase = phase.get();
            if (startPhase == STOP || failure.get() != null) {
              break;
            }
            long t0 = System.nanoTime();
            op.call();
            long t1 = System.nanoTime();
            if (startPhase == MEASURE && phase.get() == MEASURE) {
              if (counts[me] == mine[0].length) {
                mine[0] = Arrays.copyOf(mine[0], mine[0].length * 2);
              }
              mine[0][counts[me]++] = t1 - t0;
              completed.incrementAndGet();
            }
          }
        } catch (Throwable t) {
          failure.compareAndSet(null, t);
        } finally {
          synchronized (samples) {
            samples.add(Arrays.copyOf(mine[0], counts[me]));
          }
        }
      }, "bench-" + label + "-" + s));
    }
    threads.forEach(Thread::start);
    long capEnd = System.nanoTime() + cap.toNanos();
    pause(warmup, failure);
    phase.set(MEASURE);
    long t0 = System.nanoTime();
    long minEnd = t0 + measure.toNanos();
    while (failure.get() == null && System.nanoTime() < capEnd
        && (System.nanoTime() < minEnd || completed.get() < minOps)) {
      pause(Duration.ofMillis(5), failure);
    }
    phase.set(STOP);
    long t1 = System.nanoTime();
    for (Thread t : threads) {
      t.join(cap.toMillis() + 60_000);
      if (t.isAlive()) {
        throw new IllegalStateException(label + ": submitter " + t.getName() + " is stuck in a round trip");
      }
    }
    if (failure.get() != null) {
      throw new IllegalStateException(label + ": a round trip failed: " + failure.get(), failure.get());
    }
    long[] all = merge(samples);
    if (all.length == 0) {
      throw new IllegalStateException(label + ": no round trip completed within " + cap.toSeconds() + " s");
    }
    Arrays.sort(all);
    return new Window(all, (t1 - t0) / 1e9);
  }

  /** A timed pause of the measuring thread (the window itself, not a wait for a condition). */
  private static void pause(Duration d, AtomicReference<Throwable> failure) throws InterruptedException {
    long end = System.nanoTime() + d.toNanos();
    while (failure.get() == null) {
      long left = end - System.nanoTime();
      if (left <= 0) {
        return;
      }
      Thread.sleep(Math.max(1, Math.min(50, left / 1_000_000)));
    }
  }

  private static long[] merge(List<long[]> parts) {
    int n = 0;
    for (long[] p : parts) {
      n += p.length;
    }
    long[] all = new long[n];
    int at = 0;
    for (long[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    return all;
  }

  /** Nearest-rank percentile, in microseconds. */
  static double percentile(long[] sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1000.0;
  }
}

package dev.taskdaemon.benchmarks.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * The raw-pipe baseline: {@code n} handler processes started with a bare {@link ProcessBuilder};
 * a submitter takes an idle one, does one {@link RawLine#roundTrip}, and gives it back. The same
 * handler program the engine drives, the same request bytes.
 */
final class RawPipe implements AutoCloseable {
  private final List<Process> processes = new ArrayList<>();
  private final List<RawLine> all = new ArrayList<>();
  private final BlockingQueue<RawLine> idle;
  private final long exitWaitSeconds;

  RawPipe(List<String> command, int n) throws IOException {
    this(i -> command, n, 5, false);
  }

  /**
   * {@code fair}: idle processes go to waiting submitters in the order they came, as the engine's
   * queue serves tasks, instead of to whichever thread asks first (a thread that has just given a
   * process back mostly takes it again, and the others wait).
   */
  RawPipe(List<String> command, int n, boolean fair) throws IOException {
    this(i -> command, n, 5, fair);
  }

  RawPipe(IntFunction<List<String>> command, int n, long exitWaitSeconds) throws IOException {
    this(command, n, exitWaitSeconds, false);
  }

  /** {@code n} processes, the {@code i}-th started with {@code command.apply(i)}. */
  RawPipe(IntFunction<List<String>> command, int n, long exitWaitSeconds, boolean fair) throws IOException {
    this.exitWaitSeconds = exitWaitSeconds;
    idle = new ArrayBlockingQueue<>(n, fair);
    try {
      for (int i = 0; i < n; i++) {
        Process p = new ProcessBuilder(command.apply(i)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(p);
        RawLine line = new RawLine(p.getOutputStream(), p.getInputStream());
        all.add(line);
        idle.add(line);
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** One round trip on each process in turn. */
  void prime(byte[] request, byte[] expected) throws IOException {
    for (RawLine l : all) {
      l.roundTrip(request, expected);
    }
  }

  /** A round trip on whichever process is idle. */
  Load.Op op(byte[] request, byte[] expected) {
    return () -> {
      RawLine line = idle.take();
      try {
        line.roundTrip(request, expected);
      } finally {
        idle.put(line);
      }
    };
  }

  /** Closes stdin (the handler exits on EOF), then kills what is left: only the processes started here. */
  @Override
  public void close() {
    for (Process p : processes) {
      try {
        p.getOutputStream().close();
      } catch (IOException ignored) {
        // gone already
      }
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(exitWaitSeconds, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
  }
}

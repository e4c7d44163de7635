package dev.taskdaemon.benchmarks.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The raw-pipe baseline: {@code n} handler processes started with a bare {@link ProcessBuilder};
 * a submitter takes an idle one, does one {@link RawLine#roundTrip}, and gives it back. The same
 * handler program the engine drives, the same request bytes.
 */
final class RawPipe implements AutoCloseable {
  private final List<Process> processes = new ArrayList<>();
  private final BlockingQueue<RawLine> idle;

  RawPipe(List<String> command, int n) throws IOException {
    idle = new ArrayBlockingQueue<>(n);
    try {
      for (int i = 0; i < n; i++) {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(p);
        idle.add(new RawLine(p.getOutputStream(), p.getInputStream()));
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** One round trip on each process in turn. */
  void prime(byte[] request, byte[] expected) throws IOException {
    for (RawLine l : idle) {
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
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
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

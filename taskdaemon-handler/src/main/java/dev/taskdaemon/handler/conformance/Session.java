package dev.taskdaemon.handler.conformance;

import dev.taskdaemon.handler.internal.LineReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One run of the handler under test: its stdin written from a thread of its own (a handler that
 * stops reading must not block the suite), its stdout split into lines by another, its stderr kept
 * as a tail for failure messages.
 */
final class Session implements AutoCloseable {
  /** What {@link #nextLine(Duration)} returns once stdout has ended. */
  static final byte[] END = new byte[0];
  private static final int STDERR_TAIL_LINES = 15;

  private final Process process;
  private final LinkedBlockingQueue<byte[]> lines = new LinkedBlockingQueue<>();
  private final ExecutorService writer;
  private final Deque<String> stderrTail = new ArrayDeque<>();
  private final Thread stdoutReader;
  private final Thread stderrReader;
  private volatile long stdoutBytes;

  Session(List<String> command, Path directory, Map<String, String> environment) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command);
    if (directory != null) {
      pb.directory(directory.toFile());
    }
    pb.environment().putAll(environment);
    process = pb.start();
    writer = Executors.newSingleThreadExecutor(r -> daemon(r, "conformance-stdin"));
    stdoutReader = daemon(this::readStdout, "conformance-stdout");
    stderrReader = daemon(this::readStderr, "conformance-stderr");
    stdoutReader.start();
    stderrReader.start();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private void readStdout() {
    try (InputStream in = process.getInputStream()) {
      LineReader reader = new LineReader(in);
      for (byte[] line; (line = reader.readLine()) != null; ) {
        stdoutBytes += line.length + 1;
        lines.add(line);
      }
    } catch (IOException e) {
      // The process was killed: its stdout ends here.
    }
    lines.add(END);
  }

  private void readStderr() {
    try (InputStream in = process.getErrorStream()) {
      LineReader reader = new LineReader(in);
      for (byte[] line; (line = reader.readLine()) != null; ) {
        synchronized (stderrTail) {
          stderrTail.addLast(shorten(new String(line, StandardCharsets.UTF_8), 300));
          if (stderrTail.size() > STDERR_TAIL_LINES) {
            stderrTail.removeFirst();
          }
        }
      }
    } catch (IOException e) {
      // Killed.
    }
  }

  /** Queues {@code bytes} for the handler's stdin; returns at once. */
  void send(byte[] bytes) {
    writer.execute(() -> {
      try {
        OutputStream in = process.getOutputStream();
        in.write(bytes);
        in.flush();
      } catch (IOException e) {
        // The handler closed stdin or died: the check waiting for its answer reports that.
      }
    });
  }

  /** Closes the handler's stdin once everything queued before has been written. */
  void closeStdin() {
    writer.execute(() -> {
      try {
        process.getOutputStream().close();
      } catch (IOException e) {
        // Already closed.
      }
    });
  }

  /** The next stdout line, {@link #END} when stdout has ended, or {@code null} after {@code timeout}. */
  byte[] nextLine(Duration timeout) throws InterruptedException {
    byte[] line = lines.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (line == END) {
      lines.add(END); // stays ended for later calls
    }
    return line;
  }

  /** The exit code, or {@code null} if the process is still running after {@code timeout}. */
  Integer awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      return null;
    }
    stdoutReader.join(timeout.toMillis());
    stderrReader.join(timeout.toMillis());
    return process.exitValue();
  }

  long stdoutBytes() {
    return stdoutBytes;
  }

  boolean alive() {
    return process.isAlive();
  }

  /** The last lines of stderr, for a failure message. */
  String stderrTail() {
    synchronized (stderrTail) {
      return stderrTail.isEmpty() ? "(stderr empty)" : "last stderr lines:\n    " + String.join("\n    ", stderrTail);
    }
  }

  /** Stops the handler and everything it started. */
  @Override
  public void close() {
    writer.shutdownNow();
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static String shorten(String s, int max) {
    return s.length() > max ? s.substring(0, max) + "... (" + s.length() + " chars)" : s;
  }

  static String text(byte[] line) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(line, 0, Math.min(line.length, 400));
    return shorten(b.toString(StandardCharsets.UTF_8), 300);
  }
}

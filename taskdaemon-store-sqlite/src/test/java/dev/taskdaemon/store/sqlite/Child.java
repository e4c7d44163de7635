package dev.taskdaemon.store.sqlite;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A {@link StoreChild} in its own JVM, whose output lines are read with a deadline. */
final class Child implements AutoCloseable {
  private static final String EOF = "\0eof";
  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> seen = new ArrayList<>();

  private Child(Process process) {
    this.process = process;
    Thread pump = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
        }
      } catch (Exception ignored) {
        // The process was killed.
      } finally {
        lines.add(EOF);
      }
    }, "child-output-" + process.pid());
    pump.setDaemon(true);
    pump.start();
  }

  static Child start(String mode, Path file, String daemon) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
        StoreChild.class.getName(), mode, file.toString(), daemon).redirectErrorStream(true).start();
    return new Child(p);
  }

  long pid() {
    return process.pid();
  }

  /** The first line from now on that {@code match} accepts; fails with everything the child said if none. */
  String await(Predicate<String> match, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
      if (line == null || line.equals(EOF)) {
        throw new AssertionError("the child " + (line == null ? "did not answer in " + within : "ended")
            + "; its output: " + String.join("\n", seen));
      }
      seen.add(line);
      if (match.test(line)) {
        return line;
      }
    }
  }

  /** {@code kill -9}: no shutdown hook, no close, no checkpoint. */
  void kill() {
    process.destroyForcibly();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new AssertionError("child " + process.pid() + " did not die");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while child " + process.pid() + " dies", e);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }
}

package dev.taskdaemon.examples;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** Where things are in the checkout, and how to run a program the way a user would. */
final class Repo {
  private Repo() {}

  /** The repository root: the directory above {@code examples/} that holds README.md. */
  static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path p = dir; p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("README.md")) && Files.isDirectory(p.resolve("examples"))) {
        return p;
      }
    }
    throw new IllegalStateException("no README.md with an examples/ directory above " + dir);
  }

  static Path examples() {
    return root().resolve("examples");
  }

  /** The java launcher of the JVM running the tests. */
  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * The examples' runtime class path, as {@code exec:java} sees it: the test class path without the
   * test classes (so the examples log as users see, not into the tests' log file).
   */
  static String runtimeClasspath() {
    Path testClasses = examples().resolve("target/test-classes").toAbsolutePath().normalize();
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> !Path.of(e).toAbsolutePath().normalize().equals(testClasses))
        .collect(Collectors.joining(File.pathSeparator));
  }

  /** What a finished program printed. */
  static final class Run {
    final int exitCode;
    final String stdout;
    final String stderr;
    final Duration elapsed;

    Run(int exitCode, String stdout, String stderr, Duration elapsed) {
      this.exitCode = exitCode;
      this.stdout = stdout;
      this.stderr = stderr;
      this.elapsed = elapsed;
    }

    @Override
    public String toString() {
      return "exit code " + exitCode + " after " + elapsed.toMillis() + " ms\n--- stdout\n" + stdout
          + "--- stderr\n" + stderr;
    }
  }

  /**
   * Runs a command in {@code dir} with stdin closed at once, output to files under {@code target/} (a pipe
   * nobody reads could fill and stall it), and kills it if it outlives {@code limit}.
   */
  static Run run(List<String> command, Path dir, Duration limit, String name) throws IOException,
      InterruptedException {
    Path out = examples().resolve("target/" + name + ".stdout");
    Path err = examples().resolve("target/" + name + ".stderr");
    Files.createDirectories(out.getParent());
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(dir.toFile())
        .redirectOutput(out.toFile())
        .redirectError(err.toFile());
    long t0 = System.nanoTime();
    Process p = pb.start();
    p.getOutputStream().close();
    if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(name + " did not finish within " + limit.toSeconds() + " s: " + command
          + "\n--- stdout\n" + Files.readString(out) + "--- stderr\n" + Files.readString(err));
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err), elapsed);
  }
}

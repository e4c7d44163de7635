package dev.taskdaemon.benchmarks.internal;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs short helper commands (gcc, docker build, docker rm) with a bound on their time. */
final class Commands {
  private Commands() {}

  /**
   * The outcome of one command.
   *
   * @param exitCode the exit code, or -1 when it could not run or was killed at the bound
   * @param output stdout and stderr together
   */
  record Outcome(int exitCode, String output) {
    boolean ok() {
      return exitCode == 0;
    }

    /** A one-line explanation for a failed command. */
    String failure(List<String> command) {
      String text = output.strip();
      if (text.length() > 400) {
        text = "…" + text.substring(text.length() - 400);
      }
      return String.join(" ", command.subList(0, Math.min(2, command.size()))) + " failed (exit " + exitCode + ")"
          + (text.isEmpty() ? "" : ": " + text.replace('\n', ' '));
    }
  }

  static Outcome run(List<String> command, Path dir, Map<String, String> env, Duration bound)
      throws InterruptedException {
    File log;
    try {
      log = File.createTempFile("td-bench-cmd", ".log");
    } catch (IOException e) {
      return new Outcome(-1, "cannot create a temp file: " + e.getMessage());
    }
    try {
      ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true)
          .redirectOutput(log).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      if (dir != null) {
        pb.directory(dir.toFile());
      }
      pb.environment().putAll(env);
      Process p;
      try {
        p = pb.start();
      } catch (IOException e) {
        return new Outcome(-1, command.get(0) + " cannot run: " + e.getMessage());
      }
      if (!p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        return new Outcome(-1, "did not finish within " + bound.toSeconds() + " s; " + read(log));
      }
      return new Outcome(p.exitValue(), read(log));
    } finally {
      if (!log.delete()) {
        log.deleteOnExit();
      }
    }
  }

  private static String read(File f) {
    try {
      return Files.readString(f.toPath(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}

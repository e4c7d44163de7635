package dev.taskdaemon.docker.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the docker CLI (or a compatible one) with an argument list, never through a shell, and
 * always with a time bound: a wedged engine or a dead {@code tcp://} host must not hang the daemon.
 */
public final class DockerCli {
  /** Output beyond this is drained and dropped: the commands we parse answer in kilobytes. */
  private static final int MAX_OUTPUT = 16 * 1024 * 1024;

  private final String executable;

  public DockerCli(String executable) {
    this.executable = executable;
  }

  public String executable() {
    return executable;
  }

  /** What one finished (or abandoned) command produced. */
  public record Outcome(int exitCode, String out, String err, boolean timedOut) {
    public boolean ok() {
      return !timedOut && exitCode == 0;
    }

    /** The CLI's own explanation: its last non-blank stderr line, without a trailing period. */
    public String reason() {
      String[] lines = err.split("\n");
      for (int i = lines.length - 1; i >= 0; i--) {
        String l = lines[i].strip();
        if (!l.isEmpty()) {
          return l.endsWith(".") ? l.substring(0, l.length() - 1) : l;
        }
      }
      return timedOut ? "no answer" : "exit code " + exitCode + " and no message";
    }

    /** stdout split into non-blank lines. */
    public List<String> lines() {
      List<String> l = new ArrayList<>();
      for (String s : out.split("\n")) {
        if (!s.isBlank()) {
          l.add(s.strip());
        }
      }
      return l;
    }
  }

  /** A process builder for {@code docker args...} talking to {@code engine}. */
  public ProcessBuilder builder(Endpoint engine, List<String> args) {
    List<String> cmd = new ArrayList<>(args.size() + 1);
    cmd.add(executable);
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    engine.applyTo(pb.environment());
    return pb;
  }

  /**
   * Runs {@code docker args...} to its end, or kills it after {@code bound}.
   *
   * @throws IOException only when the executable cannot be run at all
   */
  public Outcome run(Endpoint engine, Duration bound, String... args) throws IOException {
    return run(engine, bound, List.of(args), Map.of());
  }

  /** Like {@link #run(Endpoint, Duration, String...)} with extra environment for the CLI process. */
  public Outcome run(Endpoint engine, Duration bound, List<String> args, Map<String, String> env)
      throws IOException {
    ProcessBuilder pb = builder(engine, args);
    pb.environment().putAll(env);
    Process p = pb.start();
    try {
      p.getOutputStream().close();
    } catch (IOException ignored) {
      // the CLI reads no input; a closed pipe is what we want anyway
    }
    Drain out = new Drain(p.getInputStream(), "td-docker-cli-out");
    Drain err = new Drain(p.getErrorStream(), "td-docker-cli-err");
    boolean finished;
    try {
      finished = p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      finished = false;
    }
    if (!finished) {
      p.destroyForcibly();
    }
    String o = out.text(1000);
    String e = err.text(1000);
    return new Outcome(finished ? p.exitValue() : -1, o, e, !finished);
  }

  /** Reads a stream to its end on its own thread, keeping at most {@link #MAX_OUTPUT} bytes. */
  private static final class Drain {
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    private final Thread thread;

    Drain(InputStream in, String name) {
      thread = new Thread(() -> {
        byte[] b = new byte[8192];
        try (in) {
          int n;
          while ((n = in.read(b)) >= 0) {
            synchronized (buf) {
              if (buf.size() < MAX_OUTPUT) {
                buf.write(b, 0, Math.min(n, MAX_OUTPUT - buf.size()));
              }
            }
          }
        } catch (IOException ignored) {
          // the process was killed: keep what was read
        }
      }, name);
      thread.setDaemon(true);
      thread.start();
    }

    String text(long waitMillis) {
      try {
        thread.join(waitMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      synchronized (buf) {
        return buf.toString(StandardCharsets.UTF_8);
      }
    }
  }
}

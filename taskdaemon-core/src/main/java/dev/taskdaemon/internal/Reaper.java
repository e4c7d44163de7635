package dev.taskdaemon.internal;

import java.io.IOException;
import java.io.OutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure no handler outlives its host. One small shell process per daemon session holds a pipe
 * from the host and reads it until it ends — when the daemon closes, or when the host JVM dies, even
 * by {@code kill -9}. Then it kills every process whose environment carries the session's
 * {@code TASKDAEMON_SESSION} (the handlers and whatever they started, which inherit it) and exits. It
 * ignores the terminal's interrupt and hang-up signals, which reach the host's whole process group,
 * so that it is still there to clean up after them.
 */
final class Reaper {
  private static final Logger LOG = LoggerFactory.getLogger(Reaper.class);
  private static final String SCRIPT = String.join("\n",
      "trap '' INT HUP TERM QUIT",
      "while IFS= read -r line; do :; done",
      "for p in /proc/[0-9]*; do",
      "  case \"$(tr '\\0' '\\n' < \"$p/environ\" 2>/dev/null)\" in",
      "    *\"" + ProcessRuntime.ENV_SESSION + "=$TD_REAPED_SESSION\"*) kill -s KILL \"${p#/proc/}\" 2>/dev/null ;;",
      "  esac",
      "done",
      "exit 0");

  private final Process process;

  private Reaper(Process process) {
    this.process = process;
  }

  /** Starts the watcher for {@code session}, or returns null (logged) where there is no {@code sh}. */
  static Reaper start(String daemon, String session) {
    try {
      ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", SCRIPT);
      pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
      pb.redirectError(ProcessBuilder.Redirect.DISCARD);
      pb.environment().put("TD_REAPED_SESSION", session);
      return new Reaper(pb.start());
    } catch (IOException e) {
      LOG.warn("daemon '{}': cannot start the process that stops handlers if this JVM dies ({}); handlers that"
          + " ignore the end of their stdin may outlive a killed host", daemon, e.getMessage());
      return null;
    }
  }

  /** Kills what is left of the session and ends the watcher; bounded. */
  void close() {
    OutputStream in = process.getOutputStream();
    try {
      in.close();
    } catch (IOException ignored) {
      // it is gone already
    }
    try {
      process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process.destroyForcibly();
  }
}

package dev.taskdaemon.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure no handler outlives its host. One small shell process per daemon session reads, on its
 * stdin, the process groups the daemon starts ({@code +PGID}) and stops ({@code -PGID}). When its stdin
 * ends — the daemon closed, or the host JVM died, even by {@code kill -9} — it kills every group still
 * listed and exits. It ignores the terminal's interrupt and hang-up signals, which reach the host's
 * whole process group, so that it is still there to clean up after them.
 */
final class Reaper {
  private static final Logger LOG = LoggerFactory.getLogger(Reaper.class);
  private static final String SCRIPT = String.join("\n",
      "trap '' INT HUP TERM QUIT",
      "groups=''",
      "while IFS= read -r line; do",
      "  case \"$line\" in",
      "    +*) groups=\"$groups ${line#+}\" ;;",
      "    -*) g=\"${line#-}\"; keep=''; for x in $groups; do [ \"$x\" = \"$g\" ] || keep=\"$keep $x\"; done;"
          + " groups=\"$keep\" ;;",
      "  esac",
      "done",
      "for g in $groups; do kill -s KILL -- -\"$g\" 2>/dev/null; done",
      "exit 0");

  private final Process process;
  private final OutputStream in;
  private boolean broken;

  private Reaper(Process process) {
    this.process = process;
    this.in = process.getOutputStream();
  }

  /** Starts the watcher, or returns null (logged) where there is no {@code sh}. */
  static Reaper start(String daemon) {
    try {
      ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", SCRIPT);
      pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
      pb.redirectError(ProcessBuilder.Redirect.DISCARD);
      pb.environment().put("TASKDAEMON_REAPER", daemon);
      return new Reaper(pb.start());
    } catch (IOException e) {
      LOG.warn("daemon '{}': cannot start the process that stops handlers if this JVM dies ({}); handlers that"
          + " ignore the end of their stdin may outlive a killed host", daemon, e.getMessage());
      return null;
    }
  }

  /** Watches process group {@code pgid}. */
  synchronized void add(long pgid) {
    send("+" + pgid);
  }

  /** Stops watching process group {@code pgid} (it has been killed, or proven empty). */
  synchronized void remove(long pgid) {
    send("-" + pgid);
  }

  private void send(String line) {
    if (broken) {
      return;
    }
    try {
      in.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
      in.flush();
    } catch (IOException e) {
      broken = true;
      LOG.warn("the process that stops handlers if this JVM dies is gone: {}", e.getMessage());
    }
  }

  /** Kills what is still listed and ends the watcher. */
  synchronized void close() {
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

  long pid() {
    return process.pid();
  }
}

package dev.taskdaemon.docker.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The host process that owns a session's containers, as written into their labels, and the test
 * a later daemon applies to decide whether that owner is gone.
 *
 * <p>A pid only means something inside one pid namespace of one boot of one kernel, so the labels
 * carry the kernel's boot id and the pid namespace next to the pid; containers owned from any other
 * place (another machine sharing a remote engine, another container) are never judged dead. The
 * owner's start time guards against a recycled pid.
 *
 * @param pid the owner's pid
 * @param host the host name, for people reading labels
 * @param namespace boot id and pid namespace ({@code <boot-id>/pid:[4026531836]}), or {@code ""} when unknown
 * @param started the owner's start time in epoch milliseconds, or -1 when unknown
 */
public record Owner(long pid, String host, String namespace, long started) {
  public static final String LABEL_PID = "dev.taskdaemon.owner-pid";
  public static final String LABEL_HOST = "dev.taskdaemon.owner-host";
  public static final String LABEL_NAMESPACE = "dev.taskdaemon.owner-ns";
  public static final String LABEL_STARTED = "dev.taskdaemon.owner-started";

  private static final long START_TOLERANCE_MILLIS = 1000;
  private static final Owner CURRENT = detect();

  /** What an owner's labels say about it, seen from here. */
  public enum Verdict {
    /** The owner process still runs here. */
    ALIVE,
    /** The owner ran here and is gone: its containers are leftovers. */
    GONE,
    /** The owner ran elsewhere (or the labels are incomplete): it cannot be judged from here. */
    ELSEWHERE
  }

  /** This JVM. */
  public static Owner current() {
    return CURRENT;
  }

  /** The labels that identify this owner on a container. */
  public Map<String, String> labels() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(LABEL_PID, Long.toString(pid));
    m.put(LABEL_HOST, host);
    m.put(LABEL_NAMESPACE, namespace);
    if (started >= 0) {
      m.put(LABEL_STARTED, Long.toString(started));
    }
    return m;
  }

  /** Judges the owner recorded in a container's labels. */
  public Verdict judge(Map<String, String> labels) {
    long otherPid;
    try {
      otherPid = Long.parseLong(labels.getOrDefault(LABEL_PID, ""));
    } catch (NumberFormatException e) {
      return Verdict.ELSEWHERE;
    }
    if (!host.equals(labels.get(LABEL_HOST)) || !namespace.equals(labels.get(LABEL_NAMESPACE))) {
      return Verdict.ELSEWHERE;
    }
    Optional<ProcessHandle> h = ProcessHandle.of(otherPid);
    if (h.isEmpty() || !h.get().isAlive() || isZombie(otherPid)) {
      return Verdict.GONE;
    }
    String startedLabel = labels.get(LABEL_STARTED);
    Optional<Instant> start = h.get().info().startInstant();
    if (startedLabel != null && start.isPresent()) {
      try {
        if (Math.abs(start.get().toEpochMilli() - Long.parseLong(startedLabel)) > START_TOLERANCE_MILLIS) {
          return Verdict.GONE; // the pid now belongs to a younger process
        }
      } catch (NumberFormatException e) {
        return Verdict.ALIVE;
      }
    }
    return Verdict.ALIVE;
  }

  /**
   * A killed process stays visible until its parent reaps it, and an init that reaps slowly keeps
   * it "alive" for {@code kill -0}; its state letter in {@code /proc} tells the truth.
   */
  private static boolean isZombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
      int close = stat.lastIndexOf(')');
      if (close < 0 || close + 2 >= stat.length()) {
        return false;
      }
      char state = stat.charAt(close + 2);
      return state == 'Z' || state == 'X';
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static Owner detect() {
    ProcessHandle self = ProcessHandle.current();
    long started = self.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
    String boot = read("/proc/sys/kernel/random/boot_id");
    String pidNs = null;
    try {
      pidNs = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
    } catch (IOException | RuntimeException e) {
      // not Linux: the host name alone identifies the place
    }
    String ns = boot != null && pidNs != null ? boot + "/" + pidNs : "";
    return new Owner(self.pid(), hostName(), ns, started);
  }

  private static String hostName() {
    String h = read("/proc/sys/kernel/hostname");
    if (h == null) {
      h = System.getenv("HOSTNAME");
    }
    if (h == null || h.isBlank()) {
      try {
        h = java.net.InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        h = "unknown";
      }
    }
    return h;
  }

  private static String read(String file) {
    try {
      String s = Files.readString(Path.of(file), StandardCharsets.US_ASCII).strip();
      return s.isEmpty() ? null : s;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}

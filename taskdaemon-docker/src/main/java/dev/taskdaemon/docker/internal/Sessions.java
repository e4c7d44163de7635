package dev.taskdaemon.docker.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskdaemon.spi.RuntimeContext;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and removes containers by the project's labels: a session's own at shutdown, and those
 * that earlier sessions of a daemon left behind when their owner process died.
 */
public final class Sessions {
  private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);
  private static final Duration LIST_BOUND = Duration.ofSeconds(20);
  private static final Duration REMOVE_BOUND = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final DockerCli cli;

  public Sessions(DockerCli cli) {
    this.cli = cli;
  }

  /**
   * Removes containers of {@code daemon} on {@code engine} whose owner process ran here and is gone.
   * Containers owned by live processes, or by processes elsewhere, are left alone.
   *
   * @return the names removed
   */
  public List<String> reap(Endpoint engine, String daemon, Owner self) throws IOException {
    List<String> ids = list(engine, "label=" + RunCommand.LABEL_MANAGED + "=true",
        "label=" + RunCommand.LABEL_DAEMON + "=" + daemon);
    if (ids.isEmpty()) {
      return List.of();
    }
    List<String> args = new ArrayList<>(List.of("inspect", "--type", "container"));
    args.addAll(ids);
    // Some may vanish between ps and inspect: inspect still prints the others, with exit code 1.
    DockerCli.Outcome r = cli.run(engine, LIST_BOUND, args, Map.of());
    if (r.timedOut() || r.out().isBlank()) {
      LOG.warn("daemon '{}': could not inspect leftover containers on {}: {}", daemon, engine, r.reason());
      return List.of();
    }
    Map<String, String> gone = new LinkedHashMap<>();
    int elsewhere = 0;
    for (JsonNode c : JSON.readTree(r.out())) {
      Map<String, String> labels = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : c.path("Config").path("Labels").properties()) {
        labels.put(e.getKey(), e.getValue().asText());
      }
      String name = c.path("Name").asText().replaceFirst("^/", "");
      switch (self.judge(labels)) {
        case GONE:
          gone.put(c.path("Id").asText(), name + " (session " + labels.get(RunCommand.LABEL_SESSION)
              + ", owner pid " + labels.get(Owner.LABEL_PID) + " gone)");
          break;
        case ELSEWHERE:
          elsewhere++;
          break;
        default:
          break;
      }
    }
    if (elsewhere > 0) {
      LOG.info("daemon '{}': {} container(s) on {} belong to processes on other hosts or namespaces;"
          + " left alone", daemon, elsewhere, engine);
    }
    if (gone.isEmpty()) {
      return List.of();
    }
    remove(engine, gone.keySet());
    LOG.warn("daemon '{}': removed {} container(s) left on {} by earlier sessions whose process died: {}",
        daemon, gone.size(), engine, gone.values());
    return List.copyOf(gone.values());
  }

  /** Removes every container of {@code session} on {@code engine}; returns how many there were. */
  public int removeSession(Endpoint engine, RuntimeContext session) throws IOException {
    String[] filters = {"label=" + RunCommand.LABEL_SESSION + "=" + session.session(),
        "label=" + RunCommand.LABEL_DAEMON + "=" + session.daemon()};
    List<String> ids = list(engine, filters);
    if (ids.isEmpty()) {
      return 0;
    }
    remove(engine, ids);
    // A container the engine was already removing (--rm after a kill) is still listed for a moment;
    // "removed" must mean gone.
    long deadline = System.nanoTime() + REMOVE_BOUND.toNanos();
    while (!list(engine, filters).isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IOException("containers of session " + session.session() + " on " + engine
            + " are still listed " + REMOVE_BOUND.toSeconds() + "s after docker rm -f");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
    return ids.size();
  }

  private List<String> list(Endpoint engine, String... filters) throws IOException {
    List<String> args = new ArrayList<>(List.of("ps", "-a", "-q", "--no-trunc"));
    for (String f : filters) {
      args.add("--filter");
      args.add(f);
    }
    DockerCli.Outcome r = cli.run(engine, LIST_BOUND, args, Map.of());
    if (!r.ok()) {
      throw new IOException("docker ps on " + engine + " failed: " + r.reason());
    }
    return r.lines();
  }

  private void remove(Endpoint engine, java.util.Collection<String> ids) throws IOException {
    List<String> args = new ArrayList<>(List.of("rm", "-f"));
    args.addAll(ids);
    DockerCli.Outcome r = cli.run(engine, REMOVE_BOUND, args, Map.of());
    String err = r.err().toLowerCase(Locale.ROOT);
    if (!r.ok() && !err.contains("no such container") && !err.contains("already in progress")) {
      throw new IOException("docker rm -f on " + engine + " failed: " + r.reason());
    }
  }

  /** Distinct engines of a set of options. */
  public static Set<Endpoint> engines(List<DockerOptions> options) {
    Set<Endpoint> s = new java.util.LinkedHashSet<>();
    for (DockerOptions o : options) {
      s.add(o.endpoint());
    }
    return s;
  }
}

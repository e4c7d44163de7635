package dev.taskdaemon.docker.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskdaemon.spi.RuntimeContext;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
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
 * that earlier sessions of a daemon left behind when their owner process died. The same rules and
 * messages hold whichever transport reaches the engine; {@link Admin} is the part that differs.
 */
public final class Sessions {
  private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);
  private static final Duration LIST_BOUND = Duration.ofSeconds(20);
  private static final Duration REMOVE_BOUND = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A container as found by its labels. */
  public record Found(String id, String name, Map<String, String> labels) {}

  /** Listing, inspecting and removing containers on one engine. */
  public interface Admin {
    /** Ids of all containers (any state) that carry every {@code key=value} label. */
    List<String> list(List<String> labels) throws IOException;

    /** The containers among {@code ids} that still exist. */
    List<Found> inspect(List<String> ids) throws IOException;

    /** Removes by force; containers already gone or already being removed are no error. */
    void remove(Collection<String> ids) throws IOException;
  }

  private Sessions() {}

  /**
   * Removes containers of {@code daemon} whose owner process ran here and is gone. Containers owned
   * by live processes, or by processes elsewhere, are left alone.
   *
   * @return the names removed
   */
  public static List<String> reap(Admin admin, Endpoint engine, String daemon, Owner self) throws IOException {
    List<String> ids = admin.list(List.of(RunCommand.LABEL_MANAGED + "=true", RunCommand.LABEL_DAEMON + "=" + daemon));
    if (ids.isEmpty()) {
      return List.of();
    }
    Map<String, String> gone = new LinkedHashMap<>();
    int elsewhere = 0;
    for (Found c : admin.inspect(ids)) {
      switch (self.judge(c.labels())) {
        case GONE:
          gone.put(c.id(), c.name() + " (session " + c.labels().get(RunCommand.LABEL_SESSION)
              + ", owner pid " + c.labels().get(Owner.LABEL_PID) + " gone)");
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
    admin.remove(gone.keySet());
    LOG.warn("daemon '{}': removed {} container(s) left on {} by earlier sessions whose process died: {}",
        daemon, gone.size(), engine, gone.values());
    return List.copyOf(gone.values());
  }

  /** Removes every container of {@code session}; returns how many there were. */
  public static int removeSession(Admin admin, Endpoint engine, RuntimeContext session) throws IOException {
    List<String> filters = List.of(RunCommand.LABEL_SESSION + "=" + session.session(),
        RunCommand.LABEL_DAEMON + "=" + session.daemon());
    List<String> ids = admin.list(filters);
    if (ids.isEmpty()) {
      return 0;
    }
    admin.remove(ids);
    // A container the engine was already removing (--rm after a kill) is still listed for a moment;
    // "removed" must mean gone.
    long deadline = System.nanoTime() + REMOVE_BOUND.toNanos();
    while (!admin.list(filters).isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IOException("containers of session " + session.session() + " on " + engine
            + " are still listed " + REMOVE_BOUND.toSeconds() + "s after their forced removal");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
    return ids.size();
  }

  /** {@link Admin} through the docker CLI. */
  public static Admin cli(DockerCli cli, Endpoint engine) {
    return new Admin() {
      @Override
      public List<String> list(List<String> labels) throws IOException {
        List<String> args = new ArrayList<>(List.of("ps", "-a", "-q", "--no-trunc"));
        for (String l : labels) {
          args.add("--filter");
          args.add("label=" + l);
        }
        DockerCli.Outcome r = cli.run(engine, LIST_BOUND, args, Map.of());
        if (!r.ok()) {
          throw new IOException("docker ps on " + engine + " failed: " + r.reason());
        }
        return r.lines();
      }

      @Override
      public List<Found> inspect(List<String> ids) throws IOException {
        List<String> args = new ArrayList<>(List.of("inspect", "--type", "container"));
        args.addAll(ids);
        // Some may vanish between ps and inspect: inspect still prints the others, with exit code 1.
        DockerCli.Outcome r = cli.run(engine, LIST_BOUND, args, Map.of());
        if (r.timedOut() || r.out().isBlank()) {
          LOG.warn("could not inspect leftover containers on {}: {}", engine, r.reason());
          return List.of();
        }
        List<Found> out = new ArrayList<>();
        for (JsonNode c : JSON.readTree(r.out())) {
          out.add(found(c));
        }
        return out;
      }

      @Override
      public void remove(Collection<String> ids) throws IOException {
        List<String> args = new ArrayList<>(List.of("rm", "-f"));
        args.addAll(ids);
        DockerCli.Outcome r = cli.run(engine, REMOVE_BOUND, args, Map.of());
        String err = r.err().toLowerCase(Locale.ROOT);
        if (!r.ok() && !err.contains("no such container") && !err.contains("already in progress")) {
          throw new IOException("docker rm -f on " + engine + " failed: " + r.reason());
        }
      }
    };
  }

  /** {@link Admin} through the Engine API. */
  public static Admin api(EngineApi api, Endpoint engine) {
    return new Admin() {
      @Override
      public List<String> list(List<String> labels) throws IOException {
        return api.list(labels, LIST_BOUND);
      }

      @Override
      public List<Found> inspect(List<String> ids) throws IOException {
        List<Found> out = new ArrayList<>();
        for (String id : ids) {
          JsonNode c = api.inspect(id, LIST_BOUND);
          if (c != null) {
            out.add(found(c));
          }
        }
        return out;
      }

      @Override
      public void remove(Collection<String> ids) throws IOException {
        for (String id : ids) {
          String r = api.remove(id, REMOVE_BOUND);
          if (!Set.of("removed", "gone", "in progress").contains(r)) {
            throw new IOException("removing container " + id + " on " + engine + " failed: " + r);
          }
        }
      }
    };
  }

  private static Found found(JsonNode c) {
    Map<String, String> labels = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : c.path("Config").path("Labels").properties()) {
      labels.put(e.getKey(), e.getValue().asText());
    }
    return new Found(c.path("Id").asText(), c.path("Name").asText().replaceFirst("^/", ""), labels);
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

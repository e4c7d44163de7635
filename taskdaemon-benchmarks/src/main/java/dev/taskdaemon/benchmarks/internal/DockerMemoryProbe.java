package dev.taskdaemon.benchmarks.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.taskdaemon.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs in a child JVM: the host's resident memory per container instance for one docker transport,
 * that is this JVM's VmRSS plus that of every process it started (the {@code docker run -i} clients
 * of the cli transport), with no daemon and then with N containers that have answered tasks. The
 * containers' own shims and handlers belong to the engine, not the host process, and are not counted.
 * Prints one line, {@code MEMORY {json}}.
 *
 * <p>Usage: {@code DockerMemoryProbe N TRANSPORT IMAGE}
 */
public final class DockerMemoryProbe {
  private DockerMemoryProbe() {}

  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(args[0]);
    String transport = args[1];
    String image = args[2];
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode out = mapper.createObjectNode();
    out.put("instances", n);
    out.put("transport", transport);
    sample(out, "before");
    try (EngineLoad engine = EngineLoad.start(n, h -> h.image(image).option("network", "none")
        .option("docker_transport", transport))) {
      JsonNode data = Payloads.ofSize(100);
      List<CompletableFuture<Result>> all = new ArrayList<>();
      for (int i = 0; i < 2 * n; i++) {
        all.add(engine.daemon.submit(Payloads.TASK_TYPE, data));
      }
      for (CompletableFuture<Result> f : all) {
        Result r = f.get(5, TimeUnit.MINUTES);
        if (!r.isSuccess()) {
          throw new IllegalStateException("task failed: " + r.asFailure().message());
        }
      }
      engine.checkHealthy();
      out.put("instances_alive", engine.daemon.stats(Payloads.TASK_TYPE).instancesAlive());
      sample(out, "after");
    }
    System.out.println(MemoryProbe.PREFIX + mapper.writeValueAsString(out));
  }

  private static void sample(ObjectNode out, String prefix) throws IOException {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    long self = MemoryProbe.rssBytes();
    long[] children = {0, 0};
    ProcessHandle.current().descendants().forEach(p -> {
      long rss = rss(p.pid());
      if (rss > 0) {
        children[0] += rss;
        children[1]++;
      }
    });
    out.put(prefix + "_jvm_rss_bytes", self);
    out.put(prefix + "_children_rss_bytes", children[0]);
    out.put(prefix + "_children", children[1]);
    out.put(prefix + "_rss_bytes", self + children[0]);
  }

  private static long rss(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // the process ended meanwhile
    }
    return -1;
  }
}

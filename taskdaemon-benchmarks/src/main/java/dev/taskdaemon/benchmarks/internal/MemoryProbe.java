package dev.taskdaemon.benchmarks.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.taskdaemon.Result;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs in a child JVM started with a fixed {@code -Xmx}, so that "N instances fit in this heap" is
 * a fact rather than an estimate: measures heap after GC, the JVM's resident memory and its thread
 * count with no daemon, then with N instances of the echo handler that have each answered tasks.
 * Prints one line, {@code MEMORY {json}}, on stdout.
 *
 * <p>Usage: {@code MemoryProbe N COMMAND...}
 */
public final class MemoryProbe {
  /** The prefix of the result line. */
  public static final String PREFIX = "MEMORY ";

  private MemoryProbe() {}

  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(args[0]);
    List<String> command = List.of(Arrays.copyOfRange(args, 1, args.length));
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode out = mapper.createObjectNode();
    out.put("instances", n);
    out.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
    sample(out, "before");
    long t0 = System.nanoTime();
    try (EngineLoad engine = EngineLoad.start(n, h -> h.command(command))) {
      out.put("start_seconds", (System.nanoTime() - t0) / 1e9);
      // Two tasks per instance, all at once: every instance is busy at least once, so its buffers,
      // threads and the pool's bookkeeping are as they are in service, not just after start.
      ObjectNode data = Payloads.ofSize(100);
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
      threadKinds(out.putObject("after_thread_kinds"));
    }
    System.out.println(PREFIX + mapper.writeValueAsString(out));
  }

  private static void sample(ObjectNode out, String prefix) throws IOException {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    out.put(prefix + "_heap_bytes", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    out.put(prefix + "_rss_bytes", rssBytes());
    out.put(prefix + "_threads", ManagementFactory.getThreadMXBean().getThreadCount());
  }

  /** Live threads by name with instance names and counters masked: which threads each instance costs. */
  private static void threadKinds(ObjectNode out) {
    Map<String, Integer> kinds = new TreeMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      String kind = t.getName().replaceAll("echo-[0-9]+(\\.[0-9]+)?", "echo-N").replaceAll("-[0-9]+$", "-N")
          .replaceAll("\\(pid [0-9]+\\)", "(pid N)");
      kinds.merge(kind, 1, Integer::sum);
    }
    kinds.forEach(out::put);
  }

  /** VmRSS from /proc/self/status, or -1 where there is no /proc. */
  static long rssBytes() throws IOException {
    Path status = Path.of("/proc/self/status");
    if (!Files.isReadable(status)) {
      return -1;
    }
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("VmRSS:")) {
        String[] parts = line.substring(6).trim().split("\\s+");
        return Long.parseLong(parts[0]) * 1024;
      }
    }
    return -1;
  }
}

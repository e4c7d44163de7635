package dev.taskdaemon.benchmarks.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One benchmark run: every section in turn, each baseline measured right next to what it is the
 * baseline for, so that the ratios hold on a noisy shared machine even when the absolute figures
 * do not.
 */
public final class BenchmarkRun {
  /** Section names, also accepted by {@code --only}. */
  public static final List<String> SECTIONS = List.of("pipe", "payload", "warm", "memory", "docker", "codec",
      "store", "server");

  static final int[] CODEC_SIZES = {100, 10 * 1024, 1024 * 1024};
  private static final int SMALL = 100;
  private static final Duration CELL_CAP = Duration.ofMinutes(3);

  private static final String PIPE = "Engine vs raw pipe, 100 B tasks (closed loop; ratio = engine ÷ raw tasks/s)";
  private static final String PAYLOAD = "Payload sizes, 1 instance, 1 submitter (ratio = engine ÷ raw tasks/s)";
  private static final String WARM = "Time to warm N instances (ratio = engine ÷ raw)";
  private static final String MEMORY = "Host JVM cost per process instance (child JVM)";
  private static final String DOCKER = "Docker (ratio = measured ÷ baseline tasks/s)";
  private static final String TARGETS = "Targets";

  private final Settings s;
  private final Handler handler;
  private final Path workDir;
  private final Report report;
  private final PrintStream log;
  private final Set<String> only;
  private final String runId = UUID.randomUUID().toString().substring(0, 8);

  /**
   * @param only the sections to run; empty for all
   * @param log progress lines go here (the tables are printed by the caller)
   */
  public BenchmarkRun(Settings s, Handler handler, Path workDir, Report report, Set<String> only, PrintStream log) {
    this.s = s;
    this.handler = handler;
    this.workDir = workDir;
    this.report = report;
    this.only = only;
    this.log = log;
  }

  /** Runs the chosen sections; a failing section leaves its rows "not measured" with the reason. */
  public void run() {
    report.info("mode", s.mode());
    report.info("started", Instant.now().toString());
    report.info("machine", Runtime.getRuntime().availableProcessors() + " cpus, " + System.getProperty("os.name")
        + " " + System.getProperty("os.arch") + ", java " + System.getProperty("java.version")
        + ", max heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB");
    report.info("handler", handler.kind() + " " + handler.command() + (handler.note() != null ? " (" + handler.note()
        + ")" : ""));
    section("pipe", PIPE, this::pipe);
    section("payload", PAYLOAD, this::payloads);
    section("warm", WARM, this::warm);
    section("memory", MEMORY, this::memory);
    section("docker", DOCKER, this::docker);
    section("codec", CodecBench.SECTION, () -> CodecBench.run(s, report));
    section("store", StoreBench.SECTION, () -> StoreBench.run(s, report, handler, workDir, log));
    section("server", ServerBench.SECTION, () -> ServerBench.run(s, handler, report, log));
    report.info("finished", Instant.now().toString());
  }

  @FunctionalInterface
  private interface Body {
    void run() throws Exception;
  }

  private void section(String key, String title, Body body) {
    if (!only.isEmpty() && !only.contains(key)) {
      return;
    }
    log.println("[bench] " + key + " …");
    long t0 = System.nanoTime();
    try {
      body.run();
    } catch (Exception | AssertionError e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      String why = "failed: " + e;
      log.println("[bench] " + key + " " + why);
      e.printStackTrace(log);
      report.notMeasured(title, why);
      report.notMeasured(TARGETS, key + " section " + why);
    }
    log.printf(Locale.ROOT, "[bench] %s done in %.1f s%n", key, (System.nanoTime() - t0) / 1e9);
  }

  // ---------------------------------------------------------------- engine vs raw pipe

  private void pipe() throws Exception {
    for (int n : s.instanceCounts()) {
      for (int c : s.submitterCounts()) {
        report.plan(pipeId(n, c), PIPE, n + " inst, " + c + " submitters", null);
        if (n == Settings.TARGET_INSTANCES) {
          report.plan(pipeId(n, c) + "_callback", PIPE, n + " inst, " + c + " submitters, chained callback", null);
        }
        if (fifoCell(n, c)) {
          report.plan(pipeId(n, c) + "_fifo", PIPE, n + " inst, " + c + FIFO_WHAT, null);
        }
      }
    }
    Row.Target tput = new Row.Target(true, 0.6);
    Row.Target lat = new Row.Target(false, 0.25);
    Row.Target p99 = new Row.Target(false, 2.0);
    String tputWhat = "engine throughput, " + Settings.TARGET_INSTANCES + " instances, fast handler ÷ raw pipe";
    String latWhat = "median latency added at 1 submitter ÷ raw pipe round trip";
    String p99What = "engine p99 ÷ raw p99, " + Settings.TARGET_INSTANCES + " instances, worst submitter count";
    report.plan("target_throughput", TARGETS, tputWhat, tput);
    report.plan("target_latency", TARGETS, latWhat, lat);
    report.plan("target_p99", TARGETS, p99What, p99);
    Row.Target floor = new Row.Target(true, 0.5);
    String floorWhat = "lowest engine ÷ raw pipe over the get() cells of the matrix";
    report.plan("target_matrix_min", TARGETS, floorWhat, floor);

    JsonNode data = Payloads.ofSize(SMALL);
    byte[] request = Payloads.requestLine(data);
    byte[] expected = Payloads.expectedResponse(request);
    Map<String, LoadResult[]> cells = new LinkedHashMap<>();
    for (int n : s.instanceCounts()) {
      boolean anyFifo = s.submitterCounts().stream().anyMatch(c -> fifoCell(n, c));
      try (RawPipe raw = new RawPipe(handler.command(), n);
          RawPipe fifo = anyFifo ? new RawPipe(handler.command(), n, true) : null;
          EngineLoad engine = EngineLoad.start(n, h -> h.command(handler.command()))) {
        for (int c : s.submitterCounts()) {
          LoadResult[] re = Load.alternate("pipe-" + n + "-" + c, s.rounds(), c, raw.op(request, expected),
              engine.op(data), s.warmup(), s.rewarm(), s.measure(), 1, CELL_CAP);
          LoadResult r = re[0];
          LoadResult e = re[1];
          engine.checkHealthy();
          cells.put(pipeId(n, c), new LoadResult[] {r, e});
          report.add(loadRow(pipeId(n, c), PIPE, n + " inst, " + c + " submitters", r, e));
          log.println("[bench]   " + n + " instances, " + c + " submitters: raw " + rate(r) + ", engine " + rate(e));
          if (n == Settings.TARGET_INSTANCES) {
            // Beside each get() cell: the same load waiting on a chained callback, which runs on the
            // daemon's callback executor rather than on the thread that read the answer.
            LoadResult[] cb = Load.alternate("pipe-cb-" + n + "-" + c, s.rounds(), c, raw.op(request, expected),
                engine.callbackOp(data), s.warmup(), s.rewarm(), s.measure(), 1, CELL_CAP);
            engine.checkHealthy();
            report.add(loadRow(pipeId(n, c) + "_callback", PIPE, n + " inst, " + c + " submitters, chained callback",
                cb[0], cb[1]));
            log.println("[bench]   " + n + " instances, " + c + " submitters, callback: raw " + rate(cb[0])
                + ", engine " + rate(cb[1]));
          }
          if (fifoCell(n, c)) {
            // The same engine against a raw loop that hands idle processes to waiting threads in turn.
            LoadResult[] ff = Load.alternate("pipe-fifo-" + n + "-" + c, s.rounds(), c, fifo.op(request, expected),
                engine.op(data), s.warmup(), s.rewarm(), s.measure(), 1, CELL_CAP);
            engine.checkHealthy();
            report.add(loadRow(pipeId(n, c) + "_fifo", PIPE, n + " inst, " + c + FIFO_WHAT, ff[0], ff[1]));
            log.println("[bench]   " + n + " instances, " + c + " submitters, FIFO raw " + rate(ff[0]) + ", engine "
                + rate(ff[1]));
          }
        }
      }
    }
    // Target: best throughput over the submitter counts, for raw and engine alike.
    LoadResult bestRaw = null;
    LoadResult bestEngine = null;
    int bestRawC = 0;
    int bestEngineC = 0;
    for (int c : s.submitterCounts()) {
      LoadResult[] cell = cells.get(pipeId(Settings.TARGET_INSTANCES, c));
      if (cell == null) {
        continue;
      }
      if (bestRaw == null || cell[0].perSecond() > bestRaw.perSecond()) {
        bestRaw = cell[0];
        bestRawC = c;
      }
      if (bestEngine == null || cell[1].perSecond() > bestEngine.perSecond()) {
        bestEngine = cell[1];
        bestEngineC = c;
      }
    }
    if (bestRaw != null) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("raw_per_second", bestRaw.perSecond());
      f.put("raw_submitters", bestRawC);
      f.put("engine_per_second", bestEngine.perSecond());
      f.put("engine_submitters", bestEngineC);
      report.add(new Row("target_throughput", TARGETS, tputWhat, rate(bestRaw) + " (" + bestRawC + " subm.)",
          rate(bestEngine) + " (" + bestEngineC + " subm.)", bestEngine.perSecond() / bestRaw.perSecond(), tput,
          null, f));
    }
    // Issue 14: no get() cell of the matrix below the floor.
    String lowId = null;
    double low = 0;
    for (Map.Entry<String, LoadResult[]> c : cells.entrySet()) {
      double ratio = c.getValue()[1].perSecond() / c.getValue()[0].perSecond();
      if (lowId == null || ratio < low) {
        lowId = c.getKey();
        low = ratio;
      }
    }
    if (lowId != null) {
      LoadResult[] cell = cells.get(lowId);
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("cell", lowId);
      f.put("cells", cells.size());
      report.add(new Row("target_matrix_min", TARGETS, floorWhat, rate(cell[0]) + " (" + lowId + ")",
          rate(cell[1]), low, floor, null, f));
    }
    // Tail latency: the worst of the get() cells at the target pool size, each side from the same cell.
    int worstC = 0;
    double worst = 0;
    for (int c : s.submitterCounts()) {
      LoadResult[] cell = cells.get(pipeId(Settings.TARGET_INSTANCES, c));
      if (cell != null && (worstC == 0 || cell[1].p99Micros() / cell[0].p99Micros() > worst)) {
        worst = cell[1].p99Micros() / cell[0].p99Micros();
        worstC = c;
      }
    }
    if (worstC > 0) {
      LoadResult[] cell = cells.get(pipeId(Settings.TARGET_INSTANCES, worstC));
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("submitters", worstC);
      f.put("raw_p99_micros", cell[0].p99Micros());
      f.put("engine_p99_micros", cell[1].p99Micros());
      report.add(new Row("target_p99", TARGETS, p99What, "raw p99 " + micros(cell[0].p99Micros()) + " (" + worstC
          + " subm.)", "engine p99 " + micros(cell[1].p99Micros()), worst, p99, null, f));
    }
    LoadResult[] one = cells.get(pipeId(1, 1));
    if (one != null) {
      double added = one[1].p50Micros() - one[0].p50Micros();
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("raw_p50_micros", one[0].p50Micros());
      f.put("engine_p50_micros", one[1].p50Micros());
      f.put("added_p50_micros", added);
      report.add(new Row("target_latency", TARGETS, latWhat, "raw p50 " + micros(one[0].p50Micros()),
          "engine p50 " + micros(one[1].p50Micros()) + ", added " + micros(added), added / one[0].p50Micros(), lat,
          "ratio = (engine p50 − raw p50) ÷ raw p50, 1 instance, 1 submitter, 100 B", f));
    }
  }

  private static final String FIFO_WHAT = " submitters, raw loop hands idle processes out in FIFO order";

  /**
   * Cells where submitters outnumber instances four to one or more: the engine serves queued tasks in
   * order, while the raw loop's idle queue mostly goes back to the thread that just gave a process
   * back, and the other threads wait for long stretches (a round trip that outlasts the window is
   * not counted at all). These cells also run against a
   * raw loop that serves waiting threads in turn, so that both sides keep the same order.
   */
  static boolean fifoCell(int n, int c) {
    return n > 1 && c >= 4 * n;
  }

  static String pipeId(int n, int c) {
    return "pipe_i" + n + "_s" + c;
  }

  private static Row loadRow(String id, String section, String what, LoadResult raw, LoadResult engine) {
    Map<String, Object> f = new LinkedHashMap<>();
    put(f, "raw", raw);
    put(f, "engine", engine);
    return new Row(id, section, what, describe(raw), describe(engine), engine.perSecond() / raw.perSecond(), null,
        null, f);
  }

  static void put(Map<String, Object> f, String prefix, LoadResult r) {
    f.put(prefix + "_ops", r.ops());
    f.put(prefix + "_seconds", r.seconds());
    f.put(prefix + "_per_second", r.perSecond());
    f.put(prefix + "_p50_micros", r.p50Micros());
    f.put(prefix + "_p99_micros", r.p99Micros());
    f.put(prefix + "_p999_micros", r.p999Micros());
    f.put(prefix + "_max_micros", r.maxMicros());
    f.put(prefix + "_mean_micros", r.meanMicros());
  }

  static String describe(LoadResult r) {
    return rate(r) + " · p50/p99/p99.9 " + micros(r.p50Micros()) + "/" + micros(r.p99Micros()) + "/"
        + micros(r.p999Micros());
  }

  static String rate(LoadResult r) {
    return Report.number(r.perSecond()) + "/s";
  }

  static String micros(double us) {
    if (Math.abs(us) >= 10_000) {
      return Report.number(us / 1000) + " ms";
    }
    return Report.number(us) + " µs";
  }

  // ---------------------------------------------------------------- payload sizes

  /**
   * Payload rows with a target (issue 14): engine ÷ raw tasks/s at least this. The targets are set on
   * the rows whose task data is given as encoded JSON ({@code RawJson}), as the raw pipe's is: the
   * rows that pass a {@code JsonNode} also measure Jackson writing the tree, which the raw pipe never
   * does, and are shown beside them.
   */
  private static final Map<String, Double> PAYLOAD_TARGETS = Map.of("payload_10kb_encoded", 0.7,
      "payload_1mb_encoded", 0.25, "payload_10mb_encoded", 0.25, "payload_1mb_encoded_read", 0.15,
      "payload_10mb_encoded_read", 0.15);

  private static final String ENCODED = ", as encoded JSON (RawJson)";

  private void payloads() throws Exception {
    for (int size : s.payloadBytes()) {
      String id = "payload_" + sizeId(size);
      report.plan(id, PAYLOAD, sizeLabel(size) + ", as a JsonNode", null);
      report.plan(id + "_encoded", PAYLOAD, sizeLabel(size) + ENCODED, null);
      if (readRow(size)) {
        report.plan(id + "_read", PAYLOAD, sizeLabel(size) + ", as a JsonNode, caller reads json()", null);
        report.plan(id + "_encoded_read", PAYLOAD, sizeLabel(size) + ENCODED + ", caller reads json()", null);
      }
    }
    for (int size : s.payloadBytes()) {
      String base = "payload_" + sizeId(size);
      for (String id : List.of(base + "_encoded", base + "_encoded_read")) {
        if (PAYLOAD_TARGETS.containsKey(id)) {
          report.plan("target_" + id, TARGETS, payloadTargetWhat(id, size), payloadTarget(id));
        }
      }
    }
    try (RawPipe raw = new RawPipe(handler.command(), 1);
        EngineLoad engine = EngineLoad.start(1, h -> h.command(handler.command()))) {
      for (int size : s.payloadBytes()) {
        JsonNode data = Payloads.ofSize(size);
        byte[] request = Payloads.requestLine(data);
        byte[] expected = Payloads.expectedResponse(request);
        byte[] json = Payloads.json(data);
        // Large payloads take tens of milliseconds each: measure a count, not only a time.
        long min = size >= 1024 * 1024 ? s.payloadMinOps() : 1;
        String id = "payload_" + sizeId(size);
        payloadRow(id, sizeLabel(size) + ", as a JsonNode (" + request.length + " B line)", size,
            raw.op(request, expected), engine.op(data), engine, min);
        payloadRow(id + "_encoded", sizeLabel(size) + ENCODED, size, raw.op(request, expected),
            engine.encodedOp(json, false), engine, min);
        if (readRow(size)) {
          payloadRow(id + "_read", sizeLabel(size) + ", as a JsonNode, caller reads json()", size,
              raw.op(request, expected), engine.readOp(data), engine, min);
          payloadRow(id + "_encoded_read", sizeLabel(size) + ENCODED + ", caller reads json()", size,
              raw.op(request, expected), engine.encodedOp(json, true), engine, min);
        }
      }
    }
  }

  /** The 1 MB and larger payloads are also measured with a caller that reads the result. */
  private static boolean readRow(int size) {
    return size >= 1024 * 1024;
  }

  private static Row.Target payloadTarget(String id) {
    return new Row.Target(true, PAYLOAD_TARGETS.get(id));
  }

  private static String payloadTargetWhat(String id, int size) {
    return "payload " + sizeLabel(size) + " as encoded JSON" + (id.endsWith("_read") ? ", caller reads json()," : "")
        + " 1 instance, 1 submitter: engine ÷ raw pipe";
  }

  private void payloadRow(String id, String what, int size, Load.Op rawOp, Load.Op engineOp, EngineLoad engine,
      long min) throws Exception {
    LoadResult[] re = Load.alternate(id, s.rounds(), 1, rawOp, engineOp, s.warmup(), s.rewarm(), s.measure(), min,
        CELL_CAP);
    LoadResult r = re[0];
    LoadResult e = re[1];
    engine.checkHealthy();
    Row row = loadRow(id, PAYLOAD, what, r, e);
    report.add(row);
    if (PAYLOAD_TARGETS.containsKey(id)) {
      report.add(new Row("target_" + id, TARGETS, payloadTargetWhat(id, size), "raw " + rate(r), "engine " + rate(e),
          row.ratio(), payloadTarget(id), null, row.figures()));
    }
    log.println("[bench]   " + what + ": raw " + rate(r) + ", engine " + rate(e));
  }

  static String sizeId(int bytes) {
    if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) {
      return (bytes / (1024 * 1024)) + "mb";
    }
    if (bytes >= 1024 && bytes % 1024 == 0) {
      return (bytes / 1024) + "kb";
    }
    return bytes + "b";
  }

  static String sizeLabel(int bytes) {
    if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) {
      return (bytes / (1024 * 1024)) + " MB";
    }
    if (bytes >= 1024 && bytes % 1024 == 0) {
      return (bytes / 1024) + " KB";
    }
    return bytes + " B";
  }

  // ---------------------------------------------------------------- warm-up time

  private void warm() throws Exception {
    for (int n : s.warmCounts()) {
      report.plan("warm_" + n, WARM, n + " instances", null);
    }
    JsonNode data = Payloads.ofSize(SMALL);
    byte[] request = Payloads.requestLine(data);
    byte[] expected = Payloads.expectedResponse(request);
    // Untimed once: the first daemon of a JVM loads and links classes (Jackson, the engine, the
    // runtimes) that a warm-up measures only once per application, not per pool.
    try (RawPipe raw = new RawPipe(handler.command(), 1);
        EngineLoad engine = EngineLoad.start(1, h -> h.command(handler.command()))) {
      raw.prime(request, expected);
      engine.op(data).call();
    }
    for (int n : s.warmCounts()) {
      // Raw: start n processes one after another, then one round trip on each.
      long t0 = System.nanoTime();
      double rawSeconds;
      try (RawPipe raw = new RawPipe(handler.command(), n)) {
        raw.prime(request, expected);
        rawSeconds = (System.nanoTime() - t0) / 1e9;
      }
      // Engine: start() (instances start in parallel) and n tasks submitted at once, all answered.
      long e0 = System.nanoTime();
      double startSeconds;
      double engineSeconds;
      try (EngineLoad engine = EngineLoad.start(n, h -> h.command(handler.command()))) {
        startSeconds = (System.nanoTime() - e0) / 1e9;
        List<CompletableFuture<Result>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          all.add(engine.daemon.submit(Payloads.TASK_TYPE, data));
        }
        for (CompletableFuture<Result> f : all) {
          if (!f.get(5, TimeUnit.MINUTES).isSuccess()) {
            throw new IllegalStateException("a warm-up task failed");
          }
        }
        engineSeconds = (System.nanoTime() - e0) / 1e9;
        engine.checkHealthy();
      }
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("raw_seconds", rawSeconds);
      f.put("engine_start_seconds", startSeconds);
      f.put("engine_seconds", engineSeconds);
      report.add(new Row("warm_" + n, WARM, n + " instances: start + 1 task each",
          "raw " + ms(rawSeconds), "engine " + ms(engineSeconds) + " (start() " + ms(startSeconds) + ")",
          engineSeconds / rawSeconds, null, null, f));
      log.println("[bench]   warm " + n + ": raw " + ms(rawSeconds) + ", engine " + ms(engineSeconds));
    }
  }

  static String ms(double seconds) {
    return Report.number(seconds * 1000) + " ms";
  }

  // ---------------------------------------------------------------- memory per instance

  private void memory() throws Exception {
    int largest = s.memoryCounts().get(s.memoryCounts().size() - 1);
    for (int n : s.memoryCounts()) {
      report.plan("memory_" + n, MEMORY, n + " instances", null);
    }
    Row.Target heapTarget = new Row.Target(false, 1.0);
    String targetWhat = String.format(Locale.ROOT, "%,d process instances with ≤ %d MB heap (heap used ÷ %d MB)",
        largest, s.memoryHeapMb(), s.memoryHeapMb());
    report.plan("target_memory", TARGETS, targetWhat, heapTarget);
    for (int n : s.memoryCounts()) {
      List<String> command = handler.command();
      String note = null;
      if (handler.binary() == null && n > 100) {
        // A JVM per instance would measure the handlers, not the host: a shell loop answers instead.
        command = List.of("/bin/sh", "-c", "while IFS= read -r line; do echo '{\"status\":\"success\",\"result\":null}';"
            + " done");
        note = "no C handler: a shell loop handler answered";
      }
      JsonNode m = memoryProbe(n, command);
      long heap = m.get("after_heap_bytes").asLong() - m.get("before_heap_bytes").asLong();
      long rss = m.get("after_rss_bytes").asLong() - m.get("before_rss_bytes").asLong();
      int threads = m.get("after_threads").asInt() - m.get("before_threads").asInt();
      Map<String, Object> f = new ObjectMapper().convertValue(m, new TypeReference<Map<String, Object>>() {});
      String measured = String.format(Locale.ROOT, "per instance: heap %.1f KB, RSS %.0f KB, %.2f threads",
          heap / 1024.0 / n, rss / 1024.0 / n, threads / (double) n);
      String baseline = String.format(Locale.ROOT, "JVM before: heap %.1f MB, RSS %.0f MB, %d threads",
          m.get("before_heap_bytes").asLong() / 1048576.0, m.get("before_rss_bytes").asLong() / 1048576.0,
          m.get("before_threads").asInt());
      String threadNote = threadKinds(m.get("after_thread_kinds"));
      report.add(new Row("memory_" + n, MEMORY, n + " instances (-Xmx" + s.memoryHeapMb() + "m)", baseline, measured,
          null, null, note == null ? threadNote : note + "; " + threadNote, f));
      log.println("[bench]   memory " + n + ": " + measured);
      if (n == largest) {
        long used = m.get("after_heap_bytes").asLong();
        long limit = s.memoryHeapMb() * 1024L * 1024L;
        report.add(new Row("target_memory", TARGETS, targetWhat, "-Xmx" + s.memoryHeapMb() + "m",
            String.format(Locale.ROOT, "%,d alive, heap used %.1f MB after GC", m.get("instances_alive").asInt(),
                used / 1048576.0), used / (double) limit, heapTarget, note, f));
      }
    }
  }

  /** "threads after start: 1000 stdout, ..." from the probe's thread names. */
  private static String threadKinds(JsonNode kinds) {
    int stdout = 0;
    int stderr = 0;
    int reaper = 0;
    int io = 0;
    int other = 0;
    for (Map.Entry<String, JsonNode> e : kinds.properties()) {
      String k = e.getKey();
      int c = e.getValue().asInt();
      if (k.endsWith("-stdout")) {
        stdout += c;
      } else if (k.endsWith("-stderr")) {
        stderr += c;
      } else if (k.startsWith("process reaper")) {
        reaper += c;
      } else if (k.contains("-io-")) {
        io += c;
      } else {
        other += c;
      }
    }
    return "threads: " + stdout + " stdout readers, " + stderr + " stderr readers, " + reaper
        + " JDK process reapers, " + io + " engine I/O pool (left idle by the parallel start; they expire after"
        + " 30 s), " + other + " other";
  }

  private JsonNode memoryProbe(int n, List<String> command) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + s.memoryHeapMb() + "m", "-cp", System.getProperty("java.class.path"),
        MemoryProbe.class.getName(), String.valueOf(n)));
    cmd.addAll(command);
    Path err = Files.createTempFile(workDir, "memory-probe", ".log");
    Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
    String out;
    try (InputStream in = p.getInputStream()) {
      p.getOutputStream().close();
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
      }
    }
    for (String line : out.split("\n")) {
      if (line.startsWith(MemoryProbe.PREFIX)) {
        Files.deleteIfExists(err);
        return new ObjectMapper().readTree(line.substring(MemoryProbe.PREFIX.length()));
      }
    }
    String tail = Files.readString(err);
    if (tail.length() > 1500) {
      tail = "…" + tail.substring(tail.length() - 1500);
    }
    throw new IOException("the memory probe for " + n + " instances exited with " + p.exitValue()
        + " without a result; its stderr (" + err + "): " + tail);
  }

  // ---------------------------------------------------------------- docker

  private void docker() throws Exception {
    int n = s.dockerInstances();
    int c = s.dockerSubmitters();
    String dockerRaw = "docker_raw";
    String perTask = "docker_per_task";
    String runtimeRow = "docker_runtime";
    report.plan(dockerRaw, DOCKER, "raw docker run -i ÷ raw pipe, " + n + " inst, " + c + " subm.", null);
    report.plan(runtimeRow, DOCKER, "engine, docker runtime ÷ raw docker, " + n + " inst, " + c + " subm.", null);
    report.plan(perTask, DOCKER, "docker run --rm per task ÷ raw docker, " + c + " at once", null);
    Row.Target runtimeTarget = new Row.Target(true, 0.8);
    Row.Target warmTarget = new Row.Target(true, 50);
    String runtimeWhat = "docker runtime throughput ÷ raw docker";
    String warmWhat = "warm pool ÷ per-task containers, small tasks";
    report.plan("target_docker_runtime", TARGETS, runtimeWhat, runtimeTarget);
    report.plan("target_warm_pool", TARGETS, warmWhat, warmTarget);
    planDockerApi(n, c);

    if (handler.binary() == null) {
      report.notMeasured(DOCKER, "needs the static C handler for a FROM-scratch image: " + handler.note());
      report.notMeasured(TARGETS, "needs the static C handler for a FROM-scratch image: " + handler.note());
      return;
    }
    String[] why = new String[1];
    String version = Docker.serverVersion(why);
    if (version == null) {
      report.notMeasured(DOCKER, why[0]);
      report.notMeasured(TARGETS, why[0]);
      return;
    }
    report.info("docker", "engine " + version + ", image " + Docker.IMAGE);
    Docker.buildImage(handler.binary(), workDir);
    Docker docker = new Docker(runId);
    JsonNode data = Payloads.ofSize(SMALL);
    byte[] request = Payloads.requestLine(data);
    byte[] expected = Payloads.expectedResponse(request);
    LoadResult pipe;
    LoadResult raw;
    try {
      LoadResult warmPool;
      String warmPoolName;
      try (RawPipe rp = new RawPipe(handler.command(), n);
          Docker.Warm warm = docker.warm(n)) {
        warm.prime(request, expected);
        LoadResult[] pr = Load.alternate("docker-raw", s.rounds(), c, rp.op(request, expected),
            warm.op(request, expected), s.warmup(), s.rewarm(), s.measure(), 1, CELL_CAP);
        pipe = pr[0];
        raw = pr[1];
        Map<String, Object> f = new LinkedHashMap<>();
        put(f, "raw_pipe", pipe);
        put(f, "raw_docker", raw);
        report.add(new Row(dockerRaw, DOCKER, "raw docker run -i ÷ raw pipe, " + n + " inst, " + c + " subm.",
            "pipe " + describe(pipe), "docker " + describe(raw), raw.perSecond() / pipe.perSecond(), null, null, f));
        log.println("[bench]   raw pipe " + rate(pipe) + ", raw docker " + rate(raw));
        warmPool = raw;
        warmPoolName = "raw docker run -i loop";

        if (TaskDaemon.builder().runtimes().containsKey("docker")) {
          LoadResult rawAgain;
          LoadResult engine;
          try (EngineLoad el = EngineLoad.start(n, h -> h.image(Docker.IMAGE).option("network", "none")
              .option("docker_transport", "cli"))) {
            primeEngine(el, n, data);
            LoadResult[] re = Load.alternate("docker-engine", s.rounds(), c, warm.op(request, expected), el.op(data),
                s.warmup(), s.rewarm(), s.measure(), 1, CELL_CAP);
            rawAgain = re[0];
            engine = re[1];
            el.checkHealthy();
          }
          Map<String, Object> g = new LinkedHashMap<>();
          put(g, "raw_docker", rawAgain);
          put(g, "engine_docker", engine);
          Row row = new Row(runtimeRow, DOCKER, "engine, docker runtime (cli) ÷ raw docker, " + n + " inst, " + c
              + " subm.", "raw " + describe(rawAgain), "engine " + describe(engine),
              engine.perSecond() / rawAgain.perSecond(), null, null, g);
          report.add(row);
          report.add(new Row("target_docker_runtime", TARGETS, runtimeWhat, "raw " + rate(rawAgain),
              "engine " + rate(engine), row.ratio(), runtimeTarget, null, g));
          log.println("[bench]   raw docker " + rate(rawAgain) + ", docker runtime " + rate(engine));
          warmPool = engine;
          warmPoolName = "engine, docker runtime";
          dockerApi(warm, request, expected, data, n, c);
        } else {
          String missing = "the docker runtime (dev.taskdaemon:taskdaemon-docker) is not on the class path";
          report.notMeasured(DOCKER, missing);
          report.add(Row.notMeasured("target_docker_runtime", TARGETS, runtimeWhat, runtimeTarget, missing));
        }
      }

      LoadResult each = Load.closedLoop("docker-per-task", c, docker.perTask(request, expected), Duration.ZERO,
          s.measure(), s.perTaskContainers(), CELL_CAP);
      Map<String, Object> h = new LinkedHashMap<>();
      put(h, "raw_docker", raw);
      put(h, "per_task", each);
      report.add(new Row(perTask, DOCKER, "docker run --rm per task ÷ raw docker, " + c + " at once",
          "raw " + describe(raw), "per task " + describe(each), each.perSecond() / raw.perSecond(), null, null, h));
      Map<String, Object> w = new LinkedHashMap<>();
      put(w, "warm_pool", warmPool);
      put(w, "per_task", each);
      w.put("warm_pool_is", warmPoolName);
      report.add(new Row("target_warm_pool", TARGETS, warmWhat, "per task " + rate(each),
          warmPoolName + " " + rate(warmPool), warmPool.perSecond() / each.perSecond(), warmTarget,
          warmPool == raw ? "warm pool measured as the raw docker run -i loop: the docker runtime is not on the class path"
              : null, w));
      log.println("[bench]   per-task containers " + rate(each));
      if (TaskDaemon.builder().runtimes().containsKey("docker")) {
        dockerHostCost(request, expected);
      }
    } finally {
      docker.removeLeftovers();
    }
  }

  private static final String API_WHAT = "docker runtime, api transport ÷ raw Engine-API loop";
  private static final String VS_WHAT = "docker runtime, api transport ÷ cli transport";
  private static final String MEM_WHAT = "host RSS per container instance, api transport, largest pool (MB ÷ 1 MB)";
  private static final String START_WHAT = "container start to first answer, api ÷ cli (median)";
  private static final Row.Target API_TARGET = new Row.Target(true, 0.8);
  private static final Row.Target VS_TARGET = new Row.Target(true, 1.3);
  private static final Row.Target MEM_TARGET = new Row.Target(false, 1.0);
  private static final Row.Target START_TARGET = new Row.Target(false, 1.0);

  private void planDockerApi(int n, int c) {
    report.plan("docker_raw_api", DOCKER, "raw Engine-API loop ÷ raw docker run -i, " + n + " inst, " + c + " subm.",
        null);
    report.plan("docker_runtime_api", DOCKER, "engine, docker runtime (api) ÷ raw Engine-API loop, " + n + " inst, "
        + c + " subm.", null);
    report.plan("docker_api_vs_cli", DOCKER, "engine api ÷ engine cli, " + n + " inst, " + c + " subm.", null);
    for (String t : List.of("cli", "api")) {
      for (int m : s.dockerMemoryCounts()) {
        report.plan("docker_memory_" + t + "_" + m, DOCKER, "host RSS per instance, " + t + ", " + m + " containers",
            null);
      }
    }
    report.plan("docker_start", DOCKER, "start to first answer, median of " + s.dockerStartRuns() + ": api ÷ cli",
        null);
    report.plan("target_docker_api", TARGETS, API_WHAT, API_TARGET);
    report.plan("target_docker_api_vs_cli", TARGETS, VS_WHAT, VS_TARGET);
    report.plan("target_docker_memory_api", TARGETS, MEM_WHAT, MEM_TARGET);
    report.plan("target_docker_start", TARGETS, START_WHAT, START_TARGET);
  }

  /** The api transport against a bare Engine-API loop, and against the cli transport, all in alternation. */
  private void dockerApi(Docker.Warm warm, byte[] request, byte[] expected, JsonNode data, int n, int c)
      throws Exception {
    Path socket = RawApi.socket();
    if (socket == null) {
      String why = "DOCKER_HOST is not a unix:// socket, and the raw Engine-API loop speaks only to one";
      for (String id : List.of("docker_raw_api", "docker_runtime_api")) {
        report.add(Row.notMeasured(id, DOCKER, report.row(id).what(), null, why));
      }
      report.add(Row.notMeasured("target_docker_api", TARGETS, API_WHAT, API_TARGET, why));
    } else {
      try (RawApi api = new RawApi(socket, Docker.IMAGE, runId, n)) {
        api.prime(request, expected);
        LoadResult[] r = Load.alternate("docker-raw-api", s.rounds(), c, warm.op(request, expected),
            api.op(request, expected), s.warmup(), s.rewarm(), s.measure(), 1, CELL_CAP);
        Map<String, Object> f = new LinkedHashMap<>();
        put(f, "raw_docker", r[0]);
        put(f, "raw_api", r[1]);
        report.add(new Row("docker_raw_api", DOCKER, report.row("docker_raw_api").what(), "docker run -i "
            + describe(r[0]), "API " + describe(r[1]), r[1].perSecond() / r[0].perSecond(), null, null, f));
        log.println("[bench]   raw docker run -i " + rate(r[0]) + ", raw Engine API " + rate(r[1]));
        try (EngineLoad el = EngineLoad.start(n, h -> h.image(Docker.IMAGE).option("network", "none")
            .option("docker_transport", "api"))) {
          primeEngine(el, n, data);
          LoadResult[] e = Load.alternate("docker-engine-api", s.rounds(), c, api.op(request, expected), el.op(data),
              s.warmup(), s.rewarm(), s.measure(), 1, CELL_CAP);
          el.checkHealthy();
          Map<String, Object> g = new LinkedHashMap<>();
          put(g, "raw_api", e[0]);
          put(g, "engine_api", e[1]);
          Row row = new Row("docker_runtime_api", DOCKER, report.row("docker_runtime_api").what(),
              "raw API " + describe(e[0]), "engine " + describe(e[1]), e[1].perSecond() / e[0].perSecond(), null,
              null, g);
          report.add(row);
          report.add(new Row("target_docker_api", TARGETS, API_WHAT, "raw API " + rate(e[0]), "engine " + rate(e[1]),
              row.ratio(), API_TARGET, null, g));
          log.println("[bench]   raw Engine API " + rate(e[0]) + ", docker runtime (api) " + rate(e[1]));
        }
      }
    }
    try (EngineLoad cli = EngineLoad.start(n, h -> h.image(Docker.IMAGE).option("network", "none")
            .option("docker_transport", "cli"));
        EngineLoad api = EngineLoad.start(n, h -> h.image(Docker.IMAGE).option("network", "none")
            .option("docker_transport", "api"))) {
      primeEngine(cli, n, data);
      primeEngine(api, n, data);
      LoadResult[] v = Load.alternate("docker-api-vs-cli", s.rounds(), c, cli.op(data), api.op(data), s.warmup(),
          s.rewarm(), s.measure(), 1, CELL_CAP);
      cli.checkHealthy();
      api.checkHealthy();
      Map<String, Object> g = new LinkedHashMap<>();
      put(g, "engine_cli", v[0]);
      put(g, "engine_api", v[1]);
      Row row = new Row("docker_api_vs_cli", DOCKER, report.row("docker_api_vs_cli").what(), "cli " + describe(v[0]),
          "api " + describe(v[1]), v[1].perSecond() / v[0].perSecond(), null, null, g);
      report.add(row);
      report.add(new Row("target_docker_api_vs_cli", TARGETS, VS_WHAT, "cli " + rate(v[0]), "api " + rate(v[1]),
          row.ratio(), VS_TARGET, null, g));
      log.println("[bench]   docker runtime cli " + rate(v[0]) + ", api " + rate(v[1]));
    }
  }

  /** Host memory per container instance (child JVMs) and container start to first answer, per transport. */
  private void dockerHostCost(byte[] request, byte[] expected) throws Exception {
    int largest = s.dockerMemoryCounts().get(s.dockerMemoryCounts().size() - 1);
    for (String t : List.of("cli", "api")) {
      for (int m : s.dockerMemoryCounts()) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx" + s.memoryHeapMb() + "m", "-cp", System.getProperty("java.class.path"),
            DockerMemoryProbe.class.getName(), String.valueOf(m), t, Docker.IMAGE));
        JsonNode r = probe(cmd, "docker memory probe (" + t + ", " + m + " containers)");
        long rss = r.get("after_rss_bytes").asLong() - r.get("before_rss_bytes").asLong();
        long jvm = r.get("after_jvm_rss_bytes").asLong() - r.get("before_jvm_rss_bytes").asLong();
        long kids = r.get("after_children_rss_bytes").asLong() - r.get("before_children_rss_bytes").asLong();
        double perMb = rss / 1048576.0 / m;
        Map<String, Object> f = new ObjectMapper().convertValue(r, new TypeReference<Map<String, Object>>() {});
        String measured = String.format(Locale.ROOT, "per instance: RSS %.2f MB (JVM %.2f MB + %d child processes"
            + " %.2f MB)", perMb, jvm / 1048576.0 / m, r.get("after_children").asInt(), kids / 1048576.0 / m);
        String baseline = String.format(Locale.ROOT, "host before: RSS %.0f MB",
            r.get("before_rss_bytes").asLong() / 1048576.0);
        Row row = new Row("docker_memory_" + t + "_" + m, DOCKER, report.row("docker_memory_" + t + "_" + m).what(),
            baseline, measured, perMb, null, "ratio = MB per instance", f);
        report.add(row);
        log.println("[bench]   docker memory " + t + " " + m + ": " + measured);
        if (t.equals("api") && m == largest) {
          report.add(new Row("target_docker_memory_api", TARGETS, MEM_WHAT, m + " containers", measured, perMb,
              MEM_TARGET, null, f));
        }
      }
    }
    double[][] both = DockerStart.millis(Docker.IMAGE, runId, s.dockerStartRuns(), request, expected);
    double[] cli = both[0];
    double[] api = both[1];
    double cliMedian = cli[cli.length / 2];
    double apiMedian = api[api.length / 2];
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("cli_ms", cli);
    f.put("api_ms", api);
    String base = String.format(Locale.ROOT, "cli median %.0f ms (min %.0f, max %.0f)", cliMedian, cli[0],
        cli[cli.length - 1]);
    String meas = String.format(Locale.ROOT, "api median %.0f ms (min %.0f, max %.0f)", apiMedian, api[0],
        api[api.length - 1]);
    report.add(new Row("docker_start", DOCKER, report.row("docker_start").what(), base, meas, apiMedian / cliMedian,
        null, null, f));
    report.add(new Row("target_docker_start", TARGETS, START_WHAT, base, meas, apiMedian / cliMedian, START_TARGET,
        null, f));
    log.println("[bench]   container start: " + base + ", " + meas);
  }

  private JsonNode probe(List<String> cmd, String what) throws IOException, InterruptedException {
    Path err = Files.createTempFile(workDir, "probe", ".log");
    Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
    String out;
    try (InputStream in = p.getInputStream()) {
      p.getOutputStream().close();
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
      }
    }
    for (String line : out.split("\n")) {
      if (line.startsWith(MemoryProbe.PREFIX)) {
        Files.deleteIfExists(err);
        return new ObjectMapper().readTree(line.substring(MemoryProbe.PREFIX.length()));
      }
    }
    String tail = Files.readString(err);
    if (tail.length() > 1500) {
      tail = "…" + tail.substring(tail.length() - 1500);
    }
    throw new IOException("the " + what + " exited with " + p.exitValue() + " without a result; its stderr (" + err
        + "): " + tail);
  }

  /** Every container answers once before the load, so that container start is not timed as load. */
  private static void primeEngine(EngineLoad el, int n, JsonNode data) throws Exception {
    List<CompletableFuture<Result>> all = new ArrayList<>();
    for (int i = 0; i < 4 * n; i++) {
      all.add(el.daemon.submit(Payloads.TASK_TYPE, data));
    }
    for (CompletableFuture<Result> f : all) {
      if (!f.get(5, TimeUnit.MINUTES).isSuccess()) {
        throw new IllegalStateException("a priming task failed");
      }
    }
  }
}

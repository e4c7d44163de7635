package dev.taskdaemon.benchmarks.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.HandlerStats;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.server.ServerSettings;
import dev.taskdaemon.server.TaskDaemonServer;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The standalone server's {@code POST /queue} over loopback against the library's own {@code
 * enqueue}, both with 16 concurrent clients for the same window, each on its own daemon with the same
 * echo handler; then {@code GET /health} for the same window, the HTTP path without a task to store. No error is allowed (a refused or failed request stops the window), and no task may
 * be lost: after the load, every accepted task of both sides must complete.
 */
final class ServerBench {
  static final String SECTION = "Server: POST /queue over loopback vs the library's enqueue, 16 clients";
  static final int CLIENTS = 16;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration COMPLETION_BOUND = Duration.ofMinutes(5);

  private ServerBench() {}

  static void run(Settings s, Handler handler, Report report, PrintStream log) throws Exception {
    String tputWhat = "POST /queue tasks/s ÷ enqueue tasks/s";
    String p99What = "POST /queue p99 ÷ enqueue p99 (lower is better)";
    report.plan("server_http_queue", SECTION, tputWhat, null);
    report.plan("server_http_p99", SECTION, p99What, null);
    String pathWhat = "POST /queue requests/s ÷ GET /health requests/s (the HTTP path without a task)";
    report.plan("server_http_path", SECTION, pathWhat, null);
    // 10 s: enqueue runs open loop at up to a few hundred thousand tasks a second, and its queue must
    // hold what the 4 instances have not run yet (30 s windows overflowed 5,000,000 at 170,000/s).
    Duration window = s.smokeMode() ? Duration.ofSeconds(2) : Duration.ofSeconds(10);
    Duration warmup = s.smokeMode() ? Duration.ofMillis(300) : Duration.ofSeconds(3);
    Duration cap = window.multipliedBy(3).plusSeconds(30);
    JsonNode data = Payloads.ofSize(100);
    byte[] body = JSON.writeValueAsBytes(Map.of("type", Payloads.TASK_TYPE, "data", data));
    AtomicLong enqueued = new AtomicLong();
    AtomicLong posted = new AtomicLong();
    // Both queues hold what the 4 instances have not yet run: far more than a window can fill.
    // The served daemon is EngineLoad's, started by the server, which adds its meters' listener.
    TaskDaemon.Builder servedDaemon = TaskDaemon.builder().name("bench-served")
        .handler(HandlerSpec.builder(Payloads.TASK_TYPE).instances(4).timeout(Duration.ofMinutes(2)).maxRetries(0)
            .queueCapacity(5_000_000).command(handler.command()).build())
        .drainTimeout(Duration.ofSeconds(30))
        .startTimeout(Duration.ofMinutes(5));
    try (EngineLoad library = EngineLoad.start(4, h -> h.command(handler.command()).queueCapacity(5_000_000));
        TaskDaemonServer server = TaskDaemonServer.start(servedDaemon, ServerSettings.defaults().withPort(0))) {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10)).build();
      URI queue = URI.create("http://127.0.0.1:" + server.port() + "/queue");
      Load.Op enqueue = () -> {
        library.daemon.enqueue(Payloads.TASK_TYPE, data);
        enqueued.incrementAndGet();
      };
      Load.Op post = () -> {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(queue).timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (r.statusCode() != 200 || !r.body().startsWith("{\"task_id\":\"")) {
          throw new IllegalStateException("POST /queue answered " + r.statusCode() + ": " + r.body());
        }
        posted.incrementAndGet();
      };
      URI health = URI.create("http://127.0.0.1:" + server.port() + "/health");
      Load.Op get = () -> {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(60)).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (r.statusCode() != 200) {
          throw new IllegalStateException("GET /health answered " + r.statusCode() + ": " + r.body());
        }
      };
      // The HTTP client and server warm up (JIT, connections) before anything is measured: whichever
      // HTTP window ran first otherwise paid for it alone.
      Load.closedLoop("server-warm-get", CLIENTS, get, warmup, warmup, 1, cap);
      Load.closedLoop("server-warm-post", CLIENTS, post, warmup, warmup, 1, cap);
      LoadResult[] both = Load.alternate("server", 1, CLIENTS, enqueue, post, warmup, warmup, window, 1, cap);
      LoadResult lib = both[0];
      LoadResult http = both[1];
      LoadResult bare = Load.closedLoop("server-health", CLIENTS, get, warmup, window, 1, cap);
      long libDone = awaitAll(library.daemon, enqueued.get());
      long httpDone = awaitAll(server.daemon(), posted.get());
      log.printf(Locale.ROOT, "[bench] server: %d enqueued and %d posted tasks all completed%n", libDone, httpDone);
      String base = "enqueue " + BenchmarkRun.rate(lib) + ", p99 " + BenchmarkRun.micros(lib.p99Micros());
      String meas = "POST /queue " + BenchmarkRun.rate(http) + ", p99 " + BenchmarkRun.micros(http.p99Micros());
      Map<String, Object> figures = Map.of("enqueue_per_s", lib.perSecond(), "enqueue_p50_us", lib.p50Micros(),
          "enqueue_p99_us", lib.p99Micros(), "http_per_s", http.perSecond(), "http_p50_us", http.p50Micros(),
          "http_p99_us", http.p99Micros(), "window_s", window.toSeconds(), "clients", CLIENTS,
          "enqueued_completed", libDone, "posted_completed", httpDone);
      report.add(new Row("server_http_queue", SECTION, tputWhat, base, meas, http.perSecond() / lib.perSecond(),
          null, null, figures));
      report.add(new Row("server_http_p99", SECTION, p99What, "enqueue p99 " + BenchmarkRun.micros(lib.p99Micros()),
          "POST /queue p99 " + BenchmarkRun.micros(http.p99Micros()), http.p99Micros() / lib.p99Micros(), null, null,
          figures));
      report.add(new Row("server_http_path", SECTION, pathWhat,
          "GET /health " + BenchmarkRun.rate(bare) + ", p99 " + BenchmarkRun.micros(bare.p99Micros()), meas,
          http.perSecond() / bare.perSecond(), null, null,
          Map.of("health_per_s", bare.perSecond(), "health_p99_us", bare.p99Micros(), "http_per_s", http.perSecond())));
    }
  }

  /**
   * Waits until the daemon has completed {@code accepted} tasks, every one a success; fails naming
   * the counts when one failed or when they do not all complete in time (a lost task).
   */
  private static long awaitAll(TaskDaemon daemon, long accepted) throws InterruptedException {
    long deadline = System.nanoTime() + COMPLETION_BOUND.toNanos();
    while (true) {
      HandlerStats st = daemon.stats(Payloads.TASK_TYPE);
      if (st.failed() > 0 || st.restarts() > 0) {
        throw new IllegalStateException("the echo pool was not healthy during the run: " + st);
      }
      if (st.succeeded() == accepted && st.queued() == 0 && st.inFlight() == 0) {
        return st.succeeded();
      }
      if (st.succeeded() > accepted) {
        throw new IllegalStateException("more tasks completed (" + st.succeeded() + ") than were accepted ("
            + accepted + ")");
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("lost tasks: " + accepted + " accepted, " + st.succeeded() + " completed after "
            + COMPLETION_BOUND.toMinutes() + " min: " + st);
      }
      Thread.sleep(10); // the interval between two looks at the counters
    }
  }
}

package dev.taskdaemon.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskdaemon.StoreException;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TestHandlers;
import dev.taskdaemon.internal.MemoryTaskStore;
import dev.taskdaemon.spi.TaskStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP API end to end: a real daemon with real handler processes behind a real server, driven
 * over loopback sockets with the JDK's {@link HttpClient}, as a client of the original would.
 */
class ServerApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private static TaskDaemonServer server;
  private static String base;
  private static final List<TaskDaemonServer> others = new ArrayList<>();

  @BeforeAll
  static void start() {
    server = TaskDaemonServer.start(TaskDaemon.builder()
        .handler(TestHandlers.handler("echo").instances(2).build())
        .handler(TestHandlers.handler("flaky").instances(1).maxRetries(0).build())
        .handler(TestHandlers.handler("slow").instances(1).queueCapacity(1).build()),
        ServerSettings.defaults().withPort(0));
    base = "http://127.0.0.1:" + server.port();
  }

  @AfterAll
  static void stop() {
    others.forEach(TaskDaemonServer::close);
    if (server != null) {
      server.close();
    }
  }

  // ---- helpers -----------------------------------------------------------------------------

  private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return CLIENT.send(b.timeout(WAIT).build(), BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
        .POST(BodyPublishers.ofString(body)));
  }

  private static HttpResponse<String> delete(String path) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
  }

  private static JsonNode json(HttpResponse<String> r) throws IOException {
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    return JSON.readTree(r.body());
  }

  private static void assertError(HttpResponse<String> r, int status, String message) throws IOException {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(json(r)).isEqualTo(JSON.createObjectNode().put("error", message));
  }

  private static String queue(String body) throws Exception {
    HttpResponse<String> r = post("/queue", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode n = json(r);
    assertThat(n.size()).isEqualTo(1);
    String id = n.get("task_id").asText();
    assertThat(id).matches(UUID);
    return id;
  }

  /** Polls the task until {@code done} holds, as a client of the original does. */
  private static JsonNode poll(String id, Predicate<JsonNode> done) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      HttpResponse<String> r = get("/api/tasks/" + id);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode t = json(r);
      if (done.test(t)) {
        return t;
      }
      assertThat(System.nanoTime()).as("task %s still %s", id, t).isLessThan(deadline);
      Thread.sleep(20); // polling interval of a client, not a wait for a condition
    }
  }

  private static Predicate<JsonNode> status(String s) {
    return t -> s.equals(t.get("status").asText());
  }

  // ---- the client of the original --------------------------------------------------------

  @Test
  void queue_thenPollToCompletion_showsEveryField() throws Exception {
    Instant before = Instant.now().minusSeconds(1);
    String id = queue("{\"type\": \"echo\", \"data\": {\"n\": 7, \"s\": \"x\"}}");
    JsonNode t = poll(id, status("completed"));
    assertThat(t.get("id").asText()).isEqualTo(id);
    assertThat(t.get("task_type").asText()).isEqualTo("echo");
    assertThat(t.get("result").get("data")).isEqualTo(JSON.readTree("{\"n\": 7, \"s\": \"x\"}"));
    assertThat(t.get("result").get("task_id").asText()).isEqualTo(id);
    assertThat(t.get("last_error").isNull()).isTrue();
    assertThat(t.get("attempts").asInt()).isEqualTo(1);
    assertThat(t.get("priority").asInt()).isEqualTo(50);
    Instant created = Instant.parse(t.get("created_at").asText());
    Instant updated = Instant.parse(t.get("updated_at").asText());
    assertThat(t.get("created_at").asText()).endsWith("Z");
    assertThat(created).isAfter(before).isBeforeOrEqualTo(updated);
    assertThat(t.fieldNames()).toIterable().containsExactly("id", "task_type", "status", "result", "last_error",
        "attempts", "priority", "created_at", "updated_at");
  }

  @Test
  void manyClientsQueueAndPoll_everyTaskCompletesWithItsOwnData() throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      ids.add(queue("{\"type\": \"echo\", \"data\": {\"i\": " + i + "}, \"priority\": " + (i % 101) + "}"));
    }
    for (int i = 0; i < ids.size(); i++) {
      JsonNode t = poll(ids.get(i), status("completed"));
      assertThat(t.get("result").get("data").get("i").asInt()).isEqualTo(i);
      assertThat(t.get("priority").asInt()).isEqualTo(i % 101);
    }
  }

  @Test
  void listTasks_newestFirst_withLimitStatusAndTypeFilters() throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 22; i++) {
      ids.add(queue("{\"type\": \"echo\", \"data\": " + i + "}"));
    }
    for (String id : ids) {
      poll(id, status("completed"));
    }
    JsonNode all = json(get("/api/tasks"));
    assertThat(all.isArray()).isTrue();
    assertThat(all.size()).isEqualTo(20);
    JsonNode three = json(get("/api/tasks?limit=3&type=echo&status=completed"));
    assertThat(three.size()).isEqualTo(3);
    List<String> newest = List.of(three.get(0).get("id").asText(), three.get(1).get("id").asText(),
        three.get(2).get("id").asText());
    // Other tests queue echo tasks too, but none after these in this test's thread: the last three are ours.
    assertThat(newest).containsExactly(ids.get(21), ids.get(20), ids.get(19));
    for (JsonNode t : json(get("/api/tasks?limit=100&status=completed"))) {
      assertThat(t.get("status").asText()).isEqualTo("completed");
    }
    assertThat(json(get("/api/tasks?type=nobody"))).isEmpty();
    assertError(get("/api/tasks?limit=0"), 400, "limit must be an integer from 1 to 10000, was '0'");
    assertError(get("/api/tasks?limit=ten"), 400, "limit must be an integer from 1 to 10000, was 'ten'");
    assertError(get("/api/tasks?status=done"), 400,
        "status: unknown task status 'done'; use one of pending, processing, completed, failed, cancelled");
  }

  @Test
  void unknownTask_is404TaskNotFound_onEveryTaskRoute() throws Exception {
    String missing = "/api/tasks/00000000-0000-0000-0000-000000000000";
    assertError(get(missing), 404, "Task not found");
    assertError(delete(missing), 404, "Task not found");
    assertError(post(missing + "/redrive", ""), 404, "Task not found");
  }

  @Test
  void delete_removesAFinishedTask_andCancelsARunningOneFirst() throws Exception {
    String done = queue("{\"type\": \"echo\", \"data\": 1}");
    poll(done, status("completed"));
    HttpResponse<String> r = delete("/api/tasks/" + done);
    assertThat(r.statusCode()).isEqualTo(204);
    assertThat(r.body()).isEmpty();
    assertError(get("/api/tasks/" + done), 404, "Task not found");

    String running = queue("{\"type\": \"slow\", \"data\": {\"op\": \"hang\"}}");
    poll(running, status("processing"));
    assertThat(delete("/api/tasks/" + running).statusCode()).isEqualTo(204);
    assertError(get("/api/tasks/" + running), 404, "Task not found");
    // The instance that ran it was replaced: the handler serves the next task.
    String next = queue("{\"type\": \"slow\", \"data\": {\"op\": \"echo\"}}");
    assertThat(poll(next, status("completed")).get("result").get("data").get("op").asText()).isEqualTo("echo");
  }

  @Test
  void redrive_ofAFailedTask_runsItAgainToCompletion() throws Exception {
    // Fails on attempt 1 (no retries left), succeeds from attempt 2: only a redrive gets it there.
    String id = queue("{\"type\": \"flaky\", \"data\": {\"op\": \"fail-until\", \"attempt\": 2}}");
    JsonNode failed = poll(id, status("failed"));
    assertThat(failed.get("last_error").asText()).isEqualTo("not yet (attempt 1)");
    assertThat(failed.get("result").isNull()).isTrue();
    assertThat(failed.get("attempts").asInt()).isEqualTo(1);

    HttpResponse<String> r = post("/api/tasks/" + id + "/redrive", "");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(json(r).get("task_id").asText()).isEqualTo(id);
    JsonNode done = poll(id, status("completed"));
    assertThat(done.get("attempts").asInt()).isEqualTo(2);
    assertThat(done.get("result").get("attempt").asInt()).isEqualTo(2);

    // A completed task is not redriven: 404, as the original answers.
    assertError(post("/api/tasks/" + id + "/redrive", ""), 404, "Task not found");
  }

  // ---- bad input -----------------------------------------------------------------------------

  @Test
  void badBodies_are400_namingTheProblem() throws Exception {
    assertError(post("/queue", "{\"type\": \"echo\", "), 400,
        "malformed JSON: Unexpected end-of-input within/between Object entries (line 1, column 18)");
    HttpResponse<String> trailing = post("/queue", "{\"type\": \"echo\"} {}");
    assertThat(trailing.statusCode()).isEqualTo(400);
    assertThat(json(trailing).get("error").asText()).startsWith("malformed JSON: Trailing token");
    assertError(post("/queue", ""), 400,
        "empty body; expected a JSON object such as {\"type\": \"resize\", \"data\": {...}, \"priority\": 50}");
    assertError(post("/queue", "[1, 2]"), 400,
        "expected a JSON object such as {\"type\": \"resize\", \"data\": {...}}, got array");
    assertError(post("/queue", "{\"data\": {}}"), 400, "missing \"type\": the task type, one of [echo, flaky, slow]");
    assertError(post("/queue", "{\"type\": 3}"), 400, "\"type\" must be a string, one of [echo, flaky, slow]");
    assertError(post("/queue", "{\"type\": \"ehco\"}"), 400,
        "unknown task type 'ehco'; configured types: echo, flaky, slow");
    for (String p : List.of("101", "-1", "1.5", "\"high\"", "true", "99999999999")) {
      assertError(post("/queue", "{\"type\": \"echo\", \"priority\": " + p + "}"), 400,
          "\"priority\" must be an integer from 0 to 100, was " + p);
    }
    assertThat(queue("{\"type\": \"echo\", \"priority\": 0}")).matches(UUID);
    assertThat(queue("{\"type\": \"echo\", \"priority\": 100}")).matches(UUID);
  }

  @Test
  void wrongMethods_are405WithAllow_andUnknownPaths404() throws Exception {
    HttpResponse<String> r = get("/queue");
    assertError(r, 405, "method GET not allowed here; use POST");
    assertThat(r.headers().firstValue("Allow")).hasValue("POST");
    r = send(HttpRequest.newBuilder(URI.create(base + "/api/tasks/abc")).PUT(BodyPublishers.ofString("{}")));
    assertError(r, 405, "method PUT not allowed here; use GET, DELETE");
    assertThat(r.headers().firstValue("Allow")).hasValue("GET, DELETE");
    assertThat(post("/health", "").headers().firstValue("Allow")).hasValue("GET");
    assertThat(get("/api/tasks/abc/redrive").statusCode()).isEqualTo(405);
    assertThat(delete("/metrics").statusCode()).isEqualTo(405);
    String routes = "; routes: POST /queue, GET /api/tasks, GET|DELETE /api/tasks/{id},"
        + " POST /api/tasks/{id}/redrive, GET /health, GET /metrics, GET /api/metrics";
    assertError(get("/nope"), 404, "no route /nope" + routes);
    assertError(get("/"), 404, "no route /" + routes);
    assertError(get("/api/tasks/a/b"), 404, "no route /api/tasks/a/b" + routes);
  }

  @Test
  void bodiesOverTheLimit_are413_declaredOrChunked_andTheServerKeepsServing() throws Exception {
    TaskDaemonServer small = TaskDaemonServer.start(server.daemon(), server.metrics(),
        ServerSettings.defaults().withPort(0).withMaxBodyBytes(1024));
    others.add(small);
    String at = "http://127.0.0.1:" + small.port();
    String big = "{\"type\": \"echo\", \"data\": \"" + "x".repeat(2000) + "\"}";
    String message = "request body larger than 1024 bytes (DAEMON_MAX_BODY_BYTES)";
    assertError(send(HttpRequest.newBuilder(URI.create(at + "/queue")).POST(BodyPublishers.ofString(big))),
        413, message);
    // No length given: the JDK client sends it chunked; the server counts as it reads.
    InputStream chunked = new ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8));
    assertError(send(HttpRequest.newBuilder(URI.create(at + "/queue"))
        .POST(BodyPublishers.ofInputStream(() -> chunked))), 413, message);
    // A declared terabyte is refused from the headers alone, before a byte of it is sent.
    try (Socket s = new Socket("127.0.0.1", small.port())) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /queue HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Content-Length: 1000000000000\r\n\r\n{\"type\"").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String head = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
      assertThat(head).isEqualTo("HTTP/1.1 413");
    }
    String small1 = "{\"type\": \"echo\", \"data\": 1}";
    HttpResponse<String> ok = send(HttpRequest.newBuilder(URI.create(at + "/queue"))
        .POST(BodyPublishers.ofString(small1)));
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
  }

  @Test
  void aFullQueue_is429() throws Exception {
    // slow: one instance, queue_capacity 1. One task runs, one waits; the next finds the queue full.
    List<String> ids = new ArrayList<>();
    HttpResponse<String> refused = null;
    for (int i = 0; i < 10 && refused == null; i++) {
      HttpResponse<String> r = post("/queue", "{\"type\": \"slow\", \"data\": {\"op\": \"sleep\", \"ms\": 1500}}");
      if (r.statusCode() == 429) {
        refused = r;
      } else {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        ids.add(json(r).get("task_id").asText());
      }
    }
    assertThat(refused).as("no 429 after %s accepted", ids.size()).isNotNull();
    assertThat(ids.size()).isBetween(1, 3);
    assertThat(json(refused).get("error").asText()).contains("slow").contains("queue full");
    for (String id : ids) {
      poll(id, status("completed"));
    }
  }

  /**
   * Without TCP_NODELAY each response's body waits for the client's delayed ACK (about 40-80 ms a
   * request on Linux loopback, measured); the JDK server takes the option from this property.
   */
  @Test
  void acceptedSocketsDisableNagle_soResponsesDoNotWaitForDelayedAcks() {
    assertThat(System.getProperty("sun.net.httpserver.nodelay")).isEqualTo("true");
  }

  // ---- health and metrics ------------------------------------------------------------------

  @Test
  void health_isHealthyWithEveryHandler() throws Exception {
    HttpResponse<String> r = get("/health");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode h = json(r);
    assertThat(h.get("status").asText()).isEqualTo("healthy");
    assertThat(h.get("handlers").fieldNames()).toIterable().containsExactly("echo", "flaky", "slow");
    assertThat(h.get("handlers").get("echo").get("healthy").asBoolean()).isTrue();
  }

  @Test
  void health_isUnhealthy503_namingTheHandlersThatCannotStart() throws Exception {
    TaskDaemonServer s = TaskDaemonServer.start(TaskDaemon.builder()
        .handler(TestHandlers.handler("fine").instances(1).build())
        .handler(TestHandlers.handler("broken", "--exit-at-start", "3").instances(1).build())
        .unhealthyAfter(1, Duration.ofSeconds(1))
        .restartBackoff(new dev.taskdaemon.Backoff(Duration.ofMillis(10), Duration.ofMillis(50), 2.0, 0.0)),
        ServerSettings.defaults().withPort(0));
    others.add(s);
    URI health = URI.create("http://127.0.0.1:" + s.port() + "/health");
    long deadline = System.nanoTime() + WAIT.toNanos();
    HttpResponse<String> r;
    while ((r = send(HttpRequest.newBuilder(health))).statusCode() == 200) {
      assertThat(System.nanoTime()).as("still healthy: %s", r.body()).isLessThan(deadline);
      Thread.sleep(50); // a health checker's polling interval
    }
    assertThat(r.statusCode()).isEqualTo(503);
    JsonNode h = json(r);
    assertThat(h.get("status").asText()).isEqualTo("unhealthy");
    assertThat(h.get("unhealthy")).isEqualTo(JSON.readTree("[\"broken\"]"));
    assertThat(h.get("handlers").get("fine").get("healthy").asBoolean()).isTrue();
  }

  @Test
  void metrics_inPrometheusText_withTheOriginalsNames_andAsJson() throws Exception {
    double before = received(get("/metrics").body());
    String id = queue("{\"type\": \"echo\", \"data\": 1}");
    poll(id, status("completed"));
    HttpResponse<String> r = get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    String text = r.body();
    assertThat(text).contains("# TYPE tasks_received_total counter\n", "# TYPE queue_size gauge\n",
        "# TYPE container_pool_active gauge\n", "# TYPE container_pool_idle gauge\n",
        "container_pool_active{handler=\"echo\"} ", "container_pool_idle{handler=\"flaky\"} ",
        "taskdaemon_tasks_completed_total{handler=\"echo\",outcome=\"success\"} ");
    assertThat(received(text)).isGreaterThanOrEqualTo(before + 1);
    for (String line : text.split("\n")) {
      assertThat(line).matches("# (HELP|TYPE) .*|[a-z_]+(\\{.*})? [-+0-9.eE]+|[a-z_]+(\\{.*})? NaN");
    }
    JsonNode m = json(get("/api/metrics"));
    assertThat(m.get("tasks_received").asDouble()).isGreaterThanOrEqualTo(before + 1);
    assertThat(m.get("handlers").get("echo").get("succeeded").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(m.get("handlers").get("echo").get("active").asInt() + m.get("handlers").get("echo").get("idle").asInt())
        .isBetween(0, 2);
    assertThat(m.has("queue_size")).isTrue();
  }

  private static double received(String prometheus) {
    Matcher m = Pattern.compile("(?m)^tasks_received_total ([0-9.eE+]+)$").matcher(prometheus);
    assertThat(m.find()).as(prometheus).isTrue();
    return Double.parseDouble(m.group(1));
  }

  // ---- store trouble ---------------------------------------------------------------------------

  @Test
  void aStoreThatIsDown_is503_andTheServerRecovers() throws Exception {
    AtomicBoolean down = new AtomicBoolean();
    TaskStore real = new MemoryTaskStore(1000);
    TaskStore flaky = (TaskStore) Proxy.newProxyInstance(TaskStore.class.getClassLoader(),
        new Class<?>[] {TaskStore.class}, (proxy, m, args) -> {
          if (down.get() && (m.getName().equals("write") || m.getName().equals("find")
              || m.getName().equals("list"))) {
            throw new StoreException("disk I/O error (test)");
          }
          try {
            return m.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    TaskDaemonServer s = TaskDaemonServer.start(
        TaskDaemon.builder().handler(TestHandlers.handler("echo").instances(1).build()).store(flaky),
        ServerSettings.defaults().withPort(0));
    others.add(s);
    String at = "http://127.0.0.1:" + s.port();
    down.set(true);
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(at + "/queue"))
        .POST(BodyPublishers.ofString("{\"type\": \"echo\"}")));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
    assertThat(json(r).get("error").asText()).startsWith("the task store is unavailable: ")
        .contains("disk I/O error (test)").doesNotContain("\tat ");
    assertThat(send(HttpRequest.newBuilder(URI.create(at + "/api/tasks"))).statusCode()).isEqualTo(503);
    down.set(false);
    r = send(HttpRequest.newBuilder(URI.create(at + "/queue")).POST(BodyPublishers.ofString("{\"type\": \"echo\"}")));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    String id = json(r).get("task_id").asText();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!"completed".equals(json(send(HttpRequest.newBuilder(URI.create(at + "/api/tasks/" + id))))
        .get("status").asText())) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  // ---- security --------------------------------------------------------------------------------

  @Test
  void bearerToken_guardsEveryRouteButHealth() throws Exception {
    TaskDaemonServer guarded = TaskDaemonServer.start(server.daemon(), server.metrics(),
        ServerSettings.defaults().withPort(0).withApiToken("s3cret-token"));
    others.add(guarded);
    String at = "http://127.0.0.1:" + guarded.port();
    for (String path : List.of("/api/tasks", "/metrics", "/api/metrics", "/api/tasks/x", "/nope")) {
      HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(at + path)));
      assertError(r, 401, "missing Authorization: Bearer <DAEMON_API_TOKEN>");
      assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
      assertError(send(HttpRequest.newBuilder(URI.create(at + path)).header("Authorization", "Bearer s3cret-tokeN")),
          401, "wrong bearer token");
    }
    assertError(send(HttpRequest.newBuilder(URI.create(at + "/queue")).POST(BodyPublishers.ofString("{}"))),
        401, "missing Authorization: Bearer <DAEMON_API_TOKEN>");
    assertThat(send(HttpRequest.newBuilder(URI.create(at + "/health"))).statusCode()).isEqualTo(200);
    HttpResponse<String> ok = send(HttpRequest.newBuilder(URI.create(at + "/queue"))
        .header("Authorization", "Bearer s3cret-token").POST(BodyPublishers.ofString("{\"type\": \"echo\"}")));
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(send(HttpRequest.newBuilder(URI.create(at + "/api/tasks")).header("Authorization",
        "Bearer s3cret-token")).statusCode()).isEqualTo(200);
  }

  @Test
  void foreignHostOrOrigin_is403_soWebPagesCannotDriveTheServer() throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/api/tasks")).header("Host", "evil.example"));
    assertError(r, 403, "Host 'evil.example' is not this server's name; add it to DAEMON_ALLOWED_HOSTS if"
        + " clients reach the server under it");
    assertThat(send(HttpRequest.newBuilder(URI.create(base + "/health")).header("Host", "rebind.example:8080"))
        .statusCode()).isEqualTo(403);
    for (String host : List.of("localhost", "localhost:9000", "127.0.0.1:" + server.port(), "[::1]:8080",
        "api.localhost")) {
      assertThat(send(HttpRequest.newBuilder(URI.create(base + "/api/tasks")).header("Host", host)).statusCode())
          .as(host).isEqualTo(200);
    }
    r = send(HttpRequest.newBuilder(URI.create(base + "/queue")).header("Origin", "http://evil.example")
        .POST(BodyPublishers.ofString("{\"type\": \"echo\"}")));
    assertError(r, 403, "Origin 'http://evil.example' is not this server's; requests from web pages of other"
        + " origins are refused (add its host to DAEMON_ALLOWED_HOSTS to allow it)");
    assertThat(send(HttpRequest.newBuilder(URI.create(base + "/api/tasks")).header("Origin", "null")).statusCode())
        .isEqualTo(403);
    assertThat(send(HttpRequest.newBuilder(URI.create(base + "/api/tasks"))
        .header("Origin", "http://localhost:3000").header("Host", "localhost:" + server.port())).statusCode())
        .isEqualTo(403);
    assertThat(send(HttpRequest.newBuilder(URI.create(base + "/api/tasks"))
        .header("Origin", "http://127.0.0.1:" + server.port())).statusCode()).isEqualTo(200);

    TaskDaemonServer named = TaskDaemonServer.start(server.daemon(), server.metrics(),
        ServerSettings.defaults().withPort(0).withAllowedHosts(List.of("TaskDaemon", "ui.example")));
    others.add(named);
    String at = "http://127.0.0.1:" + named.port();
    assertThat(send(HttpRequest.newBuilder(URI.create(at + "/api/tasks")).header("Host", "taskdaemon:8080"))
        .statusCode()).isEqualTo(200);
    assertThat(send(HttpRequest.newBuilder(URI.create(at + "/api/tasks")).header("Origin", "https://ui.example"))
        .statusCode()).isEqualTo(200);
    assertThat(send(HttpRequest.newBuilder(URI.create(at + "/api/tasks")).header("Host", "other.example"))
        .statusCode()).isEqualTo(403);
  }

  @Test
  void settingsFromTheEnvironment_refuseMalformedValues_namingEachVariable() {
    ServerSettings s = ServerSettings.fromEnvironment(Map.of("DAEMON_HOST", "0.0.0.0", "DAEMON_PORT", "9090",
        "DAEMON_API_TOKEN", "tok", "DAEMON_MAX_BODY_BYTES", "1048576", "DAEMON_ALLOWED_HOSTS", "a.example, B.example",
        "DAEMON_LOG_LEVEL", "WARNING"));
    assertThat(s.host()).isEqualTo("0.0.0.0");
    assertThat(s.port()).isEqualTo(9090);
    assertThat(s.apiToken()).isEqualTo("tok");
    assertThat(s.maxBodyBytes()).isEqualTo(1048576);
    assertThat(s.allowedHosts()).containsExactly("a.example", "b.example");
    assertThat(s.logLevel()).isEqualTo("warn");
    assertThat(s.toString()).contains("api_token=****").doesNotContain("tok,").doesNotContain("=tok");
    ServerSettings d = ServerSettings.fromEnvironment(Map.of());
    assertThat(d.host()).isEqualTo("127.0.0.1");
    assertThat(d.port()).isEqualTo(8080);
    assertThat(d.maxBodyBytes()).isEqualTo(64L << 20);
    assertThat(d.apiToken()).isNull();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServerSettings.fromEnvironment(Map.of(
        "DAEMON_PORT", "80a", "DAEMON_MAX_BODY_BYTES", "0", "DAEMON_LOG_LEVEL", "loud",
        "DAEMON_API_TOKEN", "has space")))
        .isInstanceOfSatisfying(dev.taskdaemon.ConfigException.class, e -> assertThat(e.problems())
            .containsExactly(
                "environment DAEMON_PORT = \"80a\": expected a port number from 0 to 65535",
                "environment DAEMON_API_TOKEN: expected printable ASCII without spaces (a bearer token); the value"
                    + " is not shown",
                "environment DAEMON_MAX_BODY_BYTES = \"0\": expected a positive number of bytes",
                "environment DAEMON_LOG_LEVEL = \"loud\": expected one of trace, debug, info, warn (or warning),"
                    + " error, off"));
  }
}

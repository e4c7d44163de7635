package dev.taskdaemon.server.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.taskdaemon.DaemonClosedException;
import dev.taskdaemon.HandlerStats;
import dev.taskdaemon.QueueFullException;
import dev.taskdaemon.StoreException;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskDataException;
import dev.taskdaemon.TaskInfo;
import dev.taskdaemon.TaskOptions;
import dev.taskdaemon.TaskQuery;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.UnknownTaskTypeException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The original daemon's HTTP API over a {@link TaskDaemon}: one handler for every path, so that an
 * unknown path or a wrong method gets the same JSON error body as every other refusal. Every exchange
 * is answered and closed, whatever happens inside; no response carries a stack trace.
 */
public final class Api implements HttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(Api.class);
  private static final String JSON = "application/json";
  private static final String TASKS = "/api/tasks";
  private static final ObjectReader READER =
      Json.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final TaskDaemon daemon;
  private final long maxBodyBytes;
  private final Guard guard;
  private final Metrics metrics;

  /**
   * The API of {@code daemon}, whose meters {@code metrics} holds; {@code listenHost}, {@code
   * allowedHosts} and {@code token} feed the {@code Host}/{@code Origin}/bearer checks.
   */
  public Api(TaskDaemon daemon, Metrics metrics, long maxBodyBytes, String listenHost, List<String> allowedHosts,
      String token) {
    this.daemon = daemon;
    this.maxBodyBytes = maxBodyBytes;
    this.guard = new Guard(listenHost, allowedHosts, token);
    this.metrics = metrics;
  }

  @Override
  public void handle(HttpExchange ex) {
    try {
      answer(ex);
    } catch (HttpError e) {
      send(ex, e.status, e, e.getMessage());
    } catch (QueueFullException e) {
      send(ex, 429, null, e.getMessage());
    } catch (StoreException e) {
      LOG.warn("store unavailable: {}", e.getMessage());
      send(ex, 503, null, "the task store is unavailable: " + e.getMessage());
    } catch (DaemonClosedException e) {
      send(ex, 503, null, "the server is shutting down");
    } catch (UnknownTaskTypeException | TaskDataException e) {
      send(ex, 400, null, e.getMessage());
    } catch (IOException e) {
      // The client went away mid-request: nobody is left to answer.
      LOG.debug("{} {}: connection lost: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
    } catch (RuntimeException | StackOverflowError e) {
      LOG.error("{} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
      send(ex, 500, null, "internal error; the server log has the details");
    } finally {
      ex.close();
    }
  }

  private void answer(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    guard.check(ex.getRequestHeaders(), !"/health".equals(path));
    String method = ex.getRequestMethod();
    switch (path) {
      case "/queue":
        allow(method, "POST");
        queue(ex);
        return;
      case TASKS:
        allow(method, "GET");
        list(ex);
        return;
      case "/health":
        allow(method, "GET");
        health(ex);
        return;
      case "/metrics":
        allow(method, "GET");
        reply(ex, 200, Metrics.PROMETHEUS_TYPE, metrics.prometheus().getBytes(StandardCharsets.UTF_8));
        return;
      case "/api/metrics":
        allow(method, "GET");
        reply(ex, 200, JSON, Json.bytes(metrics.json()));
        return;
      default:
        break;
    }
    if (path.startsWith(TASKS + "/")) {
      String rest = path.substring(TASKS.length() + 1);
      int slash = rest.indexOf('/');
      if (slash < 0) {
        String id = decode(rest);
        if ("DELETE".equals(method)) {
          delete(ex, id);
        } else {
          allow(method, "GET, DELETE");
          get(ex, id);
        }
        return;
      }
      if (rest.substring(slash).equals("/redrive")) {
        allow(method, "POST");
        redrive(ex, decode(rest.substring(0, slash)));
        return;
      }
    }
    throw new HttpError(404, "no route " + Json.shorten(path, 100) + "; routes: POST /queue, GET /api/tasks,"
        + " GET|DELETE /api/tasks/{id}, POST /api/tasks/{id}/redrive, GET /health, GET /metrics, GET /api/metrics");
  }

  private static void allow(String method, String allowed) {
    for (String m : allowed.split(", ")) {
      if (m.equals(method)) {
        return;
      }
    }
    throw new HttpError(405, "method " + Json.shorten(method, 20) + " not allowed here; use " + allowed,
        "Allow", allowed);
  }

  private void queue(HttpExchange ex) throws IOException {
    JsonNode body = parse(Bodies.read(ex, maxBodyBytes));
    JsonNode type = body.get("type");
    List<String> types = daemon.handlers();
    if (type == null || type.isNull()) {
      throw new HttpError(400, "missing \"type\": the task type, one of " + types);
    }
    if (!type.isTextual()) {
      throw new HttpError(400, "\"type\" must be a string, one of " + types);
    }
    if (!types.contains(type.textValue())) {
      throw new HttpError(400, "unknown task type '" + Json.shorten(type.textValue(), 100)
          + "'; configured types: " + String.join(", ", types));
    }
    int priority = TaskDaemon.DEFAULT_PRIORITY;
    JsonNode p = body.get("priority");
    if (p != null && !p.isNull()) {
      if (!p.isIntegralNumber() || !p.canConvertToInt() || p.intValue() < 0 || p.intValue() > 100) {
        throw new HttpError(400, "\"priority\" must be an integer from 0 to 100, was " + Json.shorten(p.toString(), 40));
      }
      priority = p.intValue();
    }
    JsonNode data = body.has("data") ? body.get("data") : NullNode.getInstance();
    String id = daemon.enqueue(type.textValue(), data, TaskOptions.defaults().priority(priority));
    ObjectNode out = Json.object();
    out.put("task_id", id);
    reply(ex, 200, JSON, Json.bytes(out));
  }

  private static JsonNode parse(byte[] body) {
    if (body.length == 0) {
      throw new HttpError(400, "empty body; expected a JSON object such as {\"type\": \"resize\", \"data\": {...},"
          + " \"priority\": 50}");
    }
    JsonNode n;
    try {
      n = READER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new HttpError(400, "malformed JSON: " + Json.shorten(String.valueOf(e.getOriginalMessage()), 200)
          + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
    } catch (IOException e) {
      throw new HttpError(400, "malformed JSON: " + e.getMessage());
    }
    if (n == null || !n.isObject()) {
      throw new HttpError(400, "expected a JSON object such as {\"type\": \"resize\", \"data\": {...}}, got "
          + (n == null ? "nothing" : n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)));
    }
    return n;
  }

  private void list(HttpExchange ex) throws IOException {
    Map<String, String> q = query(ex.getRequestURI().getRawQuery());
    TaskQuery query = TaskQuery.recent();
    String limit = q.get("limit");
    if (limit != null) {
      int n;
      try {
        n = Integer.parseInt(limit.trim());
      } catch (NumberFormatException e) {
        n = -1;
      }
      if (n < 1 || n > TaskQuery.MAX_LIMIT) {
        throw new HttpError(400, "limit must be an integer from 1 to " + TaskQuery.MAX_LIMIT + ", was '"
            + Json.shorten(limit, 40) + "'");
      }
      query = query.limit(n);
    }
    String status = q.get("status");
    if (status != null) {
      try {
        query = query.status(TaskStatus.parse(status.trim()));
      } catch (IllegalArgumentException e) {
        throw new HttpError(400, "status: " + e.getMessage());
      }
    }
    String type = q.get("type");
    if (type != null && !type.isEmpty()) {
      query = query.taskType(type);
    }
    ArrayNode arr = Json.MAPPER.createArrayNode();
    for (TaskInfo t : daemon.tasks(query)) {
      arr.add(Json.task(t));
    }
    reply(ex, 200, JSON, Json.bytes(arr));
  }

  private void get(HttpExchange ex, String id) throws IOException {
    Optional<TaskInfo> t = daemon.task(id);
    if (t.isEmpty()) {
      throw notFound();
    }
    reply(ex, 200, JSON, Json.bytes(Json.task(t.get())));
  }

  private void delete(HttpExchange ex, String id) throws IOException {
    if (!daemon.delete(id)) {
      throw notFound();
    }
    ex.sendResponseHeaders(204, -1);
  }

  private void redrive(HttpExchange ex, String id) throws IOException {
    if (!daemon.redrive(id)) {
      throw notFound();
    }
    ObjectNode out = Json.object();
    out.put("task_id", id);
    out.put("status", TaskStatus.PENDING.wireName());
    reply(ex, 200, JSON, Json.bytes(out));
  }

  private static HttpError notFound() {
    return new HttpError(404, "Task not found");
  }

  private void health(HttpExchange ex) throws IOException {
    ObjectNode out = Json.object();
    ObjectNode handlers = Json.object();
    ArrayNode unhealthy = Json.MAPPER.createArrayNode();
    for (HandlerStats s : daemon.stats().values()) {
      ObjectNode h = handlers.putObject(s.handler());
      h.put("healthy", s.healthy());
      h.put("instances_alive", s.instancesAlive());
      h.put("queued", s.queued());
      if (!s.healthy()) {
        unhealthy.add(s.handler());
      }
    }
    boolean ok = unhealthy.isEmpty();
    out.put("status", ok ? "healthy" : "unhealthy");
    if (!ok) {
      out.set("unhealthy", unhealthy);
    }
    out.put("store", daemon.store());
    out.set("handlers", handlers);
    reply(ex, ok ? 200 : 503, JSON, Json.bytes(out));
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = decode(eq < 0 ? pair : pair.substring(0, eq));
      String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
      out.putIfAbsent(k, v);
    }
    return out;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new HttpError(400, "bad percent-encoding in '" + Json.shorten(s, 100) + "'");
    }
  }

  private static void reply(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  /** An error body; a no-op when a response was already started (there is nothing left to say). */
  private static void send(HttpExchange ex, int status, HttpError e, String message) {
    if (ex.getResponseCode() != -1) {
      return;
    }
    try {
      if (e != null && e.header != null) {
        ex.getResponseHeaders().set(e.header, e.headerValue);
      }
      if (status == 413) {
        // The rest of the body is not read: close the connection after the answer rather than read it.
        ex.getResponseHeaders().set("Connection", "close");
      }
      reply(ex, status, JSON, Json.error(message == null ? "error" : message));
    } catch (IOException io) {
      LOG.debug("could not answer {} {}: {}", ex.getRequestMethod(), ex.getRequestURI(), io.toString());
    }
  }
}

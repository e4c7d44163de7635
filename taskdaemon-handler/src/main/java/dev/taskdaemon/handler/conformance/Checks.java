package dev.taskdaemon.handler.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.taskdaemon.handler.conformance.Conformance.BadLine;
import dev.taskdaemon.handler.conformance.Conformance.CheckResult;
import dev.taskdaemon.handler.conformance.Conformance.Request;
import dev.taskdaemon.handler.conformance.Conformance.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The checks of one {@link Conformance} run, in order, sharing handler runs where they can. */
final class Checks {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  /**
   * Environments whose default charset is not UTF-8: the C locale (US-ASCII for a JVM's default
   * charset or its stdout, for C and most runtimes), and the same with a JVM told ISO-8859-1.
   */
  static final List<Map<String, String>> NON_UTF8_LOCALES = List.of(
      Map.of("LANG", "C", "LC_ALL", "C"),
      Map.of("LANG", "C", "LC_ALL", "C",
          "JAVA_TOOL_OPTIONS", "-Dfile.encoding=ISO-8859-1 -Dsun.stdout.encoding=ISO-8859-1"
              + " -Dsun.stderr.encoding=ISO-8859-1 -Dstdout.encoding=ISO-8859-1 -Dstderr.encoding=ISO-8859-1"));

  private final Conformance.Builder spec;
  private final List<CheckResult> results = new ArrayList<>();
  private Session session;
  private boolean answered;

  Checks(Conformance.Builder spec) {
    this.spec = spec;
  }

  /** A check that does not hold; the session it ran in is no longer trusted. */
  private static final class Failed extends Exception {
    private static final long serialVersionUID = 1L;

    Failed(String message) {
      super(message, null, false, false);
    }
  }

  private static final class NotChecked extends Exception {
    private static final long serialVersionUID = 1L;

    NotChecked(String message) {
      super(message, null, false, false);
    }
  }

  private interface Check {
    String run() throws Exception;
  }

  Conformance.Report run() {
    try {
      check("each request gets one response line, flushed before the next request is sent", this::flushed);
      check("responses come in request order, one line each, nothing else on stdout", this::ordered);
      check("request lines over 64 KiB and of several MiB are read"
          + (spec.echoes() ? ", and answered with lines as long" : ""), this::longLines);
      check("a failing task is answered with an error, and the next request is served", this::errors);
      check("when stdin closes: exit code 0 and nothing more on stdout", this::exitAfterRequests);
      check("UTF-8 both ways under a non-UTF-8 locale (LANG=C; a JVM told ISO-8859-1)", this::utf8);
      check("when stdin closes before any request: exit code 0 and nothing on stdout", this::exitAtOnce);
    } finally {
      closeSession();
    }
    return new Conformance.Report(spec.command(), List.copyOf(results));
  }

  private void check(String name, Check check) {
    if (spec.failFast() && results.stream().anyMatch(r -> r.status() == Status.FAILED)) {
      results.add(new CheckResult(name, Status.NOT_CHECKED, "an earlier check failed (fail fast)"));
      return;
    }
    try {
      results.add(new CheckResult(name, Status.PASSED, check.run()));
    } catch (NotChecked e) {
      results.add(new CheckResult(name, Status.NOT_CHECKED, e.getMessage()));
    } catch (Failed e) {
      results.add(new CheckResult(name, Status.FAILED, e.getMessage() + "\n" + describeSession()));
      closeSession();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      results.add(new CheckResult(name, Status.FAILED, "interrupted"));
      closeSession();
    } catch (Exception e) {
      results.add(new CheckResult(name, Status.FAILED, "the check could not run: " + e));
      closeSession();
    }
  }

  // ------------------------------------------------------------------------------------ checks

  private String flushed() throws Exception {
    Session s = session(Map.of());
    int n = 3;
    for (int i = 0; i < n; i++) {
      Request r = Conformance.request(spec.taskType(), data(i, "flushed"), 1);
      s.send(r.line());
      expectSuccessEchoing(r, "request " + (i + 1) + " of " + n);
    }
    return n + " requests, each answered before the next was sent";
  }

  private String ordered() throws Exception {
    Session s = session(Map.of());
    int n = 50;
    List<Request> requests = new ArrayList<>();
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (int i = 0; i < n; i++) {
      Request r = Conformance.request(spec.taskType(), data(i, "ordered"), 1 + i % 3);
      requests.add(r);
      all.write(r.line());
    }
    s.send(all.toByteArray());
    for (int i = 0; i < n; i++) {
      expectSuccessEchoing(requests.get(i), "request " + (i + 1) + " of " + n + " (sent in one write)");
    }
    return n + " requests written at once, " + n + " answers in order"
        + (spec.echoes() ? ", each carrying its own task_data" : "")
        + (spec.requireTaskIdEcho() ? ", each with its task_id" : "");
  }

  private String longLines() throws Exception {
    Session s = session(Map.of());
    List<String> seen = new ArrayList<>();
    for (int size : new int[] {100 * 1024, spec.largeBytes()}) {
      String big = filler(size);
      JsonNode data;
      if (spec.echoes()) {
        data = NODES.objectNode().put("text", big);
      } else if (spec.data().isObject()) {
        data = ((ObjectNode) spec.data().deepCopy()).put("conformance_padding", big);
      } else {
        throw new NotChecked("the sample data is not a JSON object, so the suite cannot make it long");
      }
      Request r = Conformance.request(spec.taskType(), data, 1);
      s.send(r.line());
      long before = s.stdoutBytes();
      JsonNode response = expectAnswer(r, "a request line of " + r.line().length + " bytes");
      if (spec.echoes()) {
        expectStatus(response, "success", r);
        expectEcho(response, r);
        seen.add(String.format(Locale.ROOT, "%,d bytes in, %,d bytes out", r.line().length,
            s.stdoutBytes() - before));
      } else {
        seen.add(String.format(Locale.ROOT, "%,d bytes in, answered %s", r.line().length,
            response.get("status").textValue()));
      }
    }
    return String.join("; ", seen) + (spec.echoes() ? "" : " (long answers not checked: the handler does not echo)");
  }

  private String errors() throws Exception {
    if (spec.failingData() == null && !spec.malformed()) {
      throw new NotChecked("give the suite a failingData, or say that the handler answers malformed lines");
    }
    Session s = session(Map.of());
    List<String> seen = new ArrayList<>();
    if (spec.failingData() != null) {
      Request bad = Conformance.request(spec.taskType(), spec.failingData(), 1);
      s.send(bad.line());
      JsonNode response = expectAnswer(bad, "the failing task");
      expectStatus(response, "error", bad);
      seen.add("failing task answered: " + Session.shorten(response.toString(), 200));
      nextIsServed("the request after the failing task");
    }
    if (spec.malformed()) {
      s.send("this line is not JSON\n".getBytes(StandardCharsets.UTF_8));
      JsonNode response = expectAnswer(null, "a line that is not JSON");
      expectStatus(response, "error", null);
      if (response.path("retryable").asBoolean(false)) {
        throw new Failed("a line that is not JSON was answered as retryable; it will not get better: " + response);
      }
      seen.add("malformed line answered: " + Session.shorten(response.toString(), 200));
      nextIsServed("the request after the malformed line");
    }
    return String.join("; ", seen);
  }

  private void nextIsServed(String what) throws Exception {
    Request next = Conformance.request(spec.taskType(), data(7, "after an error"), 1);
    session.send(next.line());
    expectSuccessEchoing(next, what);
  }

  private String exitAfterRequests() throws Exception {
    Session s = session(Map.of());
    if (!answered) {
      Request r = Conformance.request(spec.taskType(), data(0, "before the end"), 1);
      s.send(r.line());
      expectSuccessEchoing(r, "the request before stdin closes");
    }
    return expectCleanExit(s, spec.responseTimeout());
  }

  private String utf8() throws Exception {
    JsonNode data = spec.echoes() ? NODES.objectNode().put("text", Conformance.UNICODE_TEXT) : spec.data();
    for (Map<String, String> locale : NON_UTF8_LOCALES) {
      closeSession();
      Session s = session(locale);
      Request r = Conformance.request(spec.taskType(), data, 1);
      s.send(r.line());
      expectSuccessEchoing(r, "a request with non-ASCII text, environment " + new TreeMap<>(locale));
      expectCleanExit(s, spec.responseTimeout());
    }
    return spec.echoes()
        ? "the text " + Conformance.UNICODE_TEXT.strip() + " came back unchanged, with LANG=C and with a JVM told"
            + " ISO-8859-1"
        : "the answers are valid UTF-8 (content not checked: the handler does not echo)";
  }

  private String exitAtOnce() throws Exception {
    closeSession();
    Session s = session(Map.of());
    return expectCleanExit(s, spec.startTimeout());
  }

  // ------------------------------------------------------------------------------------ helpers

  private Session session(Map<String, String> environment) throws IOException {
    if (session == null) {
      Map<String, String> env = new HashMap<>(environment);
      env.putAll(spec.environment());
      session = new Session(spec.command(), spec.directory(), env);
      answered = false;
    }
    return session;
  }

  private void closeSession() {
    if (session != null) {
      session.close();
      session = null;
    }
  }

  private String describeSession() {
    return session == null ? "" : session.stderrTail();
  }

  /** The data of request {@code i}: the suite's own for an echo handler, else the sample. */
  private JsonNode data(int i, String what) {
    if (!spec.echoes()) {
      return spec.data();
    }
    return NODES.objectNode().put("n", i).put("check", what).put("text", "line " + i + ": \"quoted\", tab\t, ü ✓");
  }

  private void expectSuccessEchoing(Request r, String what) throws Exception {
    JsonNode response = expectAnswer(r, what);
    expectStatus(response, "success", r);
    expectEcho(response, r);
  }

  /** The next stdout line as a response to {@code r} (null: a line with no task id). */
  private JsonNode expectAnswer(Request r, String what) throws Exception {
    Duration timeout = answered ? spec.responseTimeout() : spec.startTimeout();
    byte[] line = session.nextLine(timeout);
    if (line == null) {
      throw new Failed("no answer to " + what + " within " + timeout.toSeconds() + " s"
          + (session.alive() ? " (is stdout flushed after each response?)" : " (the handler has exited)"));
    }
    if (line == Session.END) {
      Integer code = session.awaitExit(Duration.ofSeconds(5));
      throw new Failed("stdout ended before the answer to " + what + "; exit code " + code);
    }
    JsonNode response;
    try {
      response = Conformance.parseResponse(line);
    } catch (BadLine e) {
      throw new Failed(e.getMessage() + " (while waiting for the answer to " + what + ")");
    }
    answered = true;
    JsonNode id = response.get("task_id");
    if (r != null) {
      if (id != null && !r.id().equals(id.asText())) {
        throw new Failed("the answer to " + what + " carries task_id " + id + ", the request's is \"" + r.id()
            + "\": the engine would take it for another task's answer");
      }
      if (id == null && spec.requireTaskIdEcho()) {
        throw new Failed("the answer to " + what + " has no task_id; echo the request's task_id at top level: "
            + Session.shorten(response.toString(), 200));
      }
    }
    return response;
  }

  private static void expectStatus(JsonNode response, String status, Request r) throws Failed {
    if (!status.equals(response.get("status").textValue())) {
      throw new Failed("expected a \"" + status + "\" answer" + (r == null ? "" : " to data "
          + Session.shorten(r.data().toString(), 120)) + ", got " + Session.shorten(response.toString(), 300));
    }
  }

  private void expectEcho(JsonNode response, Request r) throws Failed {
    if (!spec.echoes()) {
      return;
    }
    JsonNode result = response.get("result");
    boolean same = result != null && (result.equals(r.data())
        || result.isObject() && r.data().equals(result.get("task_data")));
    if (!same) {
      throw new Failed("the result does not carry the request's task_data back; sent "
          + Session.shorten(r.data().toString(), 200) + ", got " + Session.shorten(String.valueOf(result), 200));
    }
  }

  private String expectCleanExit(Session s, Duration timeout) throws Exception {
    s.closeStdin();
    byte[] line = s.nextLine(timeout);
    if (line == null) {
      throw new Failed("stdout still open " + timeout.toSeconds() + " s after stdin closed: the handler did not exit");
    }
    if (line != Session.END) {
      throw new Failed("wrote to stdout after stdin closed, with no request to answer: " + Session.text(line));
    }
    Integer code = s.awaitExit(timeout);
    if (code == null) {
      throw new Failed("still running " + timeout.toSeconds() + " s after stdin closed");
    }
    if (code != 0) {
      throw new Failed("exited with code " + code + " after stdin closed; expected 0");
    }
    closeSession();
    return "exited with code 0";
  }

  private static String filler(int size) {
    StringBuilder b = new StringBuilder(size);
    String unit = "0123456789abcdefghijklmnopqrstuvwxyz ";
    while (b.length() < size) {
      b.append(unit, 0, Math.min(unit.length(), size - b.length()));
    }
    return b.toString();
  }
}

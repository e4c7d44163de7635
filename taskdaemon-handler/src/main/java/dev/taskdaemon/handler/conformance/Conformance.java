package dev.taskdaemon.handler.conformance;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.taskdaemon.handler.internal.Protocol;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A conformance suite for handler programs in any language: runs a handler command as the engine
 * would and checks what the engine relies on.
 *
 * <ol>
 *   <li>each request gets exactly one response line, flushed at once (the next request is only sent
 *       once the answer arrived);
 *   <li>responses come in request order, one per request, with nothing else on stdout;
 *   <li>a response that carries {@code task_id} carries the request's (required with
 *       {@link Builder#requireTaskIdEcho(boolean)}, the default);
 *   <li>lines over 64 KiB, and of several megabytes, are read (and, for an echo handler, written);
 *   <li>text survives as UTF-8 when the handler runs under a non-UTF-8 locale ({@code LANG=C},
 *       {@code LC_ALL=C}, and for JVMs {@code -Dfile.encoding=ISO-8859-1} and the stdout/stderr
 *       encodings through {@code JAVA_TOOL_OPTIONS});
 *   <li>a task that fails is answered with an error, and the next request is still served;
 *   <li>when stdin closes the handler exits with code 0 and writes nothing more on stdout, also when
 *       it never got a request.
 * </ol>
 *
 * <p>What a handler does with data is its own business, so content checks need to know its
 * behaviour: {@link Builder#echoes(boolean)} says that the result is the request's {@code task_data},
 * or the whole request; {@link Builder#failingData(JsonNode)} gives data the handler answers with an
 * error; {@link Builder#answersMalformedLines(boolean)} says that a line that is not JSON gets an error
 * response. A check that needs what was not given is reported as not checked, never as passed.
 *
 * <pre>{@code
 * Conformance.Report report = Conformance.of(List.of("python3", "handler.py")).echoes(true)
 *     .requireTaskIdEcho(false).answersMalformedLines(true).run();
 * assertTrue(report.passed(), report.toString());
 * }</pre>
 *
 * <p>From a shell: {@code java -cp taskdaemon-handler.jar:jackson-*.jar
 * dev.taskdaemon.handler.conformance.Conformance --echo --malformed -- python3 handler.py}
 * (see {@link #main(String[])}).
 */
public final class Conformance {
  private static final ObjectMapper JSON = Protocol.newMapper();
  /** The text of the UTF-8 check: Latin-1, other BMP scripts, a character outside the BMP, escapes. */
  static final String UNICODE_TEXT = "naïve café, Grüße, ½ — ✓ 日本語 Ελληνικά 😀 \"quoted\" back\\slash tab\t";

  /** The outcome of one check. */
  public enum Status {
    /** The handler did what the check requires. */
    PASSED,
    /** It did not; the detail says what happened. */
    FAILED,
    /** The check needs a behaviour the suite was not told about (see {@link Builder}). */
    NOT_CHECKED
  }

  /**
   * One check's outcome.
   *
   * @param name what the check requires
   * @param status its outcome
   * @param detail what was seen, or why it was not checked
   */
  public record CheckResult(String name, Status status, String detail) {}

  /**
   * Every check's outcome, in order.
   *
   * @param command the handler command checked
   * @param checks the outcomes
   */
  public record Report(List<String> command, List<CheckResult> checks) {
    /** True when no check failed (and at least one passed). */
    public boolean passed() {
      return checks.stream().noneMatch(c -> c.status() == Status.FAILED)
          && checks.stream().anyMatch(c -> c.status() == Status.PASSED);
    }

    /** The outcome of the check whose name starts with {@code prefix}. */
    public CheckResult check(String prefix) {
      return checks.stream().filter(c -> c.name().startsWith(prefix)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no check named " + prefix + "... in " + checks));
    }

    @Override
    public String toString() {
      StringBuilder b = new StringBuilder("conformance of " + String.join(" ", command) + ": "
          + (passed() ? "PASSED" : "FAILED") + "\n");
      for (CheckResult c : checks) {
        b.append(String.format(Locale.ROOT, "  %-11s %s%n", c.status(), c.name()));
        if (!c.detail().isEmpty()) {
          b.append("              ").append(c.detail().replace("\n", "\n              ")).append('\n');
        }
      }
      return b.toString();
    }
  }

  /**
   * Starts describing a run of the suite against {@code command}.
   *
   * @param command the handler program and its arguments, as {@code handlers.toml}'s {@code command}
   * @return a builder; {@link Builder#run()} runs the suite
   */
  public static Builder of(List<String> command) {
    return new Builder(command);
  }

  /** What the suite runs and what it may expect of the handler. */
  public static final class Builder {
    private final List<String> command;
    private Path directory;
    private final Map<String, String> environment = new HashMap<>();
    private String taskType = "conformance";
    private JsonNode data = JSON.createObjectNode().put("text", "hello");
    private boolean echoes;
    private JsonNode failingData;
    private boolean malformed;
    private boolean requireTaskId = true;
    private Duration startTimeout = Duration.ofSeconds(60);
    private Duration responseTimeout = Duration.ofSeconds(30);
    private int largeBytes = 3 * 1024 * 1024;
    private boolean failFast;

    private Builder(List<String> command) {
      Objects.requireNonNull(command, "command");
      if (command.isEmpty()) {
        throw new IllegalArgumentException("the handler command is empty");
      }
      this.command = List.copyOf(command);
    }

    /** The working directory of the handler (default: this JVM's). */
    public Builder directory(Path directory) {
      this.directory = directory;
      return this;
    }

    /** An extra environment variable of the handler. */
    public Builder environment(String name, String value) {
      environment.put(name, value);
      return this;
    }

    /** The {@code task_type} of the requests (default {@code conformance}). */
    public Builder taskType(String taskType) {
      this.taskType = Objects.requireNonNull(taskType, "taskType");
      return this;
    }

    /**
     * A {@code task_data} the handler answers with success (default {@code {"text":"hello"}}); the
     * suite adds no fields to it unless the handler {@link #echoes(boolean) echoes}.
     */
    public Builder data(JsonNode data) {
      this.data = Objects.requireNonNull(data, "data");
      return this;
    }

    /**
     * Whether the handler's result is the request's {@code task_data}, or the whole request (a field
     * {@code task_data} in the result). Then the suite sends data of its own and checks that each
     * answer carries it back: order, long lines out, UTF-8 text.
     */
    public Builder echoes(boolean echoes) {
      this.echoes = echoes;
      return this;
    }

    /** A {@code task_data} that the handler answers with an error (e.g. one that makes it throw). */
    public Builder failingData(JsonNode failingData) {
      this.failingData = failingData;
      return this;
    }

    /** Whether a line that is not JSON is answered with an error response (the SDK does). */
    public Builder answersMalformedLines(boolean answers) {
      this.malformed = answers;
      return this;
    }

    /** Whether every response must carry the request's {@code task_id} (default true, as the SDK does). */
    public Builder requireTaskIdEcho(boolean require) {
      this.requireTaskId = require;
      return this;
    }

    /** How long the first answer of a run may take, start-up included (default 60 s). */
    public Builder startTimeout(Duration timeout) {
      this.startTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** How long any later answer, or the exit after stdin closes, may take (default 30 s). */
    public Builder responseTimeout(Duration timeout) {
      this.responseTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** The size of the multi-megabyte request (default 3 MiB). */
    public Builder largeBytes(int bytes) {
      if (bytes <= 64 * 1024) {
        throw new IllegalArgumentException("largeBytes must be over 64 KiB, was " + bytes);
      }
      this.largeBytes = bytes;
      return this;
    }

    /**
     * Whether the checks after the first failed one are skipped (reported as not checked): a handler
     * that never flushes would otherwise make each later check wait for its timeout.
     */
    public Builder failFast(boolean failFast) {
      this.failFast = failFast;
      return this;
    }

    /** Runs every check, each run of the handler stopped before this returns. */
    public Report run() {
      return new Checks(this).run();
    }

    List<String> command() {
      return command;
    }

    Path directory() {
      return directory;
    }

    Map<String, String> environment() {
      return Map.copyOf(environment);
    }

    String taskType() {
      return taskType;
    }

    JsonNode data() {
      return data;
    }

    boolean echoes() {
      return echoes;
    }

    JsonNode failingData() {
      return failingData;
    }

    boolean malformed() {
      return malformed;
    }

    boolean requireTaskIdEcho() {
      return requireTaskId;
    }

    Duration startTimeout() {
      return startTimeout;
    }

    Duration responseTimeout() {
      return responseTimeout;
    }

    int largeBytes() {
      return largeBytes;
    }

    boolean failFast() {
      return failFast;
    }
  }

  private Conformance() {}

  /**
   * Runs the suite from a shell and prints the report; exits 0 when it passed, 1 when a check
   * failed, 2 on a usage error.
   *
   * <pre>
   * usage: Conformance [--echo] [--malformed] [--no-task-id] [--fail-fast] [--data JSON]
   *                    [--failing-data JSON] [--task-type NAME] [--dir DIR] [--start-timeout SECONDS] [--timeout SECONDS]
   *                    -- COMMAND [ARGS...]
   * </pre>
   *
   * @param args the options, {@code --}, then the handler command
   */
  public static void main(String[] args) {
    int code;
    try {
      code = run(args, System.out);
    } catch (IllegalArgumentException e) {
      System.err.println("conformance: " + e.getMessage());
      System.err.println("usage: Conformance [--echo] [--malformed] [--no-task-id] [--fail-fast] [--data JSON]"
          + " [--failing-data JSON] [--task-type NAME] [--dir DIR] [--start-timeout SECONDS] [--timeout SECONDS] -- COMMAND [ARGS...]");
      code = 2;
    }
    System.exit(code);
  }

  static int run(String[] args, PrintStream out) {
    int dash = List.of(args).indexOf("--");
    if (dash < 0 || dash == args.length - 1) {
      throw new IllegalArgumentException("give the handler command after --");
    }
    Builder b = of(List.of(args).subList(dash + 1, args.length));
    for (int i = 0; i < dash; i++) {
      String a = args[i];
      switch (a) {
        case "--echo" -> b.echoes(true);
        case "--malformed" -> b.answersMalformedLines(true);
        case "--no-task-id" -> b.requireTaskIdEcho(false);
        case "--fail-fast" -> b.failFast(true);
        case "--data", "--failing-data", "--task-type", "--dir", "--start-timeout", "--timeout" -> {
          if (i + 1 >= dash) {
            throw new IllegalArgumentException(a + " needs a value");
          }
          String v = args[++i];
          switch (a) {
            case "--data" -> b.data(json(a, v));
            case "--failing-data" -> b.failingData(json(a, v));
            case "--task-type" -> b.taskType(v);
            case "--dir" -> b.directory(Path.of(v));
            case "--start-timeout" -> b.startTimeout(seconds(a, v));
            default -> b.responseTimeout(seconds(a, v));
          }
        }
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    Report report = b.run();
    out.print(report);
    out.flush();
    return report.passed() ? 0 : 1;
  }

  private static JsonNode json(String option, String value) {
    try {
      return JSON.readTree(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(option + " takes JSON: " + e.getOriginalMessage());
    }
  }

  private static Duration seconds(String option, String value) {
    try {
      return Duration.ofMillis((long) (Double.parseDouble(value) * 1000));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " takes a number of seconds, got " + value);
    }
  }

  // ------------------------------------------------------------------------- shared by the checks

  /** A request line with a fresh task id. */
  static Request request(String taskType, JsonNode data, int attempt) {
    String id = UUID.randomUUID().toString();
    ObjectNode n = JSON.createObjectNode();
    n.put("task_id", id);
    n.put("task_type", taskType);
    n.set("task_data", data);
    n.put("attempt", attempt);
    try {
      return new Request(id, data, (JSON.writeValueAsString(n) + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  record Request(String id, JsonNode data, byte[] line) {}

  /** A response line read back: the JSON, or why the line is not a response. */
  static JsonNode parseResponse(byte[] line) throws BadLine {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(line));
    } catch (CharacterCodingException e) {
      throw new BadLine("a stdout line is not valid UTF-8: " + Session.text(line));
    }
    JsonNode n;
    try {
      n = JSON.readTree(line);
    } catch (IOException e) {
      throw notAResponse("not JSON", line);
    }
    if (n == null || !n.isObject()) {
      throw notAResponse("not a JSON object", line);
    }
    String status = n.path("status").asText(null);
    if (!n.path("status").isTextual() || !(status.equals("success") || status.equals("error"))) {
      throw notAResponse("no \"status\" of \"success\" or \"error\"", line);
    }
    return n;
  }

  private static BadLine notAResponse(String why, byte[] line) {
    return new BadLine("a stdout line is not a response (" + why + "); stdout is for responses only, logs go to"
        + " stderr: " + Session.text(line));
  }

  /** A stdout line the engine would not take as a response. */
  static final class BadLine extends Exception {
    private static final long serialVersionUID = 1L;

    BadLine(String message) {
      super(message, null, false, false);
    }
  }
}

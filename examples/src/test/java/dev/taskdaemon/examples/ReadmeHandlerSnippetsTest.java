package dev.taskdaemon.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskdaemon.HandlerStats;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.handler.conformance.Conformance;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each handler snippet of the documentation, taken from README.md and docs/handlers.md themselves, run
 * as a real handler: through
 * the engine with a pool of two instances and a batch of tasks, and directly, to see that it writes
 * one line per request, logs to stderr and exits when stdin closes. A snippet runs when its
 * toolchain is installed (CI has Java, sh, Node.js and Python, not Go); the others are listed in
 * the test output, and no test is reported as skipped.
 */
class ReadmeHandlerSnippetsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration LIMIT = Duration.ofSeconds(60);

  /** A snippet's language: its marker, fence tag, file name, toolchain probe and how to run it. */
  enum Snippet {
    PYTHON("python", "python", "handler.py", List.of("python3", "--version")),
    JAVA("java", "java", "EchoHandler.java", List.of(Repo.java(), "-version")),
    NODE("node", "javascript", "handler.js", List.of("node", "--version")),
    GO("go", "go", "handler.go", List.of("go", "version")),
    SHELL("shell", "sh", "handler.sh", List.of("sh", "-c", "exit 0"));

    final String marker;
    final String fence;
    final String file;
    final List<String> probe;

    Snippet(String marker, String fence, String file, List<String> probe) {
      this.marker = marker;
      this.fence = fence;
      this.file = file;
      this.probe = probe;
    }

    /** Writes the snippet into {@code dir}, builds it if its language needs that, returns the command. */
    List<String> install(String source, Path dir) throws Exception {
      Files.writeString(dir.resolve(file), source, StandardCharsets.UTF_8);
      switch (this) {
        case PYTHON:
          return List.of("python3", file);
        case JAVA:
          // The SDK and Jackson, through the @-file the examples' build writes (as handlers.toml does).
          return List.of(Repo.java(), "@" + Repo.examples().resolve("target/handler-classpath.args"), file);
        case NODE:
          return List.of("node", file);
        case GO: {
          Repo.Run build = Repo.run(List.of("go", "build", "-o", "handler", file), dir, Duration.ofMinutes(3),
              "go-build-snippet");
          assertThat(build.exitCode).as("go build: %s", build).isZero();
          return List.of(dir.resolve("handler").toString());
        }
        case SHELL:
        default:
          return List.of("sh", file);
      }
    }

    boolean toolchainPresent() {
      try {
        Process p = new ProcessBuilder(probe).redirectErrorStream(true).start();
        p.getOutputStream().close();
        p.getInputStream().transferTo(OutputStream.nullOutputStream());
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  @TempDir
  Path tmp;

  @Test
  void readme_hasASnippetForEachLanguage() {
    Readme readme = Readme.load();
    for (Snippet s : Snippet.values()) {
      Readme.CodeBlock block = readme.codeBlock("handler " + s.marker);
      assertThat(block.language).as("fence of the %s snippet", s.marker).isEqualTo(s.fence);
      assertThat(block.text).as("%s snippet", s.marker).isNotBlank();
    }
  }

  @TestFactory
  Stream<DynamicTest> eachSnippetWithItsToolchainPresent_isACorrectHandler() {
    Readme readme = Readme.load();
    List<DynamicTest> tests = new ArrayList<>();
    List<String> notRun = new ArrayList<>();
    for (Snippet s : Snippet.values()) {
      if (!s.toolchainPresent()) {
        notRun.add(s.marker);
        continue;
      }
      Readme.CodeBlock block = readme.codeBlock("handler " + s.marker);
      tests.add(DynamicTest.dynamicTest(s.marker + " snippet (" + block.where() + ")", () -> {
        Path dir = Files.createDirectories(tmp.resolve(s.marker));
        List<String> command = s.install(block.text, dir);
        // The SDK answers a line that is not JSON; a hand-written handler does when it says "retryable".
        boolean answersBadRequests = s == Snippet.JAVA || block.text.contains("retryable");
        servesABatchThroughTheEngine(s, command, dir);
        answersEachLineOnce_logsToStderr_exitsOnEof(command, dir, answersBadRequests);
        passesTheConformanceSuite(s, command, dir, answersBadRequests);
      }));
    }
    System.out.println("README handler snippets not run here (toolchain missing): "
        + (notRun.isEmpty() ? "none" : String.join(", ", notRun)));
    assertThat(tests).as("snippets run: Java and sh are always present").hasSizeGreaterThanOrEqualTo(2);
    return tests.stream();
  }

  private static void servesABatchThroughTheEngine(Snippet s, List<String> command, Path dir) throws Exception {
    int n = 40;
    try (TaskDaemon daemon = TaskDaemon.builder()
        .name("readme-" + s.marker)
        .handler("snippet", h -> h.command(command).workdir(dir).instances(2).timeout(Duration.ofSeconds(30)))
        .maxRetries(0)
        .start()) {
      List<Map<String, Object>> data = new ArrayList<>();
      List<CompletableFuture<Result>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("n", i);
        d.put("text", "line " + i + ": \"quoted\", a back\\slash, a tab\t, \u00fcn\u00efc\u00f8d\u00e9 \u2713");
        d.put("list", java.util.Arrays.asList(1, 2.5, true, null, List.of()));
        data.add(d);
        futures.add(daemon.submit("snippet", d));
      }
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < n; i++) {
        Result r = futures.get(i).get(LIMIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.isSuccess()).as("task %d: %s", i, r).isTrue();
        JsonNode echo = r.json();
        assertThat(UUID.fromString(echo.get("task_id").asText()).toString()).isEqualTo(echo.get("task_id").asText());
        assertThat(echo.get("task_type").asText()).isEqualTo("snippet");
        assertThat(echo.get("attempt").asInt()).isEqualTo(1);
        assertThat(echo.get("task_data")).as("task_data of task %d", i).isEqualTo(JSON.valueToTree(data.get(i)));
        ids.add(echo.get("task_id").asText());
      }
      assertThat(ids).hasSize(n);
      HandlerStats stats = daemon.stats("snippet");
      assertThat(stats.succeeded()).isEqualTo(n);
      assertThat(stats.failed()).isZero();
      assertThat(stats.restarts()).isZero();
      assertThat(stats.instancesAlive()).isEqualTo(2);
    }
  }

  /**
   * The handler conformance suite: flushed answers in order, long lines, UTF-8 under a non-UTF-8
   * locale, errors, exit on EOF. Only the SDK snippet echoes task_id; the others are checked without
   * that rule.
   */
  private static void passesTheConformanceSuite(Snippet s, List<String> command, Path dir, boolean answersBadRequests) {
    Conformance.Report report = Conformance.of(command).directory(dir).echoes(true)
        .requireTaskIdEcho(s == Snippet.JAVA).answersMalformedLines(answersBadRequests).run();
    System.out.println(report);
    assertThat(report.passed()).as("%s", report).isTrue();
    assertThat(report.check("a failing task").status()).as("%s", report)
        .isEqualTo(answersBadRequests ? Conformance.Status.PASSED : Conformance.Status.NOT_CHECKED);
  }

  private static void answersEachLineOnce_logsToStderr_exitsOnEof(List<String> command, Path dir,
      boolean answersBadRequests) throws Exception {
    List<String> ids = List.of(UUID.randomUUID().toString(), UUID.randomUUID().toString(),
        UUID.randomUUID().toString());
    StringBuilder requests = new StringBuilder();
    for (int i = 0; i < ids.size(); i++) {
      requests.append("{\"task_id\":\"").append(ids.get(i)).append("\",\"task_type\":\"snippet\",\"task_data\":{\"i\":")
          .append(i).append("},\"attempt\":1}\n");
    }
    if (answersBadRequests) {
      requests.append("this line is not JSON\n");
    }
    Process p = new ProcessBuilder(command).directory(dir.toFile()).start();
    CompletableFuture<byte[]> out = drain(p.getInputStream());
    CompletableFuture<byte[]> err = drain(p.getErrorStream());
    try (OutputStream stdin = p.getOutputStream()) {
      stdin.write(requests.toString().getBytes(StandardCharsets.UTF_8));
    }
    assertThat(p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)).as("exits once stdin is closed").isTrue();
    assertThat(p.exitValue()).isZero();
    List<String> lines = new String(out.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8).lines()
        .collect(Collectors.toList());
    assertThat(lines).as("one stdout line per request, nothing else").hasSize(ids.size() + (answersBadRequests ? 1 : 0));
    for (int i = 0; i < ids.size(); i++) {
      JsonNode response = JSON.readTree(lines.get(i));
      assertThat(response.get("status").asText()).isEqualTo("success");
      assertThat(response.get("result").get("task_id").asText()).isEqualTo(ids.get(i));
      assertThat(response.get("result").get("task_data").get("i").asInt()).isEqualTo(i);
    }
    if (answersBadRequests) {
      JsonNode response = JSON.readTree(lines.get(ids.size()));
      assertThat(response.get("status").asText()).isEqualTo("error");
      assertThat(response.get("error").asText()).startsWith("bad request: ");
      assertThat(response.get("retryable").asBoolean()).isFalse();
    }
    assertThat(new String(err.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8)).as("logs on stderr").isNotBlank();
  }

  private static CompletableFuture<byte[]> drain(InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      try (in) {
        in.transferTo(b);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return b.toByteArray();
    });
  }
}

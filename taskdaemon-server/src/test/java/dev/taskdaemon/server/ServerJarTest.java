package dev.taskdaemon.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar taskdaemon-server.jar} as a separate process, configured by environment variables
 * only, stopped with SIGTERM ({@link Process#destroy()} sends it on Linux). Runs in the {@code package}
 * phase (the {@code jar-test} execution), once the shaded jar exists; the property names the jar.
 */
@EnabledIfSystemProperty(named = "taskdaemon.server.jar", matches = ".+")
class ServerJarTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LISTENING = Pattern.compile("serving the HTTP API on http://127\\.0\\.0\\.1:(\\d+)");
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  @TempDir Path dir;

  private Path logFile;

  /** Starts the jar; its output goes to a file (a pipe's reader can lose the tail when the process ends). */
  private Process start(Map<String, String> env) throws IOException {
    Path jar = Path.of(System.getProperty("taskdaemon.server.jar"));
    assertThat(jar).exists();
    logFile = Files.createTempFile(dir, "server", ".log");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar.toString()).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(logFile.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("DAEMON_") || k.equals("HANDLER_CONFIG"));
    pb.environment().putAll(env);
    return pb.start();
  }

  private String log() throws IOException {
    return Files.readString(logFile, StandardCharsets.UTF_8);
  }

  /** The port from the log line that says the server listens; polls the log with a deadline. */
  private int port(Process p) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      Matcher m = LISTENING.matcher(log());
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      assertThat(p.isAlive()).as("the server ended without listening: %s", log()).isTrue();
      assertThat(System.nanoTime()).as("not listening after 60 s: %s", log()).isLessThan(deadline);
      Thread.sleep(20); // the interval between two looks at the log
    }
  }

  @Test
  void sigterm_drainsTheRunningTask_andExitsZero() throws Exception {
    Path mark = dir.resolve("finished.txt");
    // A handler in plain sh: 2 s of work, then a line in the mark file, then the answer.
    Files.writeString(dir.resolve("handlers.toml"), String.join("\n",
        "[handlers.work]",
        "command = [\"sh\", \"-c\", '''while IFS= read -r line; do sleep 2; echo finished >> \"$MARK\";"
            + " printf '{\"status\":\"success\",\"result\":{\"ok\":true}}\\n'; done''']",
        "instances = 1",
        "env = { MARK = " + JSON.writeValueAsString(mark.toString()) + " }",
        ""));
    Process p = start(Map.of("HANDLER_CONFIG", "handlers.toml", "DAEMON_PORT", "0", "DAEMON_TASK_TIMEOUT", "20",
        "DAEMON_SOMETHING_ELSE", "1", "DAEMON_API_TOKEN", "tok-123", "DAEMON_WORKERS", "3"));
    try {
      int port = port(p);
      String at = "http://127.0.0.1:" + port;
      HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(at + "/queue"))
          .header("Authorization", "Bearer tok-123")
          .POST(HttpRequest.BodyPublishers.ofString("{\"type\": \"work\", \"data\": {}}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      String id = JSON.readTree(r.body()).get("task_id").asText();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        JsonNode t = JSON.readTree(CLIENT.send(HttpRequest.newBuilder(URI.create(at + "/api/tasks/" + id))
            .header("Authorization", "Bearer tok-123").build(), HttpResponse.BodyHandlers.ofString()).body());
        if ("processing".equals(t.get("status").asText())) {
          break;
        }
        assertThat(System.nanoTime()).as("task never started: %s", t).isLessThan(deadline);
        Thread.sleep(20); // a client's polling interval
      }
      assertThat(mark).doesNotExist();
      p.destroy(); // SIGTERM
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(log()).isTrue();
      assertThat(p.exitValue()).as(log()).isEqualTo(0);
      assertThat(Files.readAllLines(mark)).containsExactly("finished");
      assertThat(log()).contains("environment: DAEMON_SOMETHING_ELSE not used by TaskDaemon; accepted and ignored")
          .contains("DAEMON_API_TOKEN=****").doesNotContain("tok-123")
          .contains("task_timeout=20s").contains("max_in_flight=3").contains("drain_timeout=6s").contains("stop_grace=2s")
          .contains("received SIGTERM: stopping").contains("HTTP API stopped")
          .doesNotContain("Exception");
    } finally {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /**
   * With {@code DAEMON_QUEUE_TYPE=hybrid} (the SQLite store) nothing accepted is lost across a stop: the
   * SIGTERM comes while most tasks still wait (one instance, 1 s each, more than the 6 s drain can
   * run); the next start on the same file runs them, and every task the first run answered with an id
   * completes.
   */
  @Test
  void sqlite_tasksAcceptedBeforeSigterm_completeAfterARestart() throws Exception {
    Files.writeString(dir.resolve("handlers.toml"), String.join("\n",
        "[handlers.work]",
        "command = [\"sh\", \"-c\", '''while IFS= read -r line; do sleep 1;"
            + " printf '{\"status\":\"success\",\"result\":{\"ok\":true}}\\n'; done''']",
        "instances = 1",
        ""));
    Map<String, String> env = Map.of("HANDLER_CONFIG", "handlers.toml", "DAEMON_PORT", "0",
        "DAEMON_QUEUE_TYPE", "hybrid", "DAEMON_DB_PATH", "data/tasks.db");
    List<String> ids = new ArrayList<>();
    Process first = start(env);
    try {
      String at = "http://127.0.0.1:" + port(first);
      for (int i = 0; i < 12; i++) {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(at + "/queue"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"type\": \"work\", \"data\": " + i + "}")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        ids.add(JSON.readTree(r.body()).get("task_id").asText());
      }
      first.destroy(); // SIGTERM
      assertThat(first.waitFor(30, TimeUnit.SECONDS)).as(log()).isTrue();
      assertThat(first.exitValue()).as(log()).isEqualTo(0);
      assertThat(log()).contains("store sqlite");
    } finally {
      first.destroyForcibly();
      first.waitFor(30, TimeUnit.SECONDS);
    }
    assertThat(dir.resolve("data/tasks.db")).exists();

    Process second = start(env);
    try {
      String at = "http://127.0.0.1:" + port(second);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      int carried = 0;
      for (String id : ids) {
        while (true) {
          HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(at + "/api/tasks/" + id)).build(),
              HttpResponse.BodyHandlers.ofString());
          assertThat(r.statusCode()).as("task %s after the restart: %s", id, r.body()).isEqualTo(200);
          JsonNode t = JSON.readTree(r.body());
          if ("completed".equals(t.get("status").asText())) {
            assertThat(t.get("result")).isEqualTo(JSON.readTree("{\"ok\": true}"));
            break;
          }
          assertThat(t.get("status").asText()).as(id).isIn("pending", "processing");
          carried++;
          assertThat(System.nanoTime()).as("task %s still %s: %s", id, t, log()).isLessThan(deadline);
          Thread.sleep(50); // a client's polling interval
        }
      }
      // 12 s of work against a 6 s drain: the second run had tasks of the first to finish.
      assertThat(carried).as("looks at tasks still unfinished after the restart").isPositive();
      second.destroy();
      assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(second.exitValue()).as(log()).isEqualTo(0);
    } finally {
      second.destroyForcibly();
      second.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void logLevelFromTheEnvironment_leavesOutInfoLines() throws Exception {
    Files.writeString(dir.resolve("handlers.toml"), "[handlers.a]\ncommand = [\"cat\"]\ninstances = 1\n");
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    Process p = start(Map.of("DAEMON_PORT", String.valueOf(port), "DAEMON_LOG_LEVEL", "warning"));
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build();
      while (true) {
        assertThat(p.isAlive()).as(log()).isTrue();
        try {
          if (CLIENT.send(health, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
            break;
          }
        } catch (IOException notListeningYet) {
          // the server is still starting
        }
        assertThat(System.nanoTime()).as(log()).isLessThan(deadline);
        Thread.sleep(50); // a health checker's polling interval
      }
      p.destroy();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(log()).isTrue();
      assertThat(p.exitValue()).as(log()).isEqualTo(0);
      assertThat(log()).doesNotContain(" INFO ");
    } finally {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void malformedVariables_stopTheServerAtStart_namingThem() throws Exception {
    Files.writeString(dir.resolve("handlers.toml"), "[handlers.a]\ncommand = [\"cat\"]\n");
    for (Map.Entry<String, String> bad : List.of(Map.entry("DAEMON_PORT", "eighty"),
        Map.entry("DAEMON_MAX_RETRIES", "lots"))) {
      Process p = start(Map.of(bad.getKey(), bad.getValue()));
      try {
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(log()).isEqualTo(2);
        assertThat(log()).contains("environment " + bad.getKey() + " = \"" + bad.getValue()
            + "\": expected ");
      } finally {
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aMissingHandlersFile_stopsTheServer_namingThePath() throws Exception {
    Process p = start(Map.of("HANDLER_CONFIG", "nowhere/handlers.toml"));
    try {
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(log()).isEqualTo(2);
      assertThat(log()).contains("nowhere/handlers.toml: no such file");
    } finally {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }
}

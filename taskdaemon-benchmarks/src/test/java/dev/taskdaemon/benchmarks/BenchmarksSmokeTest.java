package dev.taskdaemon.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskdaemon.TaskDaemon;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark still runs end to end: the smoke mode (every measurement, tiny windows) against
 * real handler processes, a real child JVM, JMH and, where one answers, a real Docker engine. Speed
 * is not asserted here; that every row is present and measured is.
 */
class BenchmarksSmokeTest {
  private static final List<String> TARGETS = List.of("target_throughput", "target_latency", "target_p99",
      "target_matrix_min",
      "target_payload_10kb_encoded", "target_payload_1mb_encoded", "target_payload_1mb_encoded_read",
      "target_payload_10mb_encoded", "target_payload_10mb_encoded_read", "target_memory",
      "target_docker_runtime", "target_warm_pool", "target_docker_api", "target_docker_api_vs_cli",
      "target_docker_memory_api", "target_docker_start");
  /** Rows that need the docker runtime on the class path, not only an engine. */
  private static final List<String> RUNTIME_ROWS = List.of("docker_runtime", "target_docker_runtime",
      "docker_runtime_api", "target_docker_api", "docker_api_vs_cli", "target_docker_api_vs_cli",
      "docker_memory_cli_2", "docker_memory_api_2", "target_docker_memory_api", "docker_start",
      "target_docker_start");

  @TempDir
  Path tmp;

  @Test
  void smokeRun_printsEveryRowAndWritesTheSameFiguresAsJson() throws Exception {
    Path json = tmp.resolve("results.json");
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int code;
    try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      code = Benchmarks.run(out, "--smoke", "--json", json.toString(), "--work", tmp.resolve("work").toString());
    }
    String printed = buf.toString(StandardCharsets.UTF_8);
    JsonNode root = new ObjectMapper().readTree(json.toFile());

    Map<String, JsonNode> rows = new LinkedHashMap<>();
    root.get("rows").forEach(r -> rows.put(r.get("id").asText(), r));
    assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(expectedIds());
    assertThat(root.get("info").get("mode").asText()).isEqualTo("smoke");
    boolean gcc = commandWorks("gcc", "--version");
    assertThat(root.get("info").get("handler").asText()).startsWith(gcc ? "c-static " : "java ");

    boolean docker = gcc && commandWorks("docker", "version", "--format", "{{.Server.Version}}");
    boolean dockerRuntime = TaskDaemon.builder().runtimes().containsKey("docker");
    if ("1".equals(System.getenv("TASKDAEMON_REQUIRE_DOCKER"))) {
      assertThat(docker).as("TASKDAEMON_REQUIRE_DOCKER=1 but no Docker engine answers, or no gcc builds the"
          + " static handler for the image").isTrue();
    }
    for (JsonNode r : rows.values()) {
      String id = r.get("id").asText();
      boolean dockerRow = id.startsWith("docker_") || id.startsWith("target_docker_") || id.equals("target_warm_pool");
      boolean runtimeRow = RUNTIME_ROWS.contains(id);
      boolean expectMeasured = !dockerRow || (docker && (!runtimeRow || dockerRuntime));
      if (!expectMeasured) {
        assertThat(r.get("measured").asText()).as(id).isEqualTo("not measured");
        assertThat(r.get("note").asText()).as(id)
            .contains(!gcc ? "needs the static C handler for a FROM-scratch image"
                : docker ? "the docker runtime (dev.taskdaemon:taskdaemon-docker) is not on the class path"
                : "no Docker engine answers");
        continue;
      }
      assertThat(r.get("measured").asText()).as(id + " " + r).isNotEqualTo("not measured");
      assertThat(r.get("figures").size()).as(id).isPositive();
      if (id.startsWith("store_enqueue_") || id.equals("store_recovery")) {
        // A latency and a time, not a ratio: their figures are checked above.
        assertThat(r.get("measured").asText()).as(id).matches(".*[0-9].*");
      } else if (!id.startsWith("memory_") && !id.contains("docker_memory_")) {
        assertRatio(r);
      } else if (!id.startsWith("memory_")) {
        // MB per instance: a difference of two RSS samples, which noise can push below zero in tiny pools
        assertThat(Double.isFinite(r.get("ratio").asDouble())).as(id).isTrue();
      }
      // Every figure the table shows is in the JSON too.
      assertThat(printed).contains("| " + id + " ").contains(r.get("measured").asText());
    }
    for (String t : TARGETS) {
      JsonNode r = rows.get(t);
      assertThat(r.get("target").asText()).as(t).matches("[≥≤] [0-9.]+");
      if (!r.get("ratio").isNull()) {
        assertThat(r.get("target_met").isBoolean()).as(t).isTrue();
        assertThat(printed).containsPattern("\\| " + t + " .*\\| (met|MISSED) +\\|");
      }
    }
    assertThat(rows.get("target_memory").get("figures").get("instances_alive").asInt()).isEqualTo(50);
    assertThat(printed).contains("== Targets (issues 7, 14, 15)");
    assertThat(code).isEqualTo(docker && dockerRuntime ? 0 : 2);
  }

  @Test
  void javaFallbackHandler_servesTheEngineAndTheRawPipeAlike() throws Exception {
    Path json = tmp.resolve("java.json");
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int code;
    try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      code = Benchmarks.run(out, "--smoke", "--handler", "java", "--only", "pipe,payload", "--instances", "1,4",
          "--submitters", "1", "--json", json.toString(), "--work", tmp.resolve("work").toString());
    }
    JsonNode root = new ObjectMapper().readTree(json.toFile());
    assertThat(root.get("info").get("handler").asText()).startsWith("java [");
    List<String> ids = new ArrayList<>();
    for (JsonNode r : root.get("rows")) {
      ids.add(r.get("id").asText());
      assertThat(r.get("measured").asText()).as(r.get("id").asText()).isNotEqualTo("not measured");
      assertRatio(r);
    }
    assertThat(ids).containsExactly("pipe_i1_s1", "pipe_i4_s1", "pipe_i4_s1_callback", "target_throughput",
        "target_latency", "target_p99", "target_matrix_min",
        "payload_100b", "payload_100b_encoded", "payload_10kb", "payload_10kb_encoded", "payload_1mb",
        "payload_1mb_encoded", "payload_1mb_read", "payload_1mb_encoded_read", "payload_10mb",
        "payload_10mb_encoded", "payload_10mb_read", "payload_10mb_encoded_read",
        "target_payload_10kb_encoded", "target_payload_1mb_encoded", "target_payload_1mb_encoded_read",
        "target_payload_10mb_encoded", "target_payload_10mb_encoded_read");
    assertThat(code).isZero();
  }

  /**
   * A measured row's ratio: positive, except latency added, (engine p50 - raw p50) / raw p50, which
   * falls below zero when noise makes the engine's median the lower one, as tiny smoke windows allow.
   */
  private static void assertRatio(JsonNode r) {
    String id = r.get("id").asText();
    if (id.equals("target_latency")) {
      assertThat(r.get("ratio").isNumber()).as(id).isTrue();
      assertThat(Double.isFinite(r.get("ratio").asDouble())).as(id).isTrue();
    } else {
      assertThat(r.get("ratio").asDouble()).as(id).isPositive();
    }
  }

  private static List<String> expectedIds() {
    List<String> ids = new ArrayList<>();
    for (int n : new int[] {1, 4, 16}) {
      for (int c : new int[] {1, 4, 16, 64}) {
        ids.add("pipe_i" + n + "_s" + c);
        if (n == 4) {
          ids.add("pipe_i" + n + "_s" + c + "_callback");
        }
        if (n > 1 && c >= 4 * n) {
          ids.add("pipe_i" + n + "_s" + c + "_fifo");
        }
      }
    }
    for (String s : List.of("100b", "10kb", "1mb", "10mb")) {
      ids.add("payload_" + s);
      ids.add("payload_" + s + "_encoded");
    }
    ids.addAll(List.of("payload_1mb_read", "payload_1mb_encoded_read", "payload_10mb_read",
        "payload_10mb_encoded_read"));
    ids.addAll(List.of("warm_10", "warm_100", "memory_10", "memory_50", "docker_raw", "docker_runtime",
        "docker_per_task", "docker_raw_api", "docker_runtime_api", "docker_api_vs_cli", "docker_memory_cli_2",
        "docker_memory_api_2", "docker_start"));
    for (String s : List.of("100b", "10kb", "1mb")) {
      ids.add("codec_encode_" + s);
      ids.add("codec_decode_" + s);
    }
    ids.addAll(List.of("store_sqlite_s16", "store_sqlite_full_s16", "store_sqlite_s64", "store_sqlite_full_s64",
        "store_postgres_s16", "store_postgres_s64", "store_postgres_2hosts_s64", "store_enqueue_s1", "store_enqueue_s16",
        "store_recovery", "store_heap"));
    ids.addAll(List.of("server_http_queue", "server_http_p99", "server_http_path"));
    ids.addAll(TARGETS);
    return ids;
  }

  private static boolean commandWorks(String... command) throws InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException notInstalled) {
      return false;
    }
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return false;
    }
    return p.exitValue() == 0;
  }
}

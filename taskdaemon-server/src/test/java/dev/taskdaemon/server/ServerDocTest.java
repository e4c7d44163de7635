package dev.taskdaemon.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.TaskDaemon;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/server.md against the code: the environment table names every variable of the original,
 * each variable that sets a key sets the key the table names (checked by applying it), the defaults
 * are the code's; the run command starts the jar this module builds.
 */
class ServerDocTest {
  private static final Path DOC = Path.of("..", "docs", "server.md");
  private static final Pattern CODE = Pattern.compile("`([^`]+)`");
  /** The original's variables, as the issue lists them. */
  private static final List<String> ORIGINAL = List.of("DAEMON_HOST", "DAEMON_PORT", "DAEMON_WORKERS",
      "DAEMON_BATCH_SIZE", "DAEMON_QUEUE_TYPE", "DAEMON_DB_PATH", "DAEMON_TASK_SELECTION", "DAEMON_TASK_TIMEOUT",
      "DAEMON_MAX_RETRIES", "DAEMON_LOG_LEVEL", "DAEMON_GRPC_PORT");

  /** The environment table is README's (the issue asks for it there); the rest is docs/server.md. */
  private static final Path README = Path.of("..", "README.md");

  private static List<String> section(String marker) throws IOException {
    Path doc = marker.equals("server-environment") ? README : DOC;
    List<String> lines = Files.readAllLines(doc, StandardCharsets.UTF_8);
    int at = lines.indexOf("<!-- readme-test: " + marker + " -->");
    assertThat(at).as("marker %s in %s", marker, doc).isNotNegative();
    List<String> out = new ArrayList<>();
    for (int i = at + 1; i < lines.size() && !lines.get(i).isBlank(); i++) {
      out.add(lines.get(i));
    }
    return out;
  }

  private static Map<String, String[]> environmentTable() throws IOException {
    Map<String, String[]> rows = new LinkedHashMap<>();
    for (String line : section("server-environment")) {
      String[] cells = line.substring(1, line.length() - 1).split("\\|");
      Matcher v = CODE.matcher(cells[0]);
      if (v.find() && v.group(1).matches("[A-Z_]+")) {
        rows.put(v.group(1), new String[] {cells[1].trim(), cells[2].trim()});
      }
    }
    return rows;
  }

  @Test
  void environmentTable_namesEveryOriginalVariable_andEachSetsTheKeyItNames() throws IOException {
    Map<String, String[]> rows = environmentTable();
    assertThat(rows.keySet()).containsAll(ORIGINAL);
    Map<String, String> samples = Map.of("DAEMON_TASK_TIMEOUT", "12", "DAEMON_MAX_RETRIES", "9",
        "DAEMON_TASK_SELECTION", "lifo", "DAEMON_QUEUE_TYPE", "sqlite", "DAEMON_DB_PATH", "/data/t.db",
        "DAEMON_BATCH_SIZE", "7", "DAEMON_WORKERS", "5");
    Map<String, Object> expected = Map.of("DAEMON_TASK_TIMEOUT", Duration.ofSeconds(12), "DAEMON_MAX_RETRIES", 9,
        "DAEMON_TASK_SELECTION", QueueOrder.LIFO, "DAEMON_QUEUE_TYPE", "sqlite", "DAEMON_DB_PATH", "/data/t.db",
        "DAEMON_BATCH_SIZE", 7, "DAEMON_WORKERS", 5);
    Map<String, Object> defaults = TaskDaemon.builder().daemonSettings();
    int mapped = 0;
    for (Map.Entry<String, String[]> row : rows.entrySet()) {
      Matcher k = CODE.matcher(row.getValue()[0]);
      String key = k.lookingAt() ? k.group(1) : null;
      if (key == null || !defaults.containsKey(key)) {
        // A server variable: the library leaves every key as it was.
        assertThat(TaskDaemon.builder().fromEnvironment(Map.of(row.getKey(), "1")).daemonSettings())
            .as(row.getKey()).isEqualTo(defaults);
        continue;
      }
      mapped++;
      Map<String, Object> applied = TaskDaemon.builder()
          .fromEnvironment(Map.of(row.getKey(), samples.get(row.getKey()))).daemonSettings();
      assertThat(applied.get(key)).as(row.getKey() + " sets " + key).isEqualTo(expected.get(row.getKey()));
    }
    assertThat(mapped).isEqualTo(samples.size());
    ServerSettings d = ServerSettings.defaults();
    assertThat(rows.get("DAEMON_HOST")[1]).startsWith("`" + d.host() + "`");
    assertThat(rows.get("DAEMON_PORT")[1]).isEqualTo("`" + d.port() + "`");
    assertThat(rows.get("DAEMON_MAX_BODY_BYTES")[1]).startsWith("`" + d.maxBodyBytes() + "`");
    assertThat(rows.get("DAEMON_TASK_TIMEOUT")[1])
        .isEqualTo("`" + ((Duration) defaults.get("task_timeout")).toSeconds() + "`");
    assertThat(rows.get("DAEMON_MAX_RETRIES")[1]).isEqualTo("`" + defaults.get("max_retries") + "`");
    assertThat(rows.get("DAEMON_BATCH_SIZE")[1]).isEqualTo("`" + defaults.get("claim_batch") + "`");
    assertThat(rows.get("DAEMON_WORKERS")[1]).isEqualTo("`" + defaults.get("max_in_flight") + "`");
  }

  @Test
  void runCommand_startsTheJarThisModuleBuilds_withAHandlersFileThatExists() throws IOException {
    List<String> block = section("server-run");
    assertThat(block.get(0)).isEqualTo("```bash");
    String run = block.get(2);
    assertThat(run).endsWith(" java -jar taskdaemon-server/target/taskdaemon-server.jar");
    Matcher m = Pattern.compile("HANDLER_CONFIG=(\\S+)").matcher(run);
    assertThat(m.find()).isTrue();
    assertThat(Path.of("..").resolve(m.group(1))).exists();
    // The quick start's Java handlers run with a class path that the examples build writes.
    assertThat(Files.readString(Path.of("..").resolve(m.group(1)))).contains("@target/handler-classpath.args");
    assertThat(block.get(1)).startsWith("mvn -B -q -pl taskdaemon-server,examples -am package");
    assertThat(Files.readString(Path.of("pom.xml"))).contains("<finalName>taskdaemon-server</finalName>");
  }
}

package dev.taskdaemon.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.internal.config.EnvSource;
import dev.taskdaemon.internal.config.Keys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/server.md against the code: the environment table names every variable the library and the
 * server read, each mapped to the key the code maps it to, with the server's own defaults; the run
 * command starts the jar this module builds.
 */
class ServerDocTest {
  private static final Path DOC = Path.of("..", "docs", "server.md");
  private static final Pattern CODE = Pattern.compile("`([^`]+)`");

  private static List<String> section(String marker) throws IOException {
    List<String> lines = Files.readAllLines(DOC, StandardCharsets.UTF_8);
    int at = lines.indexOf("<!-- readme-test: " + marker + " -->");
    assertThat(at).as("marker %s in %s", marker, DOC).isNotNegative();
    List<String> out = new ArrayList<>();
    for (int i = at + 1; i < lines.size() && !lines.get(i).isBlank(); i++) {
      out.add(lines.get(i));
    }
    return out;
  }

  @Test
  void environmentTable_mapsEachVariableToTheKeyTheCodeSets() throws IOException {
    Map<String, String[]> rows = new LinkedHashMap<>();
    for (String line : section("server-environment")) {
      String[] cells = line.substring(1, line.length() - 1).split("\\|");
      Matcher v = CODE.matcher(cells[0]);
      if (v.find() && v.group(1).matches("[A-Z_]+")) {
        rows.put(v.group(1), new String[] {cells[1].trim(), cells[2].trim()});
      }
    }
    Set<String> known = new LinkedHashSet<>(EnvSource.SERVER);
    known.add(EnvSource.QUEUE_TYPE);
    known.add("HANDLER_CONFIG");
    for (String key : Keys.DAEMON_KEYS) {
      String variable = EnvSource.variableOf(key);
      if (variable != null) {
        known.add(variable);
        String cell = rows.get(variable)[0];
        assertThat(cell).as(variable).startsWith("`" + key + "`");
      }
    }
    assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(known);
    ServerSettings d = ServerSettings.defaults();
    assertThat(rows.get("DAEMON_HOST")[1]).startsWith("`" + d.host() + "`");
    assertThat(rows.get("DAEMON_PORT")[1]).isEqualTo("`" + d.port() + "`");
    assertThat(rows.get("DAEMON_MAX_BODY_BYTES")[1]).startsWith("`" + d.maxBodyBytes() + "`");
    assertThat(rows.get("DAEMON_TASK_TIMEOUT")[1]).isEqualTo("`" + Keys.TASK_TIMEOUT.defaultValue().toSeconds() + "`");
    assertThat(rows.get("DAEMON_MAX_RETRIES")[1]).isEqualTo("`" + Keys.MAX_RETRIES.defaultValue() + "`");
    assertThat(rows.get("DAEMON_BATCH_SIZE")[1]).isEqualTo("`" + Keys.CLAIM_BATCH.defaultValue() + "`");
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
    assertThat(Files.readString(Path.of("pom.xml"))).contains("<finalName>taskdaemon-server</finalName>");
  }
}

package dev.taskdaemon.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskdaemon.ConfigException;
import dev.taskdaemon.ConfigKeys;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.spi.HandlerRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The {@code handlers.toml} reference (docs/configuration.md) against the loader: every key it lists
 * is parsed, and every parsed key is listed, for the core keys, the {@code [daemon]} table and each runtime found
 * on the class path the way {@code start()} finds them. Also: every TOML sample of README.md and
 * docs/ is valid, and the sample error message is the one the loader gives.
 */
class ReadmeConfigKeysTest {
  private static final String RUNTIME_TABLE = "keys runtime ";

  private final Readme readme = Readme.load();

  @Test
  void handlerTable_listsExactlyTheKeysOfEveryRuntime() {
    assertThat(keys("keys handlers")).containsExactlyInAnyOrderElementsOf(ConfigKeys.handler());
  }

  @Test
  void daemonTable_listsExactlyTheDaemonKeys() {
    assertThat(keys("keys daemon")).containsExactlyInAnyOrderElementsOf(ConfigKeys.daemon());
  }

  @Test
  void eachRuntimeWithKeysOfItsOwn_hasATableOfExactlyThoseKeys() {
    Map<String, HandlerRuntime> runtimes = TaskDaemon.builder().runtimes();
    // The examples depend on taskdaemon-docker, so its runtime must be among them.
    assertThat(runtimes).containsKeys("process", "docker");
    List<String> documented = readme.markers().stream().filter(m -> m.startsWith(RUNTIME_TABLE))
        .map(m -> m.substring(RUNTIME_TABLE.length())).collect(Collectors.toList());
    for (HandlerRuntime rt : runtimes.values()) {
      if (rt.optionKeys().isEmpty()) {
        assertThat(documented).as("runtime %s has no keys of its own, so no table", rt.name())
            .doesNotContain(rt.name());
      } else {
        assertThat(documented).as("a README table of the %s runtime's keys", rt.name()).contains(rt.name());
        assertThat(keys(RUNTIME_TABLE + rt.name())).as("keys of the %s runtime", rt.name())
            .containsExactlyInAnyOrderElementsOf(rt.optionKeys());
      }
    }
    assertThat(runtimes.keySet()).as("runtimes the README has tables for").containsAll(documented);
  }

  @Test
  void everyRow_givesTypeDefaultAndMeaning() {
    for (String table : readme.markers()) {
      if (!table.startsWith("keys ")) {
        continue;
      }
      for (List<String> row : readme.table(table)) {
        assertThat(row).as("row of table '%s'", table).hasSize(4).allSatisfy(cell -> assertThat(cell).isNotBlank());
      }
    }
  }

  @Test
  void tomlSamples_areValidConfiguration() {
    List<String> samples = readme.markers().stream()
        .filter(m -> m.startsWith("config-") && !m.startsWith("config-error")).collect(Collectors.toList());
    for (String sample : samples) {
      Readme.CodeBlock block = readme.codeBlock(sample);
      assertThat(block.language).isEqualTo("toml");
      List<String> problems = new ArrayList<>();
      try {
        TaskDaemon.builder().fromTomlString(block.text, block.where(), Repo.root()).validate();
      } catch (ConfigException e) {
        problems.addAll(e.problems());
      }
      assertThat(problems).as("problems of the TOML sample '%s'", sample).isEmpty();
    }
  }

  @Test
  void everyTomlBlock_isCheckedByThisTest() {
    long tomlBlocks = readme.documents().values().stream().flatMap(String::lines)
        .filter(l -> l.trim().equals("```toml")).count();
    long marked = readme.markers().stream().filter(m -> m.startsWith("config-") && !m.equals("config-error-message"))
        .count();
    assertThat(marked).as("```toml blocks with a readme-test marker").isEqualTo(tomlBlocks);
  }

  @Test
  void sampleConfigError_givesTheMessageTheReadmeShows() {
    String toml = readme.codeBlock("config-error-toml").text;
    String message = readme.codeBlock("config-error-message").text.stripTrailing();
    assertThatThrownBy(() -> TaskDaemon.builder().fromTomlString(toml, "handlers.toml").start())
        .isInstanceOf(ConfigException.class)
        .hasMessage(message);
  }

  private List<String> keys(String marker) {
    List<String> keys = new ArrayList<>();
    for (List<String> row : readme.table(marker)) {
      String cell = row.get(0);
      assertThat(cell).as("first cell of a row of '%s' is a `key`", marker).matches("`[a-z_]+`");
      keys.add(cell.substring(1, cell.length() - 1));
    }
    assertThat(new TreeSet<>(keys)).as("keys of '%s' listed once each", marker).hasSameSizeAs(keys);
    return keys;
  }
}

package dev.taskdaemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessRuntimeTest {
  @TempDir Path dir;

  @Test
  void commandRunsWithItsEnvironmentAndWorkingDirectory() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(TestHandlers.handler("envy").instances(1).env("GREETING", "hello world").workdir(dir).build())
        .start()) {
      Result r = daemon.submit("envy", Map.of("op", "env", "name", "GREETING")).get(30, TimeUnit.SECONDS);
      assertThat(r.json().get("value").asText()).isEqualTo("hello world");
      assertThat(Path.of(r.json().get("cwd").asText()).toRealPath()).isEqualTo(dir.toRealPath());
      assertThat(r.json().get("instance").asText()).isEqualTo("envy-0");
    }
  }

  @Test
  void tomlCommandsRunInTheFilesDirectory_andEnvComesFromTheTable() throws Exception {
    Path sub = Files.createDirectories(dir.resolve("conf"));
    Path toml = sub.resolve("handlers.toml");
    Files.writeString(toml, "[handlers.envy]\ninstances = 1\ncommand = " + ConfigTest.tomlArray(TestHandlers.command())
        + "\nenv = { GREETING = \"from toml\" }\n");
    try (TaskDaemon daemon = TaskDaemon.builder().fromToml(toml).start()) {
      Result r = daemon.submit("envy", Map.of("op", "env", "name", "GREETING")).get(30, TimeUnit.SECONDS);
      assertThat(r.json().get("value").asText()).isEqualTo("from toml");
      assertThat(Path.of(r.json().get("cwd").asText()).toRealPath()).isEqualTo(sub.toRealPath());
    }
  }

  @Test
  void missingProgram_failsStartFast_namingTheCommand() {
    Path missing = dir.resolve("no-such-handler");
    assertThatThrownBy(() -> TaskDaemon.builder()
        .handler(HandlerSpec.builder("ghost").command(missing.toString(), "--serve").instances(2).workdir(dir).build())
        .start())
        .isInstanceOf(HandlerStartException.class)
        .hasMessageStartingWith("handler 'ghost' (runtime \"process\") could not start its instances: cannot run"
            + " command [" + missing + ", --serve] in " + dir + ": Cannot run program \"" + missing + "\"")
        .satisfies(e -> assertThat(((HandlerStartException) e).handler()).isEqualTo("ghost"));
  }

  @Test
  void memoryLimitOnTheProcessRuntime_isAConfigurationError() {
    assertThatThrownBy(() -> TaskDaemon.builder()
        .handler(TestHandlers.handler("m").memoryLimit("64m").build())
        .start())
        .isInstanceOf(ConfigException.class)
        .hasMessage("invalid configuration (1 problem):\n  - handlers.m.memory_limit: the process runtime cannot"
            + " enforce a memory limit; remove it, or run the handler on the docker runtime");
  }
}

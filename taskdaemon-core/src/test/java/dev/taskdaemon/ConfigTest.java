package dev.taskdaemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {
  @TempDir Path dir;

  private Path write(String name, String toml) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, toml);
    return p;
  }

  private List<String> problems(Path file) {
    try {
      TaskDaemon.builder().fromToml(file).start().close();
    } catch (ConfigException e) {
      assertThat(e.getMessage()).startsWith("invalid configuration (" + e.problems().size() + " problem");
      return e.problems();
    }
    throw new AssertionError("start() accepted " + file);
  }

  @Test
  void everyProblemOfAFileIsReportedAtOnce_withPositionKeyValueAndExpectation() throws IOException {
    Path f = write("handlers.toml", String.join("\n",
        "[daemon]",
        "task_timeout = 10",
        "max_retires = 2",
        "",
        "[handlers.resize]",
        "image = \"img\"",
        "instnaces = 4",
        "instances = 0",
        "timeout = \"fast\"",
        "handler_selection = \"fastest\"",
        "env = { GOOD = \"x\", \"-bad\" = \"y\" }",
        "memory_limit = \"lots\"",
        "",
        "[handlers.echo]",
        "runtime = \"process\"",
        "cpus = \"1\"",
        "",
        "[handlers.thing]",
        ""));
    String p = f.toString();
    assertThat(problems(f)).containsExactly(
        p + ":3:1: daemon.max_retires: unknown key; did you mean 'max_retries'?",
        p + ":6:1: handlers.resize.image: a handler with an image runs on the docker runtime, which is not on the"
            + " class path; add the dev.taskdaemon:taskdaemon-docker dependency (or set runtime = \"process\" and a"
            + " command)",
        p + ":7:1: handlers.resize.instnaces: unknown key; did you mean 'instances'?",
        p + ":8:1: handlers.resize.instances = 0: expected an integer from 1 to 100000",
        p + ":9:1: handlers.resize.timeout = \"fast\": expected a positive number of seconds",
        p + ":10:1: handlers.resize.handler_selection = \"fastest\": expected \"round-robin\", \"first-available\""
            + " or \"random\"",
        p + ":11:1: handlers.resize.env.\"-bad\": not a valid environment variable name; use letters, digits and"
            + " '_', not starting with a digit",
        p + ":12:1: handlers.resize.memory_limit = \"lots\": expected a size such as \"512m\" or \"2g\" (a number"
            + " with an optional b, k, m or g suffix)",
        p + ":14:1: handlers.echo.command: missing: the process runtime needs a command; add command ="
            + " [\"program\", \"arg\", ...]",
        p + ":16:1: handlers.echo.cpus: unknown key; did you mean 'env'?",
        p + ":18:1: handlers.thing: nothing to run; add image = \"...\" (docker runtime) or command ="
            + " [\"program\", \"arg\"] (process runtime)");
  }

  @Test
  void daemonTableValuesAreChecked() throws IOException {
    Path f = write("d.toml", String.join("\n",
        "[daemon]",
        "task_timeout = 0",
        "max_retries = -1",
        "task_selection = \"newest\"",
        "queue_capacity = 0",
        "retry_backoff = -1",
        "retry_jitter = 2",
        "retry_backoff_multiplier = 0.5",
        "drain_timeout = \"long\"",
        "max_line_bytes = 10",
        "name = \"-x\"",
        "",
        "[handlers.a]",
        "command = [\"true\"]",
        ""));
    String p = f.toString();
    assertThat(problems(f)).containsExactly(
        p + ":2:1: daemon.task_timeout = 0: expected a positive number of seconds",
        p + ":3:1: daemon.max_retries = -1: expected an integer from 0 to 1000",
        p + ":4:1: daemon.task_selection = \"newest\": expected \"fifo\", \"lifo\" or \"priority\"",
        p + ":5:1: daemon.queue_capacity = 0: expected a positive integer",
        p + ":6:1: daemon.retry_backoff = -1: expected a number of seconds, 0 or more",
        p + ":7:1: daemon.retry_jitter = 2: expected a fraction from 0 to 1",
        p + ":8:1: daemon.retry_backoff_multiplier = 0.5: expected a number of at least 1",
        p + ":9:1: daemon.drain_timeout = \"long\": expected a number of seconds, 0 or more",
        p + ":10:1: daemon.max_line_bytes = 10: expected an integer of at least 1024",
        p + ":11:1: daemon.name = \"-x\": expected letters, digits, '_', '.' or '-', starting with a letter or"
            + " digit, at most 63 characters");
  }

  @Test
  void handlerValueTypesAreChecked() throws IOException {
    Path f = write("h.toml", String.join("\n",
        "[handlers.a]",
        "command = \"python3 handler.py\"",
        "max_retries = 1.5",
        "queue_capacity = \"big\"",
        "task_selection = 3",
        "retry_on_timeout = \"yes\"",
        "retry_on_crash = 1",
        "stop_grace = -2",
        "env = [\"A=1\"]",
        "workdir = 5",
        "runtime = \"podman\"",
        "retry_backoff_max = 0.001",
        "",
        "[handlers.b]",
        "command = [\"true\", 5]",
        "image = \"-it\"",
        "",
        "[handlers.\"bad name!\"]",
        "command = [\"true\"]",
        "",
        "[handlers]",
        "c = 5",
        ""));
    String p = f.toString();
    assertThat(problems(f)).containsExactly(
        p + ":2:1: handlers.a.command = \"python3 handler.py\": expected an array of strings, program first, such as"
            + " [\"java\", \"handlers/Echo.java\"]",
        p + ":3:1: handlers.a.max_retries = 1.5: expected an integer from 0 to 1000",
        p + ":4:1: handlers.a.queue_capacity = \"big\": expected a positive integer",
        p + ":5:1: handlers.a.task_selection = 3: expected \"fifo\", \"lifo\" or \"priority\"",
        p + ":6:1: handlers.a.retry_on_timeout = \"yes\": expected true or false",
        p + ":7:1: handlers.a.retry_on_crash = 1: expected true or false",
        p + ":8:1: handlers.a.stop_grace = -2: expected a number of seconds, 0 or more",
        p + ":9:1: handlers.a.env = [\"A=1\"]: expected a table of names to strings, such as { LOG_LEVEL ="
            + " \"debug\" }",
        p + ":10:1: handlers.a.workdir = 5: expected a directory path",
        p + ":11:1: handlers.a.runtime = \"podman\": expected one of the available runtimes [process]",
        p + ":12:1: handlers.a.retry_backoff_max = 0.001: expected a number of seconds not less than"
            + " retry_backoff (0.1s)",
        p + ":15:1: handlers.b.command = [\"true\",5]: expected an array of strings, program first, such as"
            + " [\"java\", \"handlers/Echo.java\"]",
        p + ":16:1: handlers.b.image = \"-it\": expected an image reference; it must not start with '-'",
        p + ":18:1: handlers.bad name!: bad handler name: expected a handler name of letters, digits, '_', '.' or"
            + " '-', starting with a letter or digit, at most 63 characters",
        p + ":22:1: handlers.c = 5: expected a table [handlers.c] with image or command");
  }

  @Test
  void syntaxErrorsTopLevelKeysAndMissingFiles() throws IOException {
    Path bad = write("bad.toml", "a = [\n[handlers.x\n");
    assertThat(problems(bad)).containsExactly(
        bad + ":2:2: invalid TOML: Unexpected 'h', expected ], ', \", ''', \"\"\", a number, a boolean, a date/time,"
            + " an array, a table, or a newline");
    Path top = write("top.toml", "handler = 1\n[handlers.a]\ncommand = [\"true\"]\n");
    assertThat(problems(top)).containsExactly(top + ":1:1: handler: unknown key; did you mean 'handlers'? (handlers"
        + " go in [handlers.NAME] tables, daemon-wide settings in [daemon])");
    Path missing = dir.resolve("nope.toml");
    assertThat(problems(missing)).containsExactly(missing + ": no such file (the handlers.toml to load; check the"
        + " path, relative to " + Path.of("").toAbsolutePath() + ")");
    Path empty = write("empty.toml", "");
    assertThat(problems(empty)).containsExactly(
        "no handlers are defined: add a [handlers.NAME] table to handlers.toml or call handler(...)");
  }

  @Test
  void originalKeysKeepTheirDefaults_andNewKeysAreRead() throws Exception {
    Path f = write("ok.toml", String.join("\n",
        "[daemon]",
        "name = \"cfgtest\"",
        "task_timeout = 12",
        "max_retries = 1",
        "task_selection = \"lifo\"",
        "",
        "[handlers.defaults]",
        "command = " + tomlArray(TestHandlers.command()),
        "",
        "[handlers.tuned]",
        "runtime = \"process\"",
        "command = " + tomlArray(TestHandlers.command()),
        "instances = 3",
        "timeout = 20.5",
        "handler_selection = \"first-available\"",
        "env = { GREETING = \"hi\", PORT = 8080 }",
        "max_retries = 0",
        "queue_capacity = 7",
        "task_selection = \"priority\"",
        "retry_on_timeout = false",
        ""));
    TaskDaemon.Builder b = TaskDaemon.builder().fromToml(f);
    assertThat(b.handlers().keySet()).containsExactly("defaults", "tuned");
    HandlerSpec d = b.handlers().get("defaults");
    assertThat(d.instances()).isEqualTo(2);
    assertThat(d.timeout()).isNull(); // inherits task_timeout
    assertThat(d.selection()).isSameAs(HandlerSelection.ROUND_ROBIN);
    assertThat(d.runtime()).isEqualTo("process");
    assertThat(d.baseDir()).isEqualTo(dir.toAbsolutePath());
    HandlerSpec t = b.handlers().get("tuned");
    assertThat(t.instances()).isEqualTo(3);
    assertThat(t.timeout()).isEqualTo(Duration.ofMillis(20500));
    assertThat(t.selection()).isSameAs(HandlerSelection.FIRST_AVAILABLE);
    assertThat(t.env()).containsExactly(Map.entry("GREETING", "hi"), Map.entry("PORT", "8080"));
    assertThat(t.maxRetries()).isZero();
    assertThat(t.queueCapacity()).isEqualTo(7);
    assertThat(t.queueOrder()).isEqualTo(QueueOrder.PRIORITY);
    assertThat(t.retryOnTimeout()).isFalse();
    assertThat(t.retryOnCrash()).isTrue();
    try (TaskDaemon daemon = b.start()) {
      assertThat(daemon.name()).isEqualTo("cfgtest");
      assertThat(daemon.handlers()).containsExactly("defaults", "tuned");
      assertThat(daemon.stats("defaults").instancesAlive()).isEqualTo(2);
      assertThat(daemon.stats("tuned").instancesAlive()).isEqualTo(3);
      Result r = daemon.submit("tuned", Map.of("x", 1)).get(30, TimeUnit.SECONDS);
      assertThat(r.isSuccess()).as("result %s", r).isTrue();
    }
  }

  @Test
  void builderSettersRefuseBadValuesAtOnce() {
    assertThatThrownBy(() -> HandlerSpec.builder("a").instances(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("instances = 0: expected an integer from 1 to 100000");
    assertThatThrownBy(() -> HandlerSpec.builder("a").timeout(Duration.ZERO))
        .hasMessage("timeout = PT0S: expected a positive number of seconds");
    assertThatThrownBy(() -> HandlerSpec.builder("a").env("1X", "v"))
        .hasMessage("env = \"1X\": expected an environment variable name of letters, digits and '_', not starting"
            + " with a digit");
    assertThatThrownBy(() -> HandlerSpec.builder("-a"))
        .hasMessage("name = \"-a\": expected a handler name of letters, digits, '_', '.' or '-', starting with a"
            + " letter or digit, at most 63 characters");
    assertThatThrownBy(() -> TaskDaemon.builder().maxRetries(1001))
        .hasMessage("max_retries = 1001: expected an integer from 0 to 1000");
  }

  static String tomlArray(List<String> items) {
    StringBuilder sb = new StringBuilder("[");
    for (String s : items) {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      sb.append('"').append(s.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
    }
    return sb.append(']').toString();
  }
}

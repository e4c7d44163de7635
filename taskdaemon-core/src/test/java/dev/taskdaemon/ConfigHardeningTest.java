package dev.taskdaemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 items 12–14 and issue 16's "one problem, not a cascade": hostile and careless
 * configuration gets one clear {@link ConfigException} naming the place and the rule, never a crash
 * later or elsewhere.
 */
class ConfigHardeningTest {
  @TempDir Path dir;

  private static final String OK = "[handlers.a]\ncommand = [\"true\"]\n";

  private Path write(String name, String toml) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, toml);
    return p;
  }

  private static List<String> problems(TaskDaemon.Builder b) {
    try {
      b.validate();
    } catch (ConfigException e) {
      return e.problems();
    }
    throw new AssertionError("the configuration was accepted");
  }

  private static List<String> problems(String toml) {
    return problems(TaskDaemon.builder().fromTomlString(toml, "h.toml"));
  }

  // ---- item 12: limits the code can hold ----

  @Test
  void maxLineBytes_overWhatABufferCanHold_isRefusedWithTheRule() {
    assertThat(problems("[daemon]\nmax_line_bytes = 2147483647\n" + OK)).containsExactly(
        "h.toml:2:1: daemon.max_line_bytes = 2147483647: expected an integer from 1024 to 1073741824 (1 GiB)");
    assertThat(problems(OK + "max_line_bytes = 1073741825\n")).containsExactly(
        "h.toml:3:1: handlers.a.max_line_bytes = 1073741825: expected an integer from 1024 to 1073741824 (1 GiB)");
    assertThatThrownBy(() -> TaskDaemon.builder().maxLineBytes(Integer.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("max_line_bytes = 2147483647: expected an integer from 1024 to 1073741824 (1 GiB)");
    assertThat(TaskDaemon.builder().fromTomlString("[daemon]\nmax_line_bytes = 1073741824\n" + OK, "h.toml")
        .validate()).isNotNull();
  }

  @Test
  void integersPastWhatAnIntHolds_sayTheRule() {
    assertThat(problems("[daemon]\nqueue_capacity = 3000000000\n" + OK)).containsExactly(
        "h.toml:2:1: daemon.queue_capacity = 3000000000: expected an integer from 1 to 2147483647");
  }

  // ---- item 13: zero where the builder takes zero ----

  @Test
  void zeroDrainTimeoutAndStopGrace_areAcceptedInToml_asOnTheBuilder() throws Exception {
    Path f = write("zero.toml", "[daemon]\ndrain_timeout = 0\nstop_grace = 0\n\n[handlers.echo]\ncommand = "
        + ConfigTest.tomlArray(TestHandlers.command()) + "\nstop_grace = 0.0\ninstances = 1\n");
    TaskDaemon.Builder b = TaskDaemon.builder().fromToml(f);
    assertThat(b.handlers().get("echo").stopGrace()).isEqualTo(Duration.ZERO);
    try (TaskDaemon daemon = b.start()) {
      assertThat(daemon.submit("echo", Map.of("x", 1)).get(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
  }

  // ---- item 14 ----

  @Test
  void aFileThatIsNotUtf8_namesTheLineAndWhatToDo() throws IOException {
    Path f = dir.resolve("latin1.toml");
    Files.write(f, "[handlers.a]\ncommand = [\"true\"]\nenv = { NAME = \"Ren\u00e9\" }\n".getBytes(StandardCharsets.ISO_8859_1));
    assertThat(problems(TaskDaemon.builder().fromToml(f))).containsExactly(
        f + ":3:20: not valid UTF-8 (byte 0xE9 here); TOML files are UTF-8: save the file with UTF-8 encoding,"
            + " or replace the character with a \\u escape");
  }

  @Test
  void aUtf8ByteOrderMark_isAccepted() throws IOException {
    Path f = dir.resolve("bom.toml");
    Files.write(f, ("\uFEFF" + OK).getBytes(StandardCharsets.UTF_8));
    assertThat(TaskDaemon.builder().fromToml(f).validate().handlers()).containsOnlyKeys("a");
    assertThat(TaskDaemon.builder().fromTomlString("\uFEFF" + OK, "h.toml").validate().handlers()).containsOnlyKeys("a");
  }

  @Test
  void durationsOverTheHiddenMaximumOrUnderOneMillisecond_sayTheRule() {
    assertThat(problems("[daemon]\ntask_timeout = 40000000\n" + OK + "timeout = 1.5e-9\nstop_grace = 0.0001\n"))
        .containsExactly(
            "h.toml:2:1: daemon.task_timeout = 40000000: expected a number of seconds from 0.001 (1 ms) to 31536000"
                + " (365 days)",
            "h.toml:5:1: handlers.a.timeout = 1.5E-9: expected a number of seconds from 0.001 (1 ms) to 31536000"
                + " (365 days)",
            "h.toml:6:1: handlers.a.stop_grace = 1.0E-4: expected 0, or a number of seconds from 0.001 (1 ms) to"
                + " 31536000 (365 days)");
    assertThatThrownBy(() -> HandlerSpec.builder("a").timeout(Duration.ofNanos(2)))
        .hasMessage("timeout = PT0.000000002S: expected a number of seconds from 0.001 (1 ms) to 31536000 (365 days)");
    assertThat(problems("[daemon]\ntask_timeout = \"30s\"\n" + OK)).containsExactly(
        "h.toml:2:1: daemon.task_timeout = \"30s\": expected a positive number of seconds");
  }

  @Test
  void deeplyNestedArrays_areAConfigException_notAStackOverflow() {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    assertThat(problems(OK + "cpus = " + deep + "\n")).containsExactly(
        "h.toml:3:108: arrays or inline tables nested more than 100 deep; no setting needs that many levels:"
            + " flatten the value");
    String inline = "{a = ".repeat(5_000) + "1" + "}".repeat(5_000);
    assertThat(problems("[daemon]\nname = " + inline + "\n" + OK)).singleElement().asString()
        .startsWith("h.toml:2:");
  }

  @Test
  void nulInCommandOrEnv_isAConfigExceptionWithItsPosition() {
    assertThat(problems("[handlers.a]\ncommand = [\"ca\\u0000t\"]\n\n[handlers.b]\ncommand = [\"true\"]\n"
        + "env = { A = \"x\\u0000y\", B = \"fine\" }\n")).containsExactly(
        "h.toml:2:1: handlers.a.command = [\"ca\\u0000t\"]: expected an array of strings without NUL (\\u0000)"
            + " characters; a process argument cannot hold one",
        "h.toml:6:1: handlers.b.env.A = \"x\\u0000y\": expected a string without NUL (\\u0000) characters; an"
            + " environment variable cannot hold one");
    assertThat(problems("[handlers.a]\nimage = \"busybox\\u0000\"\nruntime = \"process\"\ncommand = [\"true\"]\n"))
        .containsExactly("h.toml:2:1: handlers.a.image = \"busybox\\u0000\": expected an image reference without NUL"
            + " (\\u0000) characters");
    assertThatThrownBy(() -> HandlerSpec.builder("a").command("ca\0t"))
        .hasMessage("command = [\"ca\\u0000t\"]: expected an array of strings without NUL (\\u0000) characters; a"
            + " process argument cannot hold one");
    assertThatThrownBy(() -> HandlerSpec.builder("a").env("A", "x\0y"))
        .hasMessage("env.A = \"x\\u0000y\": expected a string without NUL (\\u0000) characters; an environment"
            + " variable cannot hold one");
  }

  @Test
  void hugeValues_areQuotedShort() {
    String huge = "x".repeat(5000);
    assertThat(problems(OK + "instances = \"" + huge + "\"\n")).containsExactly(
        "h.toml:3:1: handlers.a.instances = \"" + "x".repeat(199) + "... (5002 characters): expected an integer"
            + " from 1 to 100000");
  }

  @Test
  void hugeKeys_areQuotedShortToo() {
    String key = "k".repeat(5000);
    assertThat(problems(OK + key + " = 1\n")).containsExactly(
        "h.toml:3:1: handlers.a." + "k".repeat(200) + "... (5000 characters): unknown key; did you mean 'workdir'?");
    assertThat(problems("[daemon]\n" + key + " = 1\n" + OK)).containsExactly(
        "h.toml:2:1: daemon." + "k".repeat(200) + "... (5000 characters): unknown key; did you mean 'task_selection'?");
  }

  @Test
  void aTenMegabyteStringValue_loadsAndKeepsItsText() {
    String big = "y".repeat(10_000_000);
    long t0 = System.nanoTime();
    TaskDaemon.Builder b = TaskDaemon.builder().fromTomlString(
        "[handlers.a]\ncommand = [\"true\", \"" + big + "\", 'lit\\eral']\nenv = { BIG = '''\n" + big + "''' }\n"
            + "instances = 3\n", "h.toml");
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    HandlerSpec a = b.validate().handlers().get("a");
    assertThat(a.command()).hasSize(3);
    assertThat(a.command().get(1)).isEqualTo(big);
    assertThat(a.command().get(2)).isEqualTo("lit\\eral");
    assertThat(a.env().get("BIG")).isEqualTo(big);
    assertThat(a.instances()).isEqualTo(3);
    // Seconds before the fix; a generous bound that only a return of the slow path can break.
    assertThat(ms).as("milliseconds to load").isLessThan(5_000);
  }

  @Test
  void longStringsWithEscapes_keepTheirMeaning_andPositionsAfterThemStayRight() {
    String part = "a\\tb\\u00e9\\\\".repeat(300);
    List<String> p = problems("[handlers.a]\ncommand = [\"true\", \"" + part + "\"]\nenv = { X = \"\"\"\n"
        + "line1\nline2" + "z".repeat(2000) + "\"\"\" }\ninstances = 0\n");
    assertThat(p).containsExactly("h.toml:6:1: handlers.a.instances = 0: expected an integer from 1 to 100000");
    HandlerSpec a = TaskDaemon.builder().fromTomlString("[handlers.a]\ncommand = [\"true\", \"" + part + "\"]\n",
        "h.toml").handlers().get("a");
    assertThat(a.command().get(1)).isEqualTo("a\tb\u00e9\\".repeat(300));
  }

  @Test
  void retryBackoffMaxBelowRetryBackoff_isAnErrorInEitherOrder() {
    assertThat(problems(OK + "retry_backoff_max = 1\nretry_backoff = 5\n")).containsExactly(
        "h.toml:3:1: handlers.a.retry_backoff_max = 1: expected a number of seconds not less than retry_backoff"
            + " (5s)");
    assertThat(problems(OK + "retry_backoff = 5\nretry_backoff_max = 1\n")).containsExactly(
        "h.toml:4:1: handlers.a.retry_backoff_max = 1: expected a number of seconds not less than retry_backoff"
            + " (5s)");
    assertThat(problems("[daemon]\nretry_backoff = 20\n" + OK)).containsExactly(
        "h.toml:2:1: daemon.retry_backoff = 20: expected a number of seconds not more than retry_backoff_max"
            + " (10s); set retry_backoff_max too");
    HandlerSpec a = TaskDaemon.builder().fromTomlString(
        "[daemon]\nretry_backoff_max = 60\n" + OK + "retry_backoff = 20\n", "h.toml").validate().handlers().get("a");
    assertThat(a.retryBackoff().initial()).isEqualTo(Duration.ofSeconds(20));
    assertThat(a.retryBackoff().max()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void taskSelection_takesAnyLetterCase_likeHandlerSelection() {
    HandlerSpec a = TaskDaemon.builder().fromTomlString(OK + "task_selection = \"LIFO\"\n"
        + "handler_selection = \"First-Available\"\n", "h.toml").validate().handlers().get("a");
    assertThat(a.queueOrder()).isEqualTo(QueueOrder.LIFO);
    assertThat(a.selection()).isSameAs(HandlerSelection.FIRST_AVAILABLE);
  }

  @Test
  void aBadCommandOrImage_isOneProblem_withoutNothingToRun() {
    assertThat(problems("[handlers.a]\ncommand = \"python3 handler.py\"\n\n[handlers.b]\nimage = \"-it\"\n"
        + "\n[handlers.c]\nruntime = \"process\"\ncommand = []\n")).containsExactly(
        "h.toml:2:1: handlers.a.command = \"python3 handler.py\": expected an array of strings, program first,"
            + " such as [\"java\", \"handlers/Echo.java\"]",
        "h.toml:5:1: handlers.b.image = \"-it\": expected an image reference; it must not start with '-'",
        "h.toml:9:1: handlers.c.command = []: expected an array of strings, program first, such as"
            + " [\"java\", \"handlers/Echo.java\"]");
  }

  // ---- issue 16: a runtime that is not on the class path ----

  @Test
  void anImageWithoutTheDockerModule_isOneProblem_butCoreKeyTyposStillShow() {
    assertThat(problems("[handlers.x]\nimage = \"busybox\"\nvolumes = [\"./data:/data\"]\ncpus = 0.5\n"
        + "network = \"none\"\ninstnaces = 2\n")).containsExactly(
        "h.toml:2:1: handlers.x.image: a handler with an image runs on the docker runtime, which is not on the"
            + " class path; add the dev.taskdaemon:taskdaemon-docker dependency (or set runtime = \"process\" and"
            + " a command)",
        "h.toml:6:1: handlers.x.instnaces: unknown key; did you mean 'instances'?");
    assertThat(problems("[handlers.x]\nruntime = \"docker\"\ncommand = [\"true\"]\npull = \"never\"\n"))
        .containsExactly("h.toml:2:1: handlers.x.runtime = \"docker\": expected one of the available runtimes"
            + " [process]; add the dev.taskdaemon:taskdaemon-docker dependency");
  }

  // ---- new keys: settle_time, health_window, start_check ----

  @Test
  void settleTimeHealthWindowAndStartCheck_areReadAndChecked() {
    TaskDaemon.Builder b = TaskDaemon.builder().fromTomlString("[daemon]\nsettle_time = 0\nhealth_window = 2.5\n"
        + "start_check = true\n" + OK + "settle_time = 0.2\n", "h.toml").validate();
    assertThat(b.handlers().get("a").settleTime()).isEqualTo(Duration.ofMillis(200));
    assertThat(problems("[daemon]\nsettle_time = 11\nhealth_window = 0\nstart_check = \"yes\"\n" + OK
        + "settle_time = -1\nhealth_window = 1\n")).containsExactly(
        "h.toml:2:1: daemon.settle_time = 11: expected 0, or a number of seconds from 0.001 (1 ms) to 10",
        "h.toml:3:1: daemon.health_window = 0: expected a positive number of seconds",
        "h.toml:4:1: daemon.start_check = \"yes\": expected true or false",
        "h.toml:7:1: handlers.a.settle_time = -1: expected a number of seconds, 0 or more",
        "h.toml:8:1: handlers.a.health_window: unknown key; did you mean 'settle_time'?");
    assertThatThrownBy(() -> TaskDaemon.builder().settleTime(Duration.ofSeconds(11)))
        .hasMessage("settle_time = PT11S: expected 0, or a number of seconds from 0.001 (1 ms) to 10");
    assertThatThrownBy(() -> HandlerSpec.builder("a").settleTime(Duration.ofMillis(-1)))
        .hasMessage("settle_time = PT-0.001S: expected a number of seconds, 0 or more");
    assertThatThrownBy(() -> TaskDaemon.builder().healthWindow(Duration.ZERO))
        .hasMessage("health_window = PT0S: expected a positive number of seconds");
  }

  @Test
  void aHandlerChangedInCode_keepsItsFilePositionsInMessages() {
    TaskDaemon.Builder b = TaskDaemon.builder().fromTomlString(OK + "cpuz = 1\n", "h.toml")
        .modifyHandler("a", h -> h.instances(3));
    assertThat(problems(b)).containsExactly("h.toml:3:1: handlers.a.cpuz: unknown key; did you mean 'env'?");
    b.handler("a", h -> h.command("true").option("cpuz", 1));
    assertThat(problems(b)).containsExactly("handlers.a.cpuz: unknown key; did you mean 'env'?");
  }
}

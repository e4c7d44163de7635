package dev.taskdaemon.handler.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskdaemon.handler.Jvm;
import dev.taskdaemon.handler.conformance.Conformance.Status;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite's checks can fail: each is run against a handler that breaks the rule it checks
 * ({@code src/test/handlers/BadHandler.java}), and against one that breaks none.
 */
class ConformanceTest {
  @TempDir
  static Path classes;

  @BeforeAll
  static void compileTheBadHandler() {
    Jvm.compile("BadHandler.java", classes);
  }

  private static Conformance.Builder suite(String mode) {
    return Conformance.of(List.of(Jvm.java(), "-cp", classes + File.pathSeparator + Jvm.handlerClasspath(),
            "BadHandler", mode))
        .echoes(true)
        .startTimeout(Duration.ofSeconds(30))
        .responseTimeout(Duration.ofSeconds(10))
        .largeBytes(2 * 1024 * 1024);
  }

  private static Conformance.CheckResult failed(Conformance.Report report, String check) {
    assertThat(report.passed()).as("%s", report).isFalse();
    Conformance.CheckResult c = report.check(check);
    assertThat(c.status()).as("%s", report).isEqualTo(Status.FAILED);
    return c;
  }

  @Test
  void aHandlerThatBreaksNoRule_passesEveryCheckItCanBeGivenTheMeansFor() {
    Conformance.Report report = suite("good").run();
    assertThat(report.passed()).as("%s", report).isTrue();
    assertThat(report.check("a failing task").status()).isEqualTo(Status.NOT_CHECKED);
    assertThat(report.check("a failing task").detail()).contains("give the suite a failingData");
    assertThat(report.checks()).filteredOn(c -> c.status() == Status.PASSED).hasSize(6);
  }

  @Test
  void unflushedOutput_failsTheFirstCheck() {
    // A shorter wait: no answer comes however long the JVM takes to start.
    Conformance.Report report = suite("unflushed").startTimeout(Duration.ofSeconds(10)).failFast(true).run();
    assertThat(failed(report, "each request gets one response").detail())
        .contains("no answer to request 1 of 3 within 10 s (is stdout flushed after each response?)");
    assertThat(report.checks().subList(1, report.checks().size()))
        .allSatisfy(c -> assertThat(c.status()).isEqualTo(Status.NOT_CHECKED));
  }

  @Test
  void aBannerOnStdout_fails() {
    assertThat(failed(suite("banner").failFast(true).run(), "each request gets one response").detail())
        .contains("a stdout line is not a response", "handler starting");
  }

  @Test
  void noTaskIdEcho_failsWhenRequired_andPassesWhenNot() {
    assertThat(failed(suite("no-task-id").failFast(true).run(), "each request gets one response").detail())
        .contains("has no task_id; echo the request's task_id at top level");
    Conformance.Report relaxed = suite("no-task-id").requireTaskIdEcho(false).run();
    assertThat(relaxed.passed()).as("%s", relaxed).isTrue();
  }

  @Test
  void aWrongTaskId_fails() {
    assertThat(failed(suite("wrong-task-id").failFast(true).run(), "each request gets one response").detail())
        .contains("carries task_id \"not-the-request's\"", "would take it for another task's answer");
  }

  @Test
  void answeringTwice_fails() {
    assertThat(failed(suite("twice").failFast(true).run(), "each request gets one response").detail())
        .contains("the answer to request 2 of 3 carries task_id");
  }

  @Test
  void thePlatformCharset_failsTheUtf8CheckUnderALatin1Locale() {
    Conformance.Report report = suite("platform-charset").run();
    assertThat(failed(report, "UTF-8 both ways").detail()).contains("the result does not carry the request's task_data back");
  }

  @Test
  void aNonZeroExitAtEof_fails() {
    Conformance.Report report = suite("exit-3").run();
    assertThat(failed(report, "when stdin closes:").detail()).contains("exited with code 3 after stdin closed; expected 0");
    assertThat(failed(report, "when stdin closes before any request").detail()).contains("exited with code 3");
    assertThat(report.check("responses come in request order").status()).isEqualTo(Status.PASSED);
  }

  @Test
  void commandLine_runsTheSuite_andExitsWith0Or1_or2OnAUsageError() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = Conformance.run(new String[] {"--echo", "--no-task-id", "--fail-fast", "--start-timeout", "30", "--",
        Jvm.java(), "-cp", classes + File.pathSeparator + Jvm.handlerClasspath(), "BadHandler", "no-task-id"},
        new PrintStream(out, true, StandardCharsets.UTF_8));
    assertThat(code).as(out.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains(": PASSED", "PASSED      responses come in request order");
    assertThatThrownBy(() -> Conformance.run(new String[] {"--echo"}, System.out))
        .hasMessage("give the handler command after --");
    assertThatThrownBy(() -> Conformance.run(new String[] {"--bogus", "--", "x"}, System.out))
        .hasMessage("unknown option --bogus");
  }
}

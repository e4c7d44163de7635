package dev.taskdaemon.handler;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskdaemon.handler.conformance.Conformance;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SDK in a real handler process: a single-file program started as the engine starts one. */
class HandlerProcessTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final List<Process> started = new ArrayList<>();

  @TempDir
  Path tmp;

  @AfterEach
  void stopWhatWasStarted() throws InterruptedException {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private List<String> sdkEcho(String... jvmOptions) {
    List<String> cmd = new ArrayList<>(List.of(Jvm.java(), "-cp", Jvm.handlerClasspath()));
    cmd.addAll(List.of(jvmOptions));
    cmd.add(Jvm.handlerSource("SdkEcho.java").toString());
    cmd.add(tmp.resolve("closed").toString());
    return cmd;
  }

  @Test
  void conformanceSuite_passesForAHandlerWrittenWithTheSdk() {
    Conformance.Report report = Conformance.of(sdkEcho()).echoes(true).answersMalformedLines(true)
        .failingData(JSON.createObjectNode().put("fail", "failing on purpose")).run();
    System.out.println(report);
    assertThat(report.passed()).as("%s", report).isTrue();
    assertThat(report.checks()).as("%s", report).allSatisfy(c ->
        assertThat(c.status()).isEqualTo(Conformance.Status.PASSED));
  }

  @Test
  void underALatin1Locale_theProtocolIsUtf8_andPrintsInTheFunctionGoToStderr() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(sdkEcho("-Dfile.encoding=ISO-8859-1", "-Dsun.stdout.encoding=ISO-8859-1",
        "-Dsun.stderr.encoding=ISO-8859-1", "-Dstdout.encoding=ISO-8859-1", "-Dsun.jnu.encoding=ISO-8859-1"));
    pb.environment().put("LANG", "C");
    pb.environment().put("LC_ALL", "C");
    String text = "Grüße ✓ 日本語 😀";
    String request = "{\"task_id\":\"t-1\",\"task_type\":\"echo\",\"task_data\":{\"text\":\"" + text + "\"},\"attempt\":1}\n";
    Run run = run(pb, request.getBytes(StandardCharsets.UTF_8));

    assertThat(run.exitCode).as("%s", run).isZero();
    assertThat(run.stdout).as("stdout holds the response and nothing else")
        .isEqualTo("{\"task_id\":\"t-1\",\"status\":\"success\",\"result\":{\"text\":\"" + text + "\"}}\n");
    assertThat(run.stderr).contains("print from the function: {\"text\":\"" + text + "\"}", "closing");
    assertThat(Files.readString(tmp.resolve("closed"))).isEqualTo("closed");
  }

  @Test
  void outOfMemory_isAnsweredThenTheHandlerExitsWithCode1() throws Exception {
    String requests = "{\"task_id\":\"a\",\"task_type\":\"echo\",\"task_data\":{\"oom\":true},\"attempt\":1}\n"
        + "{\"task_id\":\"b\",\"task_type\":\"echo\",\"task_data\":{\"n\":2},\"attempt\":1}\n";
    Run run = run(new ProcessBuilder(sdkEcho("-Xmx48m")), requests.getBytes(StandardCharsets.UTF_8));

    assertThat(run.exitCode).as("%s", run).isEqualTo(1);
    assertThat(run.stdout).as("the task that ran out of memory is answered; the next is left to a fresh instance")
        .isEqualTo("{\"task_id\":\"a\",\"status\":\"error\",\"error\":\"java.lang.OutOfMemoryError: Java heap space"
            + " (the handler exits: the JVM can no longer be trusted)\",\"retryable\":false}\n");
    assertThat(run.stderr).contains("handler: exiting after java.lang.OutOfMemoryError");
  }

  @Test
  void stoppedWithSigterm_closesItsResourcesInAShutdownHook() throws Exception {
    Path stderr = tmp.resolve("stderr");
    Process p = new ProcessBuilder(sdkEcho()).redirectError(stderr.toFile()).start();
    started.add(p);
    CompletableFuture<String> firstLine = CompletableFuture.supplyAsync(() -> {
      try {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    OutputStream stdin = p.getOutputStream();
    stdin.write("{\"task_id\":\"a\",\"task_type\":\"echo\",\"task_data\":1,\"attempt\":1}\n".getBytes(StandardCharsets.UTF_8));
    stdin.flush();
    assertThat(firstLine.get(60, TimeUnit.SECONDS)).isEqualTo("{\"task_id\":\"a\",\"status\":\"success\",\"result\":1}");

    p.destroy(); // SIGTERM, with stdin still open: the handler is idle, waiting for a request
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(tmp.resolve("closed"))).isEqualTo("closed");
    assertThat(Files.readString(stderr)).contains("closing");
  }

  @Test
  void sigtermWhileTheMainThreadIsClosing_waitsForTheCloseToFinish() throws Exception {
    // The engine's stop: stdin ends, then SIGTERM, while the resources are still closing. The
    // shutdown hook must not return (and let the JVM halt) before the close in progress is done.
    Path stderr = tmp.resolve("stderr");
    List<String> cmd = sdkEcho();
    cmd.add("--slow-close");
    Process p = new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
    started.add(p);
    p.getOutputStream().close();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!(Files.exists(stderr) && Files.readString(stderr).contains("closing"))) {
      assertThat(System.nanoTime() - deadline).as("the handler began closing").isNegative();
      Thread.onSpinWait();
    }
    p.destroy(); // SIGTERM during the one-second close
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(tmp.resolve("closed"))).isEqualTo("closed");
  }

  record Run(int exitCode, String stdout, String stderr) {}

  /** Runs to the end with {@code input} on stdin; output goes to files (no race with the pipes' closing). */
  private Run run(ProcessBuilder pb, byte[] input) throws Exception {
    Path out = Files.createTempFile(tmp, "stdout", "");
    Path err = Files.createTempFile(tmp, "stderr", "");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    started.add(p);
    try (OutputStream stdin = p.getOutputStream()) {
      stdin.write(input);
    }
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("exits after stdin closes").isTrue();
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }
}

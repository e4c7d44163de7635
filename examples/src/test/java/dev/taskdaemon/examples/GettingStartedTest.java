package dev.taskdaemon.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's two commands. The quick start is run as the README says, the way {@code exec:java}
 * runs it (see {@link ExampleCommand}), and every number it prints is checked against answers
 * worked out independently ({@link QuickStartOutput}).
 */
class GettingStartedTest {

  @Test
  void quickStartCommandFromReadme_runsTheExample_andEveryAnswerIsExact() throws Exception {
    Readme.CodeBlock block = Readme.load().codeBlock("run-example");
    assertThat(block.text.strip().lines()).as("the quick start is one command line").hasSize(1);
    ExampleCommand command = ExampleCommand.of(block.text);
    assertThat(command.mainClass).isEqualTo(QuickStart.class.getName());

    Repo.Run run = Repo.run(command.javaCommand(), Repo.root(), Duration.ofMinutes(3), "quickstart");

    assertThat(run.exitCode).as("%s", run).isZero();
    QuickStartOutput out = QuickStartOutput.check(run.stdout, Repo.examples().resolve("data/texts"));
    assertThat(run.stdout).containsPattern("wordcount  2 x process: java .*handlers/WordCount.java")
        .containsPattern("primes     2 x process: java .*handlers/Primes.java");
    // The handlers' stderr reaches the log (slf4j-simple writes it to stderr here).
    assertThat(run.stderr).contains("[wordcount-0] wordcount (Java) ready", "[primes-1] primes (Java) ready");
    assertThat(shape(run.stdout)).as("the output the README shows, but for times, paths and ids")
        .isEqualTo(shape(Readme.load().codeBlock("example-output").text));
    // A generous bound: the figure itself is for the README, not a test.
    assertThat(run.elapsed).isLessThan(Duration.ofMinutes(2));
    System.out.printf(Locale.ROOT, "quick start: %.2f s from first submit to last result, %.2f s in all,"
        + " %d ms for the child JVM%n", out.submitToLastResult, out.total, run.elapsed.toMillis());
  }

  /**
   * The output with what differs from run to run taken out: handler log lines (they interleave at
   * random), times, the checkout's path, and the figures of each progress step (threads race to
   * draw it; {@link QuickStartOutput} checks the last one exactly).
   */
  private static List<String> shape(String output) {
    String root = Repo.root().toString();
    return output.lines()
        .filter(l -> !l.startsWith("INFO "))
        .map(l -> l.replace(root, "/home/you/taskdaemon")
            .replaceAll("started in [\\d.]+ s", "started in ? s")
            .replaceAll("wall time .*", "wall time ?")
            .replaceAll("progress: .*", "progress: ?"))
        .collect(Collectors.toList());
  }

  @Test
  void testCommandInReadme_isTheOneCiRuns() throws Exception {
    String command = Readme.load().codeBlock("run-tests").text.strip();
    assertThat(command).isEqualTo("mvn -B verify");
    assertThat(Files.readAllLines(Repo.root().resolve(".ci/run"), StandardCharsets.UTF_8))
        .as(".ci/run runs the README's test command").contains(command);
  }
}

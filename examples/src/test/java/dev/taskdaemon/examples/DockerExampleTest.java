package dev.taskdaemon.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.taskdaemon.TaskDaemon;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The Docker variant of the quick start, as the README gives it: build the images with the script,
 * then run the same host program with {@code handlers.docker.toml} against a real engine. The
 * answers must be the same as with the process runtime.
 *
 * <p>Needs a Docker engine (DOCKER_HOST or the default context). Without one the test is skipped
 * with a message, unless {@code TASKDAEMON_REQUIRE_DOCKER=1}, as in CI, where that is a failure.
 */
class DockerExampleTest {

  @Test
  void dockerVariantFromReadme_buildsImages_runsInContainers_andEveryAnswerIsExact() throws Exception {
    requireDocker();
    String line = Readme.load().codeBlock("run-example-docker").text.strip();
    assertThat(line.lines()).as("one command line").hasSize(1);
    String[] steps = line.split("&&");
    assertThat(steps).as("build the images && run the example").hasSize(2);

    Repo.Run build = Repo.run(List.of("bash", "-c", steps[0].trim()), Repo.root(), Duration.ofMinutes(10),
        "docker-build-images");
    assertThat(build.exitCode).as("%s", build).isZero();
    assertThat(build.stderr).contains("taskdaemon-examples/wordcount:latest answers: {\"status\":\"success\"",
        // The SDK (in the primes image) echoes the request's task_id.
        "taskdaemon-examples/primes:latest answers: {\"task_id\":\"smoke\",\"status\":\"success\"");

    ExampleCommand command = ExampleCommand.of(steps[1]);
    assertThat(command.arguments.get(0)).endsWith("handlers.docker.toml");
    Repo.Run run = Repo.run(command.javaCommand(), Repo.root(), Duration.ofMinutes(5), "quickstart-docker");

    assertThat(run.exitCode).as("%s", run).isZero();
    QuickStartOutput out = QuickStartOutput.check(run.stdout, Repo.examples().resolve("data/texts"));
    assertThat(run.stdout).contains("wordcount  2 x docker: image taskdaemon-examples/wordcount:latest",
        "primes     2 x docker: image taskdaemon-examples/primes:latest");
    assertThat(run.stderr).contains("[wordcount-0] wordcount (Python) ready", "[primes-0] primes (Java) ready");
    // close() stopped every container; --rm removes them a moment later.
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
        .until(() -> containersOf("quickstart-docker").isEmpty());
    System.out.printf(Locale.ROOT, "quick start on docker: %.2f s from first submit to last result, %.2f s in all;"
        + " images built in %d ms%n", out.submitToLastResult, out.total, build.elapsed.toMillis());
  }

  /** Names of the containers, running or not, that the docker runtime labelled as the daemon's. */
  private static List<String> containersOf(String daemon) throws Exception {
    Repo.Run ps = Repo.run(List.of("docker", "ps", "-a", "--filter", "label=dev.taskdaemon.daemon=" + daemon,
        "--format", "{{.Names}}"), Repo.root(), Duration.ofSeconds(30), "docker-ps");
    assertThat(ps.exitCode).as("%s", ps).isZero();
    return ps.stdout.lines().filter(l -> !l.isBlank()).collect(Collectors.toList());
  }

  /** Skips (or, with TASKDAEMON_REQUIRE_DOCKER=1, fails) unless an engine answers and the runtime is there. */
  static void requireDocker() {
    String why = null;
    if (!TaskDaemon.builder().runtimes().containsKey("docker")) {
      why = "the docker runtime (dev.taskdaemon:taskdaemon-docker) is not on the class path";
    } else if (!engineAnswers()) {
      why = "no Docker engine answers `docker version` (DOCKER_HOST=" + System.getenv("DOCKER_HOST")
          + "); start one, e.g. with scripts/docker-engine.sh";
    }
    if (why == null) {
      return;
    }
    if ("1".equals(System.getenv("TASKDAEMON_REQUIRE_DOCKER"))) {
      Assertions.fail(why + " (TASKDAEMON_REQUIRE_DOCKER=1)");
    }
    Assumptions.abort("Docker example not run: " + why + ". Set TASKDAEMON_REQUIRE_DOCKER=1 to make this a failure");
  }

  private static boolean engineAnswers() {
    try {
      Process p = new ProcessBuilder("docker", "version", "--format", "{{.Server.Version}}")
          .redirectErrorStream(true).start();
      p.getOutputStream().close();
      p.getInputStream().transferTo(OutputStream.nullOutputStream());
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}

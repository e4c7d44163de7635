package dev.taskdaemon.docker;

import dev.taskdaemon.docker.internal.DockerCli;
import dev.taskdaemon.docker.internal.Endpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Decides once per JVM whether docker tests can run: the CLI runs, the engine answers, and the test
 * image exists (built with the repository's script when it does not). Without an engine the tests
 * are skipped with the reason, unless {@code TASKDAEMON_REQUIRE_DOCKER=1} (as CI sets it), which
 * turns the skip into a failure so CI can never pass without running them.
 */
public final class DockerEngineCondition implements ExecutionCondition {
  static final String REQUIRE_ENV = "TASKDAEMON_REQUIRE_DOCKER";
  static final String IMAGE = "taskdaemon-test/busybox";

  private static final Object LOCK = new Object();
  private static String verdict; // "" when usable, else why not
  private static boolean announced;

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    String problem = problem();
    if (problem.isEmpty()) {
      return ConditionEvaluationResult.enabled("Docker engine reachable at " + Endpoint.fromEnvironment());
    }
    if ("1".equals(System.getenv(REQUIRE_ENV))) {
      throw new IllegalStateException(problem + " (" + REQUIRE_ENV + "=1: docker tests must run, not be skipped)");
    }
    String reason = "SKIPPED docker tests: " + problem + "; set " + REQUIRE_ENV + "=1 to make this a failure";
    synchronized (LOCK) {
      if (!announced) {
        announced = true;
        System.err.println("[WARNING] " + reason);
      }
    }
    return ConditionEvaluationResult.disabled(reason);
  }

  static String problem() {
    synchronized (LOCK) {
      if (verdict == null) {
        verdict = check();
      }
      return verdict;
    }
  }

  private static String check() {
    DockerCli cli = new DockerCli("docker");
    Endpoint engine = Endpoint.fromEnvironment();
    try {
      DockerCli.Outcome v = cli.run(engine, Duration.ofSeconds(20), "version", "--format", "{{.Server.Version}}");
      if (!v.ok()) {
        return "no Docker engine answers at " + engine + " (" + v.reason()
            + "); start one with scripts/docker-engine.sh";
      }
      if (cli.run(engine, Duration.ofSeconds(20), "image", "inspect", IMAGE).ok()) {
        return "";
      }
      // The repository's script builds the image from a static busybox when the engine lacks it.
      Path script = repoRoot().resolve("scripts/docker-engine.sh");
      if (!Files.isExecutable(script)) {
        return "the engine at " + engine + " has no " + IMAGE + " image and " + script + " is missing";
      }
      Process p = new ProcessBuilder(List.of(script.toString(), "--with-busybox-image"))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(300, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      return cli.run(engine, Duration.ofSeconds(20), "image", "inspect", IMAGE).ok() ? ""
          : "the engine at " + engine + " has no " + IMAGE + " image and " + script + " could not build it";
    } catch (IOException e) {
      return "the docker CLI cannot be run (" + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while checking for a Docker engine";
    }
  }

  /** The repository root: tests run in the module directory. */
  static Path repoRoot() {
    Path here = Path.of("").toAbsolutePath();
    return Files.exists(here.resolve("scripts/docker-engine.sh")) ? here : here.getParent();
  }
}

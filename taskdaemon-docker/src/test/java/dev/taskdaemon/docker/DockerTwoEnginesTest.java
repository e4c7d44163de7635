package dev.taskdaemon.docker;

import static dev.taskdaemon.docker.Busybox.sessionContainers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.docker.internal.Endpoint;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code docker_host}: one daemon, one runtime, two engines on two sockets. The second engine is the
 * repository's own ({@code scripts/docker-engine.sh --second b}); it is left running for the next
 * run, like the main one (stop it with {@code scripts/docker-engine-stop.sh b}).
 */
@DockerTest
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"cli", "api"})
class DockerTwoEnginesTest {
  /** The docker_transport every handler of this run uses. */
  @Parameter
  String transport;

  private HandlerSpec.Builder handler(String name) {
    return Busybox.handler(name).option("docker_transport", transport);
  }

  private HandlerSpec.Builder script(String name, String script) {
    return Busybox.script(name, script).option("docker_transport", transport);
  }

  private static Endpoint second;

  @BeforeAll
  static void secondEngine() throws Exception {
    Path script = DockerEngineCondition.repoRoot().resolve("scripts/docker-engine.sh");
    File log = new File("target/docker-engine-b.log");
    Process p = new ProcessBuilder(script.toString(), "--second", "b", "--with-busybox-image")
        .redirectError(log).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    boolean done = p.waitFor(240, TimeUnit.SECONDS);
    String last = out.isEmpty() ? "" : out.substring(out.lastIndexOf('\n') + 1);
    if (!done || p.exitValue() != 0 || !last.startsWith("DOCKER_HOST=")) {
      if (!done) {
        p.destroyForcibly();
      }
      String why = "the second engine did not start (" + script + " --second b): "
          + Files.readString(log.toPath(), StandardCharsets.UTF_8).strip();
      if ("1".equals(System.getenv(DockerEngineCondition.REQUIRE_ENV))) {
        throw new IllegalStateException(why);
      }
      Assumptions.abort(why);
    }
    second = new Endpoint(last.substring("DOCKER_HOST=".length()));
    assertThat(second.host()).isNotEqualTo(Endpoint.fromEnvironment().host());
  }

  @Test
  void dockerHost_runsEachHandlersPoolOnItsOwnEngine_andCleanupCoversBoth() throws Exception {
    Endpoint main = Endpoint.fromEnvironment();
    String session;
    try (TaskDaemon daemon = TaskDaemon.builder().name(Busybox.daemonName("dt-two"))
        .handler(handler("near").build())
        .handler(handler("far").option("docker_host", second.host()).build())
        .start()) {
      session = daemon.session();
      JsonNode near = daemon.submit("near", Map.of("k", 1)).get(30, TimeUnit.SECONDS).json();
      JsonNode far = daemon.submit("far", Map.of("k", 2)).get(30, TimeUnit.SECONDS).json();
      assertThat(near.get("instance").asText()).isEqualTo("near-0");
      assertThat(far.get("instance").asText()).isEqualTo("far-0");
      assertThat(sessionContainers(main, session)).containsExactly("td_" + daemon.name() + "_near-0_" + session);
      assertThat(sessionContainers(second, session)).containsExactly("td_" + daemon.name() + "_far-0_" + session);
    }
    assertThat(sessionContainers(main, session)).isEmpty();
    assertThat(sessionContainers(second, session)).isEmpty();
  }

  @Test
  void unreachableSecondEngine_failsStart_evenWhenTheFirstIsFine() {
    String host = "unix:///tmp/td-dockerd-missing/docker.sock";
    assertThatThrownBy(() -> TaskDaemon.builder()
        .name(Busybox.daemonName("dt-two-bad"))
        .handler(handler("near").build())
        .handler(handler("far").option("docker_host", host).build())
        .start())
        .hasMessageStartingWith("cannot reach the Docker engine at DOCKER_HOST=" + host + " (handler 'far'): ");
  }
}

package dev.taskdaemon.docker;

import static dev.taskdaemon.docker.Busybox.containers;
import static dev.taskdaemon.docker.Busybox.docker;
import static dev.taskdaemon.docker.Busybox.sessionContainers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.HandlerStartException;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TestHandlers;
import dev.taskdaemon.docker.internal.Endpoint;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/** F18 (start() fails fast, saying what to fix) and F11 (containers of a killed host are reaped). */
@DockerTest
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"cli", "api"})
class DockerStartupTest {
  /** The docker_transport every handler of this run uses. */
  @Parameter
  String transport;

  private HandlerSpec.Builder handler(String name) {
    return Busybox.handler(name).option("docker_transport", transport);
  }

  private HandlerSpec.Builder script(String name, String script) {
    return Busybox.script(name, script).option("docker_transport", transport);
  }

  private static final Duration FAST = Duration.ofSeconds(30);

  @Test
  void missingDockerBinary_startFailsFast_namingTheFix_orIsNotNeededByTheApiTransport() throws Exception {
    long t0 = System.nanoTime();
    TaskDaemon.Builder b = TaskDaemon.builder().name(Busybox.daemonName("dt-nobin"))
        .runtime(new DockerRuntime("/nonexistent/bin/docker"))
        .handler(handler("echo").build());
    if (transport.equals("api")) {
      // The api transport runs no CLI at all: a CLI that does not exist changes nothing.
      try (TaskDaemon daemon = b.start()) {
        assertThat(daemon.submit("echo", Map.of("k", 1)).get(30, TimeUnit.SECONDS).json().get("instance").asText())
            .isEqualTo("echo-0");
      }
      return;
    }
    assertThatThrownBy(b::start)
        .isInstanceOf(HandlerStartException.class)
        .hasMessage("cannot run the docker CLI \"/nonexistent/bin/docker\" (handler 'echo'): No such file or"
            + " directory. Install Docker (or a compatible CLI such as Podman), or name the executable in"
            + " TASKDAEMON_DOCKER or with new DockerRuntime(\"/path/to/docker\")");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(FAST);
  }

  @Test
  void unreachableEngine_startFailsFast_namingTheDockerHostUsed() {
    String host = "unix:///tmp/td-no-engine-here/docker.sock";
    long t0 = System.nanoTime();
    HandlerStartException e = catchThrowableOfType(HandlerStartException.class,
        () -> TaskDaemon.builder().name(Busybox.daemonName("dt-noengine"))
            .handler(handler("echo").option("docker_host", host).build())
            .start());
    assertThat(e).hasMessage("cannot reach the Docker engine at DOCKER_HOST=" + host + " (handler 'echo'):"
        + " Cannot connect to the Docker daemon at " + host + ". Is the docker daemon running? Start the engine,"
        + " or point DOCKER_HOST (or the handler's docker_host) at a running one");
    assertThat(e.handler()).isEqualTo("echo");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(FAST);
  }

  @Test
  void missingImage_withPullNever_startFailsFast_namingImageAndEngine() {
    Endpoint engine = Endpoint.fromEnvironment();
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> TaskDaemon.builder().name(Busybox.daemonName("dt-noimage"))
        .handler(handler("echo").image("taskdaemon-test/absent:1").build())
        .start())
        .isInstanceOf(HandlerStartException.class)
        .hasMessage("image \"taskdaemon-test/absent:1\" (handler 'echo') is not on the Docker engine at "
            + engine.describe() + ", and pull = \"never\" forbids pulling it. Build or pull it there first"
            + " (docker build -t taskdaemon-test/absent:1 ..., or docker pull taskdaemon-test/absent:1),"
            + " or set pull = \"missing\"");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(FAST);
  }

  @Test
  void missingImage_thatCannotBePulled_startFailsFast_withTheRegistryAnswer() {
    Endpoint engine = Endpoint.fromEnvironment();
    long t0 = System.nanoTime();
    HandlerStartException e = catchThrowableOfType(HandlerStartException.class,
        () -> TaskDaemon.builder().name(Busybox.daemonName("dt-nopull"))
            .handler(handler("echo").image("taskdaemon-test/absent:1").option("pull", "missing").build())
            .start());
    // The middle is the registry's own answer, which depends on the network.
    assertThat(e.getMessage())
        .startsWith("image \"taskdaemon-test/absent:1\" (handler 'echo') is not on the Docker engine at "
            + engine.describe() + " and could not be pulled: ")
        .endsWith(" Check the image name and the registry login, or build the image on that engine"
            + " (docker build -t taskdaemon-test/absent:1 ...) and set pull = \"never\"");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(FAST);
  }

  @Test
  void hostJvmKilledWithSigkill_itsContainersAreReapedAtTheNextStart() throws Exception {
    String daemonName = Busybox.daemonName("dt-f11");
    Process host = startHost(daemonName);
    String oldSession;
    try {
      oldSession = awaitReady(host);
      String label = "dev.taskdaemon.session=" + oldSession;
      await().atMost(Duration.ofSeconds(30)).until(() ->
          containers(Endpoint.fromEnvironment(), false, label).size() == 2);
      assertThat(docker("inspect", "--format", "{{index .Config.Labels \"dev.taskdaemon.owner-pid\"}}",
          containers(Endpoint.fromEnvironment(), false, label).get(0)))
          .containsExactly(Long.toString(host.pid()));
    } finally {
      host.destroyForcibly(); // SIGKILL: no shutdown hook runs
    }
    assertThat(host.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(host.exitValue()).isEqualTo(137);
    // The handlers ignore EOF, so their containers outlive the killed host...
    assertThat(containers(Endpoint.fromEnvironment(), false, "dev.taskdaemon.session=" + oldSession)).hasSize(2);

    // ...until the next start of a daemon with that name reaps them.
    long t0 = System.nanoTime();
    try (TaskDaemon next = TaskDaemon.builder().name(daemonName)
        .handler(handler("echo").build())
        .start()) {
      assertThat(sessionContainers(oldSession)).isEmpty();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(FAST);
      assertThat(next.submit("echo", Map.of("after", "reap")).get(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
  }

  @Test
  void hostJvmStoppedWithSigterm_removesItsContainersOnTheWayOut() throws Exception {
    String daemonName = Busybox.daemonName("dt-sigterm");
    Process host = startHost(daemonName);
    String session;
    try {
      session = awaitReady(host);
      await().atMost(Duration.ofSeconds(30)).until(() ->
          containers(Endpoint.fromEnvironment(), false, "dev.taskdaemon.session=" + session).size() == 2);
    } finally {
      host.destroy(); // SIGTERM: the JVM runs its shutdown hooks
    }
    assertThat(host.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(host.exitValue()).isEqualTo(143);
    assertThat(sessionContainers(session)).isEmpty();
  }

  private Process startHost(String daemonName) throws java.io.IOException {
    ProcessBuilder pb = new ProcessBuilder(TestHandlers.java(), "-XX:TieredStopAtLevel=1", "-Xmx64m",
        "-Dorg.slf4j.simpleLogger.logFile=System.err", "-cp", System.getProperty("java.class.path"),
        KilledHostMain.class.getName(), daemonName, transport);
    pb.redirectError(new File("target/host-" + daemonName + ".log"));
    return pb.start();
  }

  /** The session the host prints once its daemon runs and has answered a task. */
  private static String awaitReady(Process host) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(host.getInputStream(), StandardCharsets.UTF_8));
    String ready = CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (java.io.IOException ex) {
        return null;
      }
    }).get(90, TimeUnit.SECONDS);
    assertThat(ready).as("the host's first line (see target/host-*.log)").startsWith("READY ");
    return ready.substring("READY ".length());
  }

  @Test
  void liveDaemonOfTheSameName_isNotReaped() throws Exception {
    String daemonName = Busybox.daemonName("dt-live");
    try (TaskDaemon first = TaskDaemon.builder().name(daemonName).handler(handler("echo").build()).start()) {
      assertThat(first.submit("echo", Map.of()).get(30, TimeUnit.SECONDS).isSuccess()).isTrue();
      try (TaskDaemon second = TaskDaemon.builder().name(daemonName).handler(handler("echo").build())
          .start()) {
        assertThat(second.submit("echo", Map.of()).get(30, TimeUnit.SECONDS).isSuccess()).isTrue();
        assertThat(sessionContainers(first.session())).hasSize(1);
        assertThat(first.submit("echo", Map.of()).get(30, TimeUnit.SECONDS).isSuccess()).isTrue();
      }
    }
  }
}

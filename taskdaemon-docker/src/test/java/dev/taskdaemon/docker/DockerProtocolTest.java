package dev.taskdaemon.docker;

import static dev.taskdaemon.docker.Busybox.docker;
import static dev.taskdaemon.docker.Busybox.op;
import static dev.taskdaemon.docker.Busybox.sessionContainers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.HandlerStats;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/** The protocol, labels, environment, options and secure defaults, in real containers. */
@DockerTest
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"cli", "api"})
class DockerProtocolTest {
  /** The docker_transport every handler of this run uses. */
  @Parameter
  String transport;

  private HandlerSpec.Builder handler(String name) {
    return Busybox.handler(name).option("docker_transport", transport);
  }

  private HandlerSpec.Builder script(String name, String script) {
    return Busybox.script(name, script).option("docker_transport", transport);
  }


  @Test
  void roundTrip_manyTasksOverTwoContainers_eachResultComesBackToItsTask() throws Exception {
    String daemonName = Busybox.daemonName("dt-proto");
    try (TaskDaemon daemon = TaskDaemon.builder().name(daemonName)
        .handler(handler("echo").instances(2).build())
        .start()) {
      int n = 500;
      List<CompletableFuture<Result>> futures = new ArrayList<>(n);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        futures.add(daemon.submit("echo", Map.of("i", i, "text", "line \"" + i + "\" with\ttab")));
      }
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      Map<String, Integer> perInstance = new HashMap<>();
      for (int i = 0; i < n; i++) {
        JsonNode r = futures.get(i).get().json();
        JsonNode request = r.get("request");
        assertThat(request.get("task_data").get("i").asInt()).as("result of task %d", i).isEqualTo(i);
        assertThat(request.get("task_data").get("text").asText()).isEqualTo("line \"" + i + "\" with\ttab");
        assertThat(request.get("task_type").asText()).isEqualTo("echo");
        assertThat(request.get("attempt").asInt()).isEqualTo(1);
        ids.add(request.get("task_id").asText());
        perInstance.merge(r.get("instance").asText(), 1, Integer::sum);
      }
      assertThat(new HashSet<>(ids)).hasSize(n);
      assertThat(perInstance.keySet()).containsExactlyInAnyOrder("echo-0", "echo-1");
      HandlerStats s = daemon.stats("echo");
      assertThat(s.succeeded()).isEqualTo(n);
      assertThat(s.failed()).isZero();

      // Readable names and the labels that cleanup relies on.
      String session = daemon.session();
      assertThat(sessionContainers(session)).containsExactlyInAnyOrder(
          "td_" + daemonName + "_echo-0_" + session, "td_" + daemonName + "_echo-1_" + session);
      String labels = docker("inspect", "--format",
          "{{index .Config.Labels \"dev.taskdaemon.managed\"}} {{index .Config.Labels \"dev.taskdaemon.daemon\"}}"
              + " {{index .Config.Labels \"dev.taskdaemon.handler\"}} {{index .Config.Labels \"dev.taskdaemon.instance\"}}"
              + " {{index .Config.Labels \"dev.taskdaemon.session\"}} {{index .Config.Labels \"dev.taskdaemon.owner-pid\"}}"
              + " {{.HostConfig.AutoRemove}} {{.HostConfig.Init}}",
          "td_" + daemonName + "_echo-1_" + session).get(0);
      assertThat(labels).isEqualTo("true " + daemonName + " echo echo-1 " + session + " "
          + ProcessHandle.current().pid() + " true true");
    }
  }

  @Test
  void envValues_reachTheContainer_butNoCommandLine() throws Exception {
    String secret = "s3cret-" + UUID.randomUUID();
    String home = "/tmp/home-" + UUID.randomUUID();
    try (TaskDaemon daemon = TaskDaemon.builder().name(Busybox.daemonName("dt-env"))
        .handler(handler("env").env("TD_SECRET", secret).env("HOME", home).build())
        .start()) {
      JsonNode r = daemon.submit("env", op("env")).get(30, TimeUnit.SECONDS).json();
      assertThat(r.get("secret").asText()).isEqualTo(secret);
      // HOME is read by the docker CLI itself, so it travels in a private env-file instead.
      assertThat(r.get("home").asText()).isEqualTo(home);

      String name = sessionContainers(daemon.session()).get(0);
      List<String> clientArgs = null;
      for (Path cmdline : procCmdlines()) {
        String text = read(cmdline);
        assertThat(text).as(cmdline.toString()).doesNotContain(secret).doesNotContain(home);
        if (text.contains(name)) {
          clientArgs = List.of(text.split("\0"));
        }
      }
      if (transport.equals("api")) {
        // No CLI process per container: the values travel only in the create request's body.
        assertThat(clientArgs).as("a process naming %s", name).isNull();
      } else {
        assertThat(clientArgs).as("the docker run client of %s", name).isNotNull();
        assertThat(String.join(" ", clientArgs)).contains(" -e TD_SECRET ").doesNotContain(" -e HOME");
        Path envFile = Path.of(clientArgs.get(clientArgs.indexOf("--env-file") + 1));
        // The env-file has served once the container exists; it is deleted then.
        await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(envFile));
      }
    }
    // Nor in any log line of the run.
    Path log = Path.of("target/test.log");
    assertThat(Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "").doesNotContain(secret);
  }

  @Test
  void secureDefaults_noCapabilitiesAndNoNewPrivileges() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder().name(Busybox.daemonName("dt-secure"))
        .handler(handler("strict").build())
        .handler(handler("relaxed").option("cap_drop_all", false).option("no_new_privileges", false).build())
        .handler(handler("chown").option("cap_add", List.of("CHOWN")).build())
        .start()) {
      JsonNode strict = daemon.submit("strict", op("status")).get(30, TimeUnit.SECONDS).json();
      assertThat(strict.get("capEff").asText()).isEqualTo("0000000000000000");
      assertThat(strict.get("noNewPrivs").asText()).isEqualTo("1");

      JsonNode relaxed = daemon.submit("relaxed", op("status")).get(30, TimeUnit.SECONDS).json();
      assertThat(relaxed.get("capEff").asText()).isNotEqualTo("0000000000000000");
      assertThat(relaxed.get("noNewPrivs").asText()).isEqualTo("0");

      JsonNode chown = daemon.submit("chown", op("status")).get(30, TimeUnit.SECONDS).json();
      assertThat(chown.get("capEff").asText()).isEqualTo("0000000000000001"); // CAP_CHOWN is bit 0
      assertThat(chown.get("noNewPrivs").asText()).isEqualTo("1");
    }
  }

  @Test
  void handlerOptions_reachTheContainer(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("hello.txt"), "mounted");
    // The container runs as nobody: let it read the mounted directory.
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(dir.resolve("hello.txt"),
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    try (TaskDaemon daemon = TaskDaemon.builder().name(Busybox.daemonName("dt-opts"))
        .handler(handler("opts")
            .workdir(Path.of("/tmp"))
            .memoryLimit("64m")
            .option("user", "65534:65534")
            .option("read_only", true)
            .option("volumes", List.of(dir + ":/data:ro"))
            .option("pids_limit", 64)
            .option("cpus", 0.5)
            .option("docker_args", transport.equals("cli") ? List.of("--shm-size", "8m") : List.of())
            .build())
        .start()) {
      JsonNode r = daemon.submit("opts", op("status")).get(30, TimeUnit.SECONDS).json();
      assertThat(r.get("uid").asText()).isEqualTo("65534");
      assertThat(r.get("gid").asText()).isEqualTo("65534");
      assertThat(r.get("pwd").asText()).isEqualTo("/tmp");
      assertThat(r.get("readOnly").asBoolean()).isTrue();
      assertThat(r.get("data").asText()).isEqualTo("mounted");
      String name = sessionContainers(daemon.session()).get(0);
      assertThat(docker("inspect", "--format",
          "{{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}} {{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}"
              + " {{.HostConfig.NetworkMode}} {{.HostConfig.ShmSize}} {{.HostConfig.ReadonlyRootfs}}", name))
          // docker_args need the CLI: the api run keeps Docker's default /dev/shm of 64 MiB.
          .containsExactly("64 500000000 67108864 67108864 none " + (transport.equals("cli") ? "8388608" : "67108864")
              + " true");
    }
  }

  @Test
  void initIsPid1_andOrphanedChildrenAreReaped() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder().name(Busybox.daemonName("dt-init"))
        .handler(handler("zombies").build())
        .start()) {
      JsonNode status = daemon.submit("zombies", op("status")).get(30, TimeUnit.SECONDS).json();
      assertThat(status.get("pid1").asText()).isEqualTo("docker-init");
      assertThat(daemon.submit("zombies", op("orphans")).get(30, TimeUnit.SECONDS).json().asText())
          .isEqualTo("spawned");
      // The orphans end after 0.2 s; only PID 1 can reap them. Poll until all are gone.
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
        JsonNode z = daemon.submit("zombies", op("zombies")).get(30, TimeUnit.SECONDS).json();
        assertThat(z.get("zombies").asInt()).as("zombie processes in the container").isZero();
        // init, the handler shell and the shell's command-substitution children; no sleepers left
        assertThat(z.get("processes").asInt()).isLessThan(5);
      });
    }
  }

  private static List<Path> procCmdlines() throws IOException {
    List<Path> l = new ArrayList<>();
    try (Stream<Path> s = Files.list(Path.of("/proc"))) {
      s.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
          .map(p -> p.resolve("cmdline")).forEach(l::add);
    }
    return l;
  }

  private static String read(Path p) {
    try {
      return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return ""; // the process ended meanwhile
    }
  }
}

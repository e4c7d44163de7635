package dev.taskdaemon.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.taskdaemon.ConfigException;
import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.docker.internal.DockerOptions;
import dev.taskdaemon.docker.internal.Owner;
import dev.taskdaemon.docker.internal.RunCommand;
import dev.taskdaemon.spi.HandlerRuntime;
import dev.taskdaemon.spi.HandlerRuntime.ConfigProblem;
import dev.taskdaemon.spi.InstanceInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Configuration checks and the docker run argument list: no engine needed. */
class DockerConfigTest {
  private static final String MANAGED = " (it always runs containers with -i, --rm, --init and its own --name and"
      + " labels, attached, without a tty or restart policy)";

  @Test
  void badDockerSettings_areAllReported_withKeyValueAndWhatWasExpected() {
    String toml = String.join("\n",
        "[handlers.resize]",
        "image = \"myorg/resize:1.2\"",
        "cpus = \"half\"",
        "network = \"--privileged\"",
        "user = \"-u0\"",
        "read_only = \"yes\"",
        "volumes = [\"--privileged\"]",
        "pids_limit = 0",
        "docker_host = \"localhost:2375\"",
        "docker_args = [\"--rm=false\", \"--shm-size\", \"1g\", \"--detach\"]",
        "pull = \"sometimes\"",
        "no_new_privileges = \"no\"",
        "cap_add = [\"net admin\"]",
        "memory_limit = \"4m\"",
        "workdir = \"app\"",
        "cpu = 1",
        "");
    ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> TaskDaemon.builder().fromTomlString(toml, "handlers.toml").start());
    assertThat(e.problems()).containsExactlyInAnyOrder(
        "handlers.toml:16:1: handlers.resize.cpu: unknown key; did you mean 'cpus'?",
        "handlers.toml:15:1: handlers.resize.workdir = \"app\": expected an absolute path inside the container,"
            + " such as \"/app\"",
        "handlers.toml:14:1: handlers.resize.memory_limit = \"4m\": expected a size of at least 6m (Docker's"
            + " minimum), such as \"512m\" or \"2g\"",
        "handlers.toml:3:1: handlers.resize.cpus = \"half\": expected a positive number of CPUs such as 0.5 or 2",
        "handlers.toml:4:1: handlers.resize.network = \"--privileged\": expected a network name such as \"none\","
            + " \"bridge\" or \"host\"",
        "handlers.toml:5:1: handlers.resize.user = \"-u0\": expected a user such as \"65534\", \"65534:65534\" or"
            + " \"nobody\"",
        "handlers.toml:6:1: handlers.resize.read_only = \"yes\": expected true or false",
        "handlers.toml:7:1: handlers.resize.volumes = [\"--privileged\"]: expected an array of"
            + " \"source:target[:options]\" strings with an absolute target, such as [\"/srv/data:/data:ro\"]",
        "handlers.toml:8:1: handlers.resize.pids_limit = 0: expected a positive integer such as 64",
        "handlers.toml:9:1: handlers.resize.docker_host = \"localhost:2375\": expected an engine address such as"
            + " \"unix:///var/run/docker.sock\", \"tcp://host:2376\" or \"ssh://user@host\"",
        "handlers.toml:10:1: handlers.resize.docker_args: \"--rm=false\" sets --rm, which the docker runtime"
            + " manages itself" + MANAGED + "; remove it",
        "handlers.toml:10:1: handlers.resize.docker_args: \"--detach\" sets --detach, which the docker runtime"
            + " manages itself" + MANAGED + "; remove it",
        "handlers.toml:11:1: handlers.resize.pull = \"sometimes\": expected \"never\", \"missing\" or \"always\"",
        "handlers.toml:12:1: handlers.resize.no_new_privileges = \"no\": expected true or false",
        "handlers.toml:13:1: handlers.resize.cap_add = [\"net admin\"]: expected an array of capability names"
            + " such as [\"NET_BIND_SERVICE\"]");
  }

  private static List<String> argProblems(String... dockerArgs) {
    return new DockerRuntime().validate(HandlerSpec.builder("h").image("img")
        .option("docker_args", List.of(dockerArgs)).build()).stream()
        .map(p -> p.key() + ": " + p.message()).toList();
  }

  @Test
  void dockerArgs_managedFlags_areRefusedInEverySpelling() {
    // -dt used to pass: only whole words were compared against -d and -t.
    assertThat(argProblems("-dt")).containsExactly(
        "docker_args: \"-dt\" sets --detach, which the docker runtime manages itself" + MANAGED + "; remove it",
        "docker_args: \"-dt\" sets --tty, which the docker runtime manages itself" + MANAGED + "; remove it");
    assertThat(argProblems("-Pit")).containsExactly(
        "docker_args: \"-Pit\" sets --interactive, which the docker runtime manages itself" + MANAGED + "; remove it",
        "docker_args: \"-Pit\" sets --tty, which the docker runtime manages itself" + MANAGED + "; remove it");
    assertThat(argProblems("--detach=true")).containsExactly(
        "docker_args: \"--detach=true\" sets --detach, which the docker runtime manages itself" + MANAGED
            + "; remove it");
    assertThat(argProblems("--init=false")).containsExactly(
        "docker_args: \"--init=false\" sets --init, which the docker runtime manages itself" + MANAGED
            + "; remove it");
    assertThat(argProblems("-aSTDOUT")).containsExactly(
        "docker_args: \"-aSTDOUT\" sets --attach, which the docker runtime manages itself" + MANAGED + "; remove it");
    assertThat(argProblems("--name", "mine")).containsExactly(
        "docker_args: \"--name mine\" sets --name, which the docker runtime manages itself" + MANAGED
            + "; remove it");
    assertThat(argProblems("--restart=always")).containsExactly(
        "docker_args: \"--restart=always\" sets --restart, which the docker runtime manages itself" + MANAGED
            + "; remove it");
    assertThat(argProblems("-l", "dev.taskdaemon.owner-pid=1")).containsExactly(
        "docker_args: \"-l dev.taskdaemon.owner-pid=1\" sets a dev.taskdaemon. label, which the docker runtime"
            + " manages itself (cleanup trusts these labels); use a label of your own");
    // A value that merely looks like a flag is a value: "--shm-size -d" is not --detach.
    assertThat(argProblems("--shm-size", "64m", "--label=team=-d", "-P", "--tmpfs", "/run", "-h", "worker",
        "--sig-proxy=false")).isEmpty();
  }

  @Test
  void dockerArgs_thatWouldUndoTheSecureDefaults_areRefused_namingTheKeyThatOptsOut() {
    assertThat(argProblems("--privileged")).containsExactly(
        "docker_args: \"--privileged\" would undo the secure defaults (every capability, every host device, no"
            + " seccomp or AppArmor profile) and no key opts out that far; give capabilities back with cap_add"
            + " (or cap_drop_all = false) instead");
    assertThat(argProblems("--privileged=false")).hasSize(1);
    assertThat(argProblems("--cap-add=SYS_ADMIN")).containsExactly(
        "docker_args: \"--cap-add=SYS_ADMIN\" would undo the secure defaults behind the runtime's back; to give"
            + " capabilities back on top of --cap-drop ALL, use cap_add = [\"...\"] instead");
    assertThat(argProblems("--security-opt", "no-new-privileges=false")).containsExactly(
        "docker_args: \"--security-opt no-new-privileges=false\" would undo the secure defaults behind the"
            + " runtime's back; to opt out of no-new-privileges, use no_new_privileges = false instead");
    assertThat(argProblems("--security-opt=seccomp=unconfined")).containsExactly(
        "docker_args: \"--security-opt=seccomp=unconfined\" would change the container's security profile behind"
            + " the runtime's back, and no key opts out of the secure defaults that way; remove it");
    String ns = " would share a namespace with the host or another container, undoing the container's isolation,"
        + " and no key opts out of that; remove it";
    assertThat(argProblems("--pid=host", "--userns", "host", "--ipc=container:db", "--uts=host", "--cgroupns=host"))
        .containsExactly("docker_args: \"--pid=host\"" + ns, "docker_args: \"--userns host\"" + ns,
            "docker_args: \"--ipc=container:db\"" + ns, "docker_args: \"--uts=host\"" + ns,
            "docker_args: \"--cgroupns=host\"" + ns);
    assertThat(argProblems("--ipc=private")).isEmpty();
    assertThat(argProblems("--device=/dev/kmsg")).containsExactly(
        "docker_args: \"--device=/dev/kmsg\" would give the container a host device, and no key opts out of the"
            + " secure defaults that way; remove it");
    assertThat(argProblems("--oom-kill-disable")).containsExactly(
        "docker_args: \"--oom-kill-disable\" would make a container over its memory_limit hang instead of being"
            + " stopped, and no key opts out of that; remove it");
  }

  @Test
  void dockerArgs_thatAKeyAlreadySets_nameTheKey() {
    assertThat(argProblems("--network=host")).containsExactly(
        "docker_args: \"--network=host\" sets --network, which has a key of its own: use network instead");
    assertThat(argProblems("--net", "host")).containsExactly(
        "docker_args: \"--net host\" sets --net, which has a key of its own: use network instead");
    assertThat(argProblems("-u0")).containsExactly(
        "docker_args: \"-u0\" sets --user, which has a key of its own: use user instead");
    assertThat(argProblems("-eTOKEN=secret")).containsExactly(
        "docker_args: \"-eTOKEN=secret\" sets --env, which has a key of its own: use env (values never reach a"
            + " command line there) instead");
    assertThat(argProblems("-m=1g")).containsExactly(
        "docker_args: \"-m=1g\" sets --memory, which has a key of its own: use memory_limit instead");
    assertThat(argProblems("-v", "/:/host")).containsExactly(
        "docker_args: \"-v /:/host\" sets --volume, which has a key of its own: use volumes instead");
    assertThat(argProblems("--cap-drop=NET_RAW")).containsExactly(
        "docker_args: \"--cap-drop=NET_RAW\" sets --cap-drop, which has a key of its own: use cap_drop_all and"
            + " cap_add instead");
  }

  @Test
  void dockerArgs_wordsThatAreNotFlags_andUnknownShortFlags_areRefused() {
    assertThat(argProblems("busybox")).containsExactly(
        "docker_args: \"busybox\" is not a flag, and docker run would take it as the image (and the real image as"
            + " the command); docker_args holds flags and their values only (put the container's command in"
            + " command)");
    assertThat(argProblems("--")).containsExactly(
        "docker_args: \"--\" ends docker's flags, so what follows would be taken as the image; remove it");
    assertThat(argProblems("-dZ")).containsExactly(
        "docker_args: \"-dZ\" sets --detach, which the docker runtime manages itself" + MANAGED + "; remove it",
        "docker_args: \"-dZ\": -Z is not a one-letter flag of docker run; write the flag in its long form"
            + " (--name=value)");
  }

  @Test
  void dockerTransport_api_withAKeyOnlyTheCliHonours_isAConfigException_namingTheKey() {
    String toml = String.join("\n",
        "[handlers.a]",
        "image = \"img\"",
        "docker_transport = \"api\"",
        "docker_args = [\"--shm-size\", \"1g\"]",
        "[handlers.b]",
        "image = \"img\"",
        "docker_transport = \"api\"",
        "docker_host = \"ssh://deploy@build-1\"",
        "[handlers.c]",
        "image = \"img\"",
        "docker_transport = \"API\"",
        "");
    ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> TaskDaemon.builder().fromTomlString(toml, "handlers.toml").start());
    assertThat(e.problems()).containsExactlyInAnyOrder(
        "handlers.toml:3:1: handlers.a.docker_transport: \"api\" cannot honour docker_args: docker_args are docker"
            + " run flags, and the api transport runs no CLI; remove docker_args or set docker_transport = \"cli\""
            + " (or \"auto\")",
        "handlers.toml:7:1: handlers.b.docker_transport: \"api\" cannot honour docker_host: docker_host ="
            + " \"ssh://deploy@build-1\" is not a unix:// socket, and the api transport speaks only to unix://"
            + " engines (the CLI brings ssh and TLS); remove docker_host or set docker_transport = \"cli\""
            + " (or \"auto\")",
        "handlers.toml:11:1: handlers.c.docker_transport = \"API\": expected \"auto\", \"api\" or \"cli\"");
  }

  @Test
  void dockerTransport_auto_choosesTheApiOnlyWhereNothingNeedsTheCli() {
    DockerRuntime runtime = new DockerRuntime(); // no CLI named (unless TASKDAEMON_DOCKER is set)
    boolean cliNamed = System.getenv(DockerRuntime.EXECUTABLE_ENV) != null;
    HandlerSpec plain = HandlerSpec.builder("h").image("img").option("docker_host", "unix:///tmp/x.sock").build();
    assertThat(runtime.usesApi(plain)).isEqualTo(!cliNamed);
    assertThat(runtime.usesApi(HandlerSpec.builder("h").image("img").option("docker_host", "unix:///tmp/x.sock")
        .option("docker_args", List.of("--shm-size", "1g")).build())).isFalse();
    assertThat(runtime.usesApi(HandlerSpec.builder("h").image("img").option("docker_host", "ssh://u@h").build()))
        .isFalse();
    assertThat(runtime.usesApi(HandlerSpec.builder("h").image("img").option("docker_host", "tcp://h:2376").build()))
        .isFalse();
    // A CLI named for the runtime keeps auto on that CLI; an explicit transport wins either way.
    assertThat(new DockerRuntime("/usr/bin/podman").usesApi(plain)).isFalse();
    assertThat(new DockerRuntime("/usr/bin/podman").usesApi(HandlerSpec.builder("h").image("img")
        .option("docker_host", "unix:///tmp/x.sock").option("docker_transport", "api").build())).isTrue();
    assertThat(runtime.usesApi(HandlerSpec.builder("h").image("img").option("docker_host", "unix:///tmp/x.sock")
        .option("docker_transport", "cli").build())).isFalse();
  }

  @Test
  void createRequest_carriesTheSameSettingsAsTheRunArguments() {
    HandlerSpec spec = HandlerSpec.builder("resize").image("myorg/resize:1.2")
        .command("python", "-u", "handler.py")
        .env("API_TOKEN", "t0ps3cret")
        .memoryLimit("256m").workdir(Path.of("/app"))
        .option("cpus", "0.5").option("network", "none").option("user", "65534:65534").option("read_only", true)
        .option("volumes", List.of("./data:/data:ro")).option("pids_limit", 32).option("cap_add", List.of("CHOWN"))
        .baseDir(Path.of("/srv/app"))
        .build();
    InstanceInfo instance = new InstanceInfo("main", "0123456789ab", "resize", 2, 3);
    Owner owner = new Owner(4242, "build-1", "boot/pid:[1]", 1700000000000L);
    java.util.Map<String, Object> c = RunCommand.createConfig(spec, DockerOptions.read(spec, new ArrayList<>()),
        instance, owner);
    assertThat(c.toString()).isEqualTo("{Image=myorg/resize:1.2, Cmd=[python, -u, handler.py],"
        + " Env=[API_TOKEN=t0ps3cret, TASKDAEMON_HANDLER=resize, TASKDAEMON_INSTANCE=resize-2.3],"
        + " Labels={dev.taskdaemon.managed=true, dev.taskdaemon.daemon=main, dev.taskdaemon.handler=resize,"
        + " dev.taskdaemon.instance=resize-2.3, dev.taskdaemon.session=0123456789ab, dev.taskdaemon.owner-pid=4242,"
        + " dev.taskdaemon.owner-host=build-1, dev.taskdaemon.owner-ns=boot/pid:[1],"
        + " dev.taskdaemon.owner-started=1700000000000},"
        + " AttachStdin=true, AttachStdout=true, AttachStderr=true, OpenStdin=true, StdinOnce=true, Tty=false,"
        + " User=65534:65534, WorkingDir=/app,"
        + " HostConfig={AutoRemove=true, Init=true, CapDrop=[ALL], CapAdd=[CHOWN], SecurityOpt=[no-new-privileges],"
        + " Memory=268435456, MemorySwap=268435456, NanoCpus=500000000, PidsLimit=32, NetworkMode=none,"
        + " ReadonlyRootfs=true, Binds=[/srv/app/data:/data:ro]}}");
  }

  @Test
  void flagInjection_throughImageOrEnvName_isRejected() {
    String toml = String.join("\n",
        "[handlers.inject]",
        "image = \"--privileged\"",
        "env = { \"-e\" = \"x\" }",
        "cpus = \"1 --privileged\"",
        "");
    ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> TaskDaemon.builder().fromTomlString(toml, "handlers.toml").start());
    assertThat(e.problems()).contains(
        "handlers.toml:2:1: handlers.inject.image = \"--privileged\": expected an image reference; it must not"
            + " start with '-'",
        "handlers.toml:3:1: handlers.inject.env.\"-e\": not a valid environment variable name; use letters,"
            + " digits and '_', not starting with a digit");
    // Defence in depth: the runtime refuses what the core lets through, e.g. a space in an image.
    List<ConfigProblem> p = new DockerRuntime().validate(HandlerSpec.builder("x").image("a b")
        .option("cpus", "1 --privileged").build());
    assertThat(p).extracting(ConfigProblem::key, ConfigProblem::message).containsExactly(
        org.assertj.core.groups.Tuple.tuple("image",
            "expected an image reference such as \"myorg/resize:1.2\" (no spaces, not starting with '-')"),
        org.assertj.core.groups.Tuple.tuple("cpus", "expected a positive number of CPUs such as 0.5 or 2"));
  }

  @Test
  void goodSettings_fromTheBuilder_pass() {
    HandlerSpec spec = HandlerSpec.builder("ok").image("myorg/resize:1.2").memoryLimit("512m")
        .workdir(Path.of("/app"))
        .option("cpus", 1.5).option("network", "none").option("user", 1000).option("read_only", true)
        .option("volumes", List.of("/srv/data:/data:ro", "cache:/cache")).option("pids_limit", 64)
        .option("docker_host", "ssh://deploy@build-1").option("docker_args", List.of("--shm-size", "1g"))
        .option("pull", "always").option("no_new_privileges", false).option("cap_drop_all", false)
        .option("cap_add", List.of("NET_BIND_SERVICE"))
        .build();
    assertThat(new DockerRuntime().validate(spec)).isEmpty();
  }

  @Test
  void runArguments_secureDefaultsLabelsAndEnvNamesOnly() {
    HandlerSpec spec = HandlerSpec.builder("resize").image("myorg/resize:1.2")
        .command("python", "-u", "handler.py", "--verbose")
        .env("API_TOKEN", "t0ps3cret").env("HOME", "/home/app")
        .memoryLimit("256m").workdir(Path.of("/app"))
        .option("cpus", "0.5").option("network", "none").option("user", "65534:65534").option("read_only", true)
        .option("volumes", List.of("./data:/data:ro")).option("pids_limit", 32)
        .option("docker_args", List.of("--shm-size", "64m")).option("pull", "never")
        .baseDir(Path.of("/srv/app"))
        .build();
    InstanceInfo instance = new InstanceInfo("main", "0123456789ab", "resize", 2, 3);
    Owner owner = new Owner(4242, "build-1", "boot/pid:[1]", 1700000000000L);
    List<ConfigProblem> problems = new ArrayList<>();
    DockerOptions o = DockerOptions.read(spec, problems);
    assertThat(problems).isEmpty();
    List<String> args = RunCommand.arguments(spec, o, instance, owner, Path.of("/tmp/td-env/env"));
    assertThat(args).containsExactly("run", "-i", "--rm", "--init", "--name", "td_main_resize-2.3_0123456789ab",
        "--label", "dev.taskdaemon.managed=true", "--label", "dev.taskdaemon.daemon=main",
        "--label", "dev.taskdaemon.handler=resize", "--label", "dev.taskdaemon.instance=resize-2.3",
        "--label", "dev.taskdaemon.session=0123456789ab", "--label", "dev.taskdaemon.owner-pid=4242",
        "--label", "dev.taskdaemon.owner-host=build-1", "--label", "dev.taskdaemon.owner-ns=boot/pid:[1]",
        "--label", "dev.taskdaemon.owner-started=1700000000000",
        "--pull=never", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
        "--memory", "256m", "--memory-swap", "256m", "--cpus", "0.5", "--pids-limit", "32",
        "--network", "none", "--user", "65534:65534", "--workdir", "/app", "--read-only",
        "--volume", "/srv/app/data:/data:ro",
        "-e", "API_TOKEN", "-e", "TASKDAEMON_HANDLER", "-e", "TASKDAEMON_INSTANCE",
        "--env-file", "/tmp/td-env/env",
        "--shm-size", "64m",
        "myorg/resize:1.2", "python", "-u", "handler.py", "--verbose");
    assertThat(String.join(" ", args)).doesNotContain("t0ps3cret").doesNotContain("/home/app");
  }

  @Test
  void optOuts_dropTheSecureDefaults() {
    HandlerSpec spec = HandlerSpec.builder("h").image("img")
        .option("no_new_privileges", false).option("cap_drop_all", false).build();
    List<String> args = RunCommand.arguments(spec, DockerOptions.read(spec, new ArrayList<>()),
        new InstanceInfo("d", "s", "h", 0, 1), Owner.current(), null);
    assertThat(args).doesNotContain("--cap-drop", "ALL", "--security-opt", "no-new-privileges")
        .contains("--rm", "--init");
  }

  @Test
  void theRuntimeIsFoundByName_andTheCliIsConfigurable() {
    List<String> names = new ArrayList<>();
    ServiceLoader.load(HandlerRuntime.class).forEach(r -> names.add(r.name()));
    assertThat(names).contains("docker");
    String env = System.getenv(DockerRuntime.EXECUTABLE_ENV);
    assertThat(new DockerRuntime().executable()).isEqualTo(env == null || env.isBlank() ? "docker" : env);
    assertThat(new DockerRuntime("/usr/bin/podman").executable()).isEqualTo("/usr/bin/podman");
    assertThat(new DockerRuntime().optionKeys()).containsExactly("cpus", "network", "user", "read_only", "volumes",
        "pids_limit", "docker_host", "docker_args", "pull", "no_new_privileges", "cap_drop_all", "cap_add",
        "docker_transport");
  }
}

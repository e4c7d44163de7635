package dev.taskdaemon.docker.internal;

import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.spi.InstanceInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code docker run} argument list for one instance, and the environment that goes with it. */
public final class RunCommand {
  public static final String LABEL_MANAGED = "dev.taskdaemon.managed";
  public static final String LABEL_DAEMON = "dev.taskdaemon.daemon";
  public static final String LABEL_HANDLER = "dev.taskdaemon.handler";
  public static final String LABEL_INSTANCE = "dev.taskdaemon.instance";
  public static final String LABEL_SESSION = "dev.taskdaemon.session";

  private RunCommand() {}

  /** {@code td_<daemon>_<handler>-<slot>[.<generation>]_<session>}: readable, unique per session. */
  public static String containerName(InstanceInfo instance) {
    return "td_" + instance.daemon() + "_" + instance.name() + "_" + instance.session();
  }

  /**
   * The environment the container gets, by name: the handler's {@code env} plus the instance's
   * identity, as the process runtime gives it.
   */
  public static Map<String, String> containerEnv(HandlerSpec spec, InstanceInfo instance) {
    Map<String, String> env = new LinkedHashMap<>(spec.env());
    env.put("TASKDAEMON_HANDLER", spec.name());
    env.put("TASKDAEMON_INSTANCE", instance.name());
    return env;
  }

  /**
   * {@code run ...} (without the executable). Values of {@code env} never appear here: a name is
   * passed as {@code -e NAME} and docker takes the value from the CLI process's environment, or
   * the whole pair is in {@code envFile} for names the CLI reads itself.
   *
   * @param envFile the env-file holding the {@link DockerOptions#clientReads} names, or {@code null}
   */
  public static List<String> arguments(HandlerSpec spec, DockerOptions o, InstanceInfo instance, Owner owner,
      Path envFile) {
    List<String> a = new ArrayList<>(64);
    a.add("run");
    a.add("-i");
    a.add("--rm");
    a.add("--init");
    a.add("--name");
    a.add(containerName(instance));
    label(a, LABEL_MANAGED, "true");
    label(a, LABEL_DAEMON, instance.daemon());
    label(a, LABEL_HANDLER, instance.handler());
    label(a, LABEL_INSTANCE, instance.name());
    label(a, LABEL_SESSION, instance.session());
    owner.labels().forEach((k, v) -> label(a, k, v));
    if (o.pull == DockerOptions.Pull.NEVER) {
      a.add("--pull=never");
    }
    if (o.capDropAll) {
      a.add("--cap-drop");
      a.add("ALL");
    }
    for (String cap : o.capAdd) {
      a.add("--cap-add");
      a.add(cap);
    }
    if (o.noNewPrivileges) {
      a.add("--security-opt");
      a.add("no-new-privileges");
    }
    if (spec.memoryLimit() != null) {
      a.add("--memory");
      a.add(spec.memoryLimit());
      // Without this docker lets the container swap up to as much again, and a handler over its
      // limit slows down instead of being stopped.
      a.add("--memory-swap");
      a.add(spec.memoryLimit());
    }
    if (o.cpus != null) {
      a.add("--cpus");
      a.add(o.cpus);
    }
    if (o.pidsLimit != null) {
      a.add("--pids-limit");
      a.add(o.pidsLimit.toString());
    }
    if (o.network != null) {
      a.add("--network");
      a.add(o.network);
    }
    if (o.user != null) {
      a.add("--user");
      a.add(o.user);
    }
    if (spec.workdir() != null) {
      a.add("--workdir");
      a.add(spec.workdir().toString());
    }
    if (o.readOnly) {
      a.add("--read-only");
    }
    for (String v : o.volumes) {
      a.add("--volume");
      a.add(v);
    }
    for (String name : containerEnv(spec, instance).keySet()) {
      if (!DockerOptions.clientReads(name)) {
        a.add("-e");
        a.add(name);
      }
    }
    if (envFile != null) {
      a.add("--env-file");
      a.add(envFile.toString());
    }
    a.addAll(o.dockerArgs);
    // Everything after the image belongs to the container's command, so nothing there is a flag.
    a.add(spec.image());
    if (spec.command() != null) {
      a.addAll(spec.command());
    }
    return a;
  }

  /**
   * The Engine API's create request for one instance: the same image, command, name, labels,
   * limits and secure defaults as {@link #arguments}, with the container's stdin kept open for one
   * attach (closing it is the container's EOF). It holds env values: never log it.
   */
  public static Map<String, Object> createConfig(HandlerSpec spec, DockerOptions o, InstanceInfo instance,
      Owner owner) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("Image", spec.image());
    if (spec.command() != null) {
      c.put("Cmd", spec.command());
    }
    List<String> env = new ArrayList<>();
    containerEnv(spec, instance).forEach((k, v) -> env.add(k + "=" + v));
    c.put("Env", env);
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(LABEL_MANAGED, "true");
    labels.put(LABEL_DAEMON, instance.daemon());
    labels.put(LABEL_HANDLER, instance.handler());
    labels.put(LABEL_INSTANCE, instance.name());
    labels.put(LABEL_SESSION, instance.session());
    labels.putAll(owner.labels());
    c.put("Labels", labels);
    c.put("AttachStdin", true);
    c.put("AttachStdout", true);
    c.put("AttachStderr", true);
    c.put("OpenStdin", true);
    c.put("StdinOnce", true);
    c.put("Tty", false);
    if (o.user != null) {
      c.put("User", o.user);
    }
    if (spec.workdir() != null) {
      c.put("WorkingDir", spec.workdir().toString());
    }
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("AutoRemove", true);
    h.put("Init", true);
    if (o.capDropAll) {
      h.put("CapDrop", List.of("ALL"));
    }
    if (!o.capAdd.isEmpty()) {
      h.put("CapAdd", o.capAdd);
    }
    if (o.noNewPrivileges) {
      h.put("SecurityOpt", List.of("no-new-privileges"));
    }
    if (spec.memoryLimit() != null) {
      long bytes = DockerOptions.memoryBytes(spec.memoryLimit());
      h.put("Memory", bytes);
      // As with the CLI: no swap beyond the limit, so the limit is a hard one.
      h.put("MemorySwap", bytes);
    }
    if (o.cpus != null) {
      h.put("NanoCpus", new java.math.BigDecimal(o.cpus).movePointRight(9).longValue());
    }
    if (o.pidsLimit != null) {
      h.put("PidsLimit", o.pidsLimit.longValue());
    }
    h.put("NetworkMode", o.network != null ? o.network : "default");
    if (o.readOnly) {
      h.put("ReadonlyRootfs", true);
    }
    if (!o.volumes.isEmpty()) {
      h.put("Binds", o.volumes);
    }
    c.put("HostConfig", h);
    return c;
  }

  private static void label(List<String> a, String key, String value) {
    a.add("--label");
    a.add(key + "=" + value);
  }
}

package dev.taskdaemon.internal;

import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.spi.HandlerProcess;
import dev.taskdaemon.spi.HandlerRuntime;
import dev.taskdaemon.spi.InstanceInfo;
import dev.taskdaemon.spi.RuntimeContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code process} runtime: each instance is a local command started with {@link ProcessBuilder}.
 *
 * <p>Each instance carries {@code TASKDAEMON_DAEMON}, {@code TASKDAEMON_SESSION} and {@code
 * TASKDAEMON_OWNER} in its environment, and everything it starts inherits them. On Linux that is how
 * the engine finds what an instance left behind: stopping an instance stops every process of its
 * session and instance name, even a child that outlived it; each daemon session runs a {@link Reaper}
 * that kills the session's processes if the host JVM dies; and the next start of a daemon of the same
 * name stops survivors whose host is provably gone. Instances stay in the host's process group and
 * session (and so in its scheduling group), like any child process.
 */
public final class ProcessRuntime implements HandlerRuntime {
  public static final String NAME = "process";
  static final String ENV_DAEMON = "TASKDAEMON_DAEMON";
  static final String ENV_OWNER = "TASKDAEMON_OWNER";
  static final String ENV_SESSION = "TASKDAEMON_SESSION";
  static final String ENV_INSTANCE = "TASKDAEMON_INSTANCE";
  private static final Logger LOG = LoggerFactory.getLogger(ProcessRuntime.class);
  /** This JVM: its pid and start time, so that a reused pid is never mistaken for it. */
  static final String OWNER = owner(ProcessHandle.current());

  private final Map<String, Reaper> reapers = new ConcurrentHashMap<>();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<ConfigProblem> validate(HandlerSpec spec) {
    List<ConfigProblem> problems = new ArrayList<>();
    if (spec.command() == null) {
      problems.add(ConfigProblem.of("command",
          "missing: the process runtime needs a command; add command = [\"program\", \"arg\", ...]"));
    }
    if (spec.workdir() != null && !spec.workdir().toFile().isDirectory()) {
      problems.add(ConfigProblem.badValue("workdir", spec.workdir().toString(), "an existing directory"));
    }
    if (spec.memoryLimit() != null) {
      problems.add(ConfigProblem.of("memory_limit",
          "the process runtime cannot enforce a memory limit; remove it, or run the handler on the docker runtime"));
    }
    return problems;
  }

  @Override
  public void open(RuntimeContext context, List<HandlerSpec> handlers) {
    removeSurvivors(context.daemon());
    if (ProcessTree.available()) {
      Reaper r = Reaper.start(context.daemon(), context.session());
      if (r != null) {
        reapers.put(context.session(), r);
      }
    }
  }

  @Override
  public void close(RuntimeContext context) {
    Reaper r = reapers.remove(context.session());
    if (r != null) {
      r.close();
    }
  }

  /**
   * Stops processes that an earlier, killed host of a daemon of this name started and left running:
   * only those whose environment names this daemon and an owner JVM that no longer exists.
   */
  static int removeSurvivors(String daemon) {
    if (!ProcessTree.available()) {
      return 0;
    }
    int n = 0;
    long self = ProcessHandle.current().pid();
    for (long pid : ProcessTree.pids()) {
      if (pid == self) {
        continue;
      }
      Optional<String> d = ProcessTree.environ(pid, ENV_DAEMON);
      if (d.isEmpty() || !d.get().equals(daemon)) {
        continue;
      }
      Optional<String> owner = ProcessTree.environ(pid, ENV_OWNER);
      if (owner.isEmpty() || ownerAlive(owner.get())) {
        continue;
      }
      Optional<ProcessHandle> h = ProcessHandle.of(pid);
      if (h.isPresent() && h.get().destroyForcibly()) {
        LOG.warn("daemon '{}': stopped process {} ({}), left running by an earlier host (owner {}) that is gone",
            daemon, pid, h.get().info().commandLine().orElse("?"), owner.get());
        n++;
      }
    }
    return n;
  }

  private static boolean ownerAlive(String owner) {
    int colon = owner.indexOf(':');
    if (colon < 0) {
      return true; // not ours to judge
    }
    try {
      long pid = Long.parseLong(owner.substring(0, colon));
      Optional<ProcessHandle> h = ProcessHandle.of(pid);
      return h.isPresent() && owner(h.get()).equals(owner);
    } catch (NumberFormatException e) {
      return true;
    }
  }

  private static String owner(ProcessHandle h) {
    return h.pid() + ":" + h.info().startInstant().map(i -> Long.toString(i.toEpochMilli())).orElse("0");
  }

  @Override
  public HandlerProcess launch(HandlerSpec spec, InstanceInfo instance) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(spec.command());
    Path dir = spec.workdir() != null ? spec.workdir() : spec.baseDir();
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    pb.environment().putAll(spec.env());
    pb.environment().put("TASKDAEMON_HANDLER", spec.name());
    pb.environment().put(ENV_INSTANCE, instance.name());
    pb.environment().put(ENV_DAEMON, instance.daemon());
    pb.environment().put(ENV_SESSION, instance.session());
    pb.environment().put(ENV_OWNER, OWNER);
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new IOException("cannot run command " + spec.command() + (dir != null ? " in " + dir : "") + ": "
          + e.getMessage(), e);
    }
    return new LocalProcess(process, instance);
  }

  /** A started local process. */
  static final class LocalProcess implements HandlerProcess {
    private final Process process;
    private final InstanceInfo instance;

    LocalProcess(Process process, InstanceInfo instance) {
      this.process = process;
      this.instance = instance;
    }

    @Override
    public OutputStream stdin() {
      return process.getOutputStream();
    }

    @Override
    public InputStream stdout() {
      return process.getInputStream();
    }

    @Override
    public InputStream stderr() {
      return process.getErrorStream();
    }

    @Override
    public CompletableFuture<Integer> onExit() {
      return process.onExit().thenApply(Process::exitValue);
    }

    @Override
    public void terminate() {
      process.destroy();
    }

    @Override
    public void kill(Duration bound) {
      // Everything the handler started goes with it: the descendants known now and, where /proc tells,
      // every process that inherited this instance's environment (the handler may already have exited,
      // leaving a child that holds its stdout, reparented out of reach of descendants()).
      List<ProcessHandle> children = new ArrayList<>();
      process.descendants().forEach(children::add);
      process.destroyForcibly();
      children.forEach(ProcessHandle::destroyForcibly);
      ProcessTree.killWithEnvironment(ENV_SESSION, instance.session(), ENV_INSTANCE, instance.name());
      try {
        process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public String describeExit(int exitCode) {
      if (exitCode > 128 && exitCode < 160) {
        return "killed by signal " + (exitCode - 128);
      }
      return null;
    }

    @Override
    public String describe() {
      return "pid " + process.pid();
    }
  }
}

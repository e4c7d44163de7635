package dev.taskdaemon.internal;

import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.spi.HandlerProcess;
import dev.taskdaemon.spi.HandlerRuntime;
import dev.taskdaemon.spi.InstanceInfo;
import dev.taskdaemon.spi.RuntimeContext;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
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
 * <p>Where the system has {@code setsid} (Linux), each instance runs in a process group of its own, so
 * stopping it stops everything it started. Each daemon session also runs a {@link Reaper} that kills
 * those groups if the host JVM dies, and each instance carries {@code TASKDAEMON_DAEMON} and {@code
 * TASKDAEMON_OWNER} in its environment, so that the next start of a daemon of the same name can find
 * and stop survivors whose host is provably gone.
 */
public final class ProcessRuntime implements HandlerRuntime {
  public static final String NAME = "process";
  static final String ENV_DAEMON = "TASKDAEMON_DAEMON";
  static final String ENV_OWNER = "TASKDAEMON_OWNER";
  private static final Logger LOG = LoggerFactory.getLogger(ProcessRuntime.class);
  private static final String SETSID = findSetsid();
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
    if (SETSID != null) {
      Reaper r = Reaper.start(context.daemon());
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
    Path dir = spec.workdir() != null ? spec.workdir() : spec.baseDir();
    List<String> command = new ArrayList<>(spec.command());
    ProcessBuilder pb = new ProcessBuilder();
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    pb.environment().putAll(spec.env());
    pb.environment().put("TASKDAEMON_HANDLER", spec.name());
    pb.environment().put("TASKDAEMON_INSTANCE", instance.name());
    pb.environment().put(ENV_DAEMON, instance.daemon());
    pb.environment().put(ENV_OWNER, OWNER);
    Reaper reaper = reapers.get(instance.session());
    boolean group = SETSID != null;
    if (group) {
      // setsid execs the command in the same process (its pid is ours), in a new session and group.
      // A missing program would then surface as an exit code, not an exception: it is checked first.
      command.add(0, SETSID);
    }
    pb.command(command);
    Process process;
    try {
      if (group) {
        checkRunnable(spec.command().get(0), pb.environment().get("PATH"), dir);
      }
      process = pb.start();
    } catch (IOException e) {
      throw new IOException("cannot run command " + spec.command() + (dir != null ? " in " + dir : "") + ": "
          + e.getMessage(), e);
    }
    if (group && reaper != null) {
      reaper.add(process.pid());
    }
    return new LocalProcess(process, group, reaper);
  }

  private static void checkRunnable(String program, String path, Path dir) throws IOException {
    String where = dir != null ? " (in directory \"" + dir + "\")" : "";
    // The same words as the JDK's own failure, as if the program had been started directly.
    String cannot = "Cannot run program \"" + program + "\"" + where;
    if (program.contains("/")) {
      Path p = dir != null ? dir.resolve(program) : Path.of(program);
      if (!Files.exists(p)) {
        throw new IOException(cannot + ": error=2, No such file or directory");
      }
      if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
        throw new IOException(cannot + ": error=13, Permission denied");
      }
      return;
    }
    if (path != null) {
      for (String d : path.split(File.pathSeparator)) {
        Path p = Path.of(d.isEmpty() ? "." : d).resolve(program);
        if (Files.isRegularFile(p) && Files.isExecutable(p)) {
          return;
        }
      }
    }
    throw new IOException(cannot + ": error=2, No such file or directory");
  }

  private static String findSetsid() {
    if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
      return null;
    }
    for (String p : new String[] {"/usr/bin/setsid", "/bin/setsid"}) {
      if (Files.isExecutable(Path.of(p))) {
        return p;
      }
    }
    return null;
  }

  /** A started local process. */
  static final class LocalProcess implements HandlerProcess {
    private final Process process;
    private final boolean group;
    private final Reaper reaper;

    LocalProcess(Process process, boolean group, Reaper reaper) {
      this.process = process;
      this.group = group;
      this.reaper = reaper;
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
      // Everything the handler started goes with it: its process group (it may already have exited,
      // leaving a child that holds its stdout) and, where there are no groups, the descendants known now.
      List<ProcessHandle> children = new ArrayList<>();
      process.descendants().forEach(children::add);
      process.destroyForcibly();
      children.forEach(ProcessHandle::destroyForcibly);
      if (group) {
        ProcessTree.killGroup(process.pid());
      }
      try {
        process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (group && reaper != null && ProcessTree.groupMembers(process.pid()).isEmpty()) {
        reaper.remove(process.pid());
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

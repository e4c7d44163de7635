package dev.taskdaemon.internal;

import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.spi.HandlerProcess;
import dev.taskdaemon.spi.HandlerRuntime;
import dev.taskdaemon.spi.InstanceInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The {@code process} runtime: each instance is a local command started with {@link ProcessBuilder}. */
public final class ProcessRuntime implements HandlerRuntime {
  public static final String NAME = "process";

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
  public HandlerProcess launch(HandlerSpec spec, InstanceInfo instance) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(spec.command());
    Path dir = spec.workdir() != null ? spec.workdir() : spec.baseDir();
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    pb.environment().putAll(spec.env());
    pb.environment().put("TASKDAEMON_HANDLER", spec.name());
    pb.environment().put("TASKDAEMON_INSTANCE", instance.name());
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new IOException("cannot run command " + spec.command()
          + (dir != null ? " in " + dir : "") + ": " + e.getMessage(), e);
    }
    return new LocalProcess(process);
  }

  /** A started local process. */
  static final class LocalProcess implements HandlerProcess {
    private final Process process;

    LocalProcess(Process process) {
      this.process = process;
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
      // Kill the children first: a shell wrapper's child would otherwise keep stdout open after the
      // wrapper is gone, and the reader would never see EOF.
      List<ProcessHandle> children = new ArrayList<>();
      process.descendants().forEach(children::add);
      process.destroyForcibly();
      children.forEach(ProcessHandle::destroyForcibly);
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

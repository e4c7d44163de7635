package dev.taskdaemon.benchmarks.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The docker baselines, through the {@code docker} CLI exactly as a user would type it: a warm
 * {@code docker run -i} loop, and one {@code docker run --rm} per task. Every container carries the
 * label {@code dev.taskdaemon.benchmark=<run id>}, and only containers with this run's label are
 * ever removed.
 */
final class Docker {
  static final String IMAGE = "taskdaemon-bench/echo:latest";
  static final String LABEL = "dev.taskdaemon.benchmark";
  private static final Duration CLI_BOUND = Duration.ofMinutes(2);

  private final String runId;

  Docker(String runId) {
    this.runId = runId;
  }

  /** The engine's version, or {@code null} with the reason in {@code why[0]} when none answers. */
  static String serverVersion(String[] why) throws InterruptedException {
    List<String> cmd = List.of("docker", "version", "--format", "{{.Server.Version}}");
    Commands.Outcome o = Commands.run(cmd, null, Map.of(), Duration.ofSeconds(20));
    if (!o.ok()) {
      why[0] = "no Docker engine answers (" + o.failure(cmd) + "); start one with scripts/docker-engine.sh"
          + " and export the DOCKER_HOST it prints";
      return null;
    }
    return o.output().strip();
  }

  /** Builds a FROM-scratch image holding only the static echo handler. */
  static void buildImage(Path binary, Path workDir) throws IOException, InterruptedException {
    Path ctx = workDir.resolve("docker-context");
    Files.createDirectories(ctx);
    Files.copy(binary, ctx.resolve("echo-handler"), StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nCOPY echo-handler /echo-handler\n"
        + "ENTRYPOINT [\"/echo-handler\"]\n");
    List<String> cmd = List.of("docker", "build", "-q", "-t", IMAGE, ctx.toString());
    // The classic builder: BuildKit is not installed on the project's machines.
    Commands.Outcome o = Commands.run(cmd, ctx, Map.of("DOCKER_BUILDKIT", "0"), CLI_BOUND);
    if (!o.ok()) {
      throw new IOException("cannot build the benchmark image: " + o.failure(cmd));
    }
  }

  /** {@code docker run -i} arguments shared by both baselines; {@code name} may be null. */
  private List<String> run(String name) {
    List<String> cmd = new ArrayList<>(List.of("docker", "run", "-i", "--rm", "--network", "none",
        "--label", LABEL + "=" + runId));
    if (name != null) {
      cmd.addAll(List.of("--name", name));
    }
    cmd.add(IMAGE);
    return cmd;
  }

  /** {@code n} warm containers, each driven by a {@link RawLine} over its {@code docker run -i} client. */
  Warm warm(int n) throws IOException {
    return new Warm(n);
  }

  /** The raw-docker baseline: a {@link RawPipe} whose processes are {@code docker run -i} clients. */
  final class Warm implements AutoCloseable {
    private final RawPipe pipe;

    Warm(int n) throws IOException {
      RawPipe p;
      try {
        // Containers exit on EOF and --rm removes them; give the engine time before the kill.
        p = new RawPipe(i -> run("td-bench-" + runId + "-" + i), n, 20);
      } catch (IOException | RuntimeException e) {
        removeLeftovers();
        throw e;
      }
      pipe = p;
    }

    /** One round trip on each container, so that container start is not timed as load. */
    void prime(byte[] request, byte[] expected) throws IOException {
      pipe.prime(request, expected);
    }

    Load.Op op(byte[] request, byte[] expected) {
      return pipe.op(request, expected);
    }

    /** EOF to each container, then this run's leftovers by label. */
    @Override
    public void close() {
      pipe.close();
      removeLeftovers();
    }
  }

  /** One task in a container of its own: start, answer, exit, remove. */
  Load.Op perTask(byte[] request, byte[] expected) {
    List<String> cmd = run(null);
    return () -> {
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      try {
        try (OutputStream in = p.getOutputStream()) {
          in.write(request);
        }
        byte[] answer;
        try (InputStream out = p.getInputStream()) {
          answer = out.readAllBytes();
        }
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
          throw new IOException("docker run did not exit within 2 minutes");
        }
        int len = answer.length > 0 && answer[answer.length - 1] == '\n' ? answer.length - 1 : answer.length;
        if (p.exitValue() != 0 || !Arrays.equals(answer, 0, len, expected, 0, expected.length)) {
          throw new IOException("docker run exited with " + p.exitValue() + " and answered " + len + " bytes, expected "
              + expected.length);
        }
      } finally {
        if (p.isAlive()) {
          p.destroyForcibly();
        }
      }
    };
  }

  /** Removes containers that carry this run's label (and only those). */
  void removeLeftovers() {
    try {
      List<String> ps = List.of("docker", "ps", "-aq", "--filter", "label=" + LABEL + "=" + runId);
      Commands.Outcome o = Commands.run(ps, null, Map.of(), CLI_BOUND);
      List<String> ids = new ArrayList<>();
      for (String id : o.output().split("\\s+")) {
        if (!id.isBlank()) {
          ids.add(id);
        }
      }
      if (!ids.isEmpty()) {
        List<String> rm = new ArrayList<>(List.of("docker", "rm", "-f"));
        rm.addAll(ids);
        Commands.run(rm, null, Map.of(), CLI_BOUND);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

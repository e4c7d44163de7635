package dev.taskdaemon.docker.internal;

import dev.taskdaemon.spi.HandlerProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One container, seen through the {@code docker run -i} client process that is attached to it.
 * The streams are the client's; stopping and killing go to the container by name, because killing
 * the client alone leaves the container running.
 */
public final class ContainerProcess implements HandlerProcess {
  private static final Logger LOG = LoggerFactory.getLogger(ContainerProcess.class);
  /** {@code docker stop} gives the handler this long after SIGTERM before the engine kills it. */
  static final int STOP_SECONDS = 10;
  private static final Duration STOP_BOUND = Duration.ofSeconds(STOP_SECONDS + 10);
  private static final Duration DOCKER_KILL_BOUND = Duration.ofSeconds(5);
  private static final Duration REMOVE_BOUND = Duration.ofSeconds(10);
  /** How long an exit is explained from the engine's events before giving up. */
  private static final Duration EVENTS_WAIT = Duration.ofSeconds(3);

  private final DockerCli cli;
  private final Endpoint engine;
  private final String name;
  private final Process client;
  private final String memoryLimit;
  private final Instant launched;
  private final CompletableFuture<Integer> exit;
  private final KillOnce killing = new KillOnce();
  private volatile Path envFile;

  public ContainerProcess(DockerCli cli, Endpoint engine, String name, Process client, String memoryLimit,
      Instant launched, Path envFile) {
    this.cli = cli;
    this.engine = engine;
    this.name = name;
    this.client = client;
    this.memoryLimit = memoryLimit;
    this.launched = launched;
    this.envFile = envFile;
    this.exit = client.onExit().thenApply(Process::exitValue);
    exit.whenComplete((code, err) -> {
      deleteEnvFile();
      // The client can die while its container runs on (someone killed the client): make sure the
      // container goes too. A clean exit needs no call: the container ended and --rm removed it.
      if (code != null && code != 0 && !killing.started()) {
        background("remove", () -> remove(REMOVE_BOUND));
      }
    });
    if (envFile != null) {
      background("env-file", this::deleteEnvFileOnceCreated);
    }
  }

  /** The container's name. */
  public String name() {
    return name;
  }

  @Override
  public OutputStream stdin() {
    return client.getOutputStream();
  }

  @Override
  public InputStream stdout() {
    return client.getInputStream();
  }

  @Override
  public InputStream stderr() {
    return client.getErrorStream();
  }

  @Override
  public CompletableFuture<Integer> onExit() {
    return exit;
  }

  @Override
  public void terminate() {
    background("stop", () -> {
      try {
        cli.run(engine, STOP_BOUND, "stop", "-t", Integer.toString(STOP_SECONDS), name);
      } catch (IOException e) {
        LOG.debug("container {}: docker stop failed: {}", name, e.toString());
      }
    });
  }

  /**
   * {@code docker kill}, then {@code docker rm -f} (which also covers a container that was still
   * being created), then the client process. Safe to call many times and from many threads: later
   * calls wait for the first, within their own bound.
   */
  @Override
  public void kill(Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    killing.run(bound, () -> {
      try {
        stopContainer(deadline);
        remove(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      } finally {
        client.destroyForcibly();
        awaitClient(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        deleteEnvFile();
      }
    });
  }

  /**
   * Kills the container, also when the client has not got it created or started yet: killing the
   * client then would let a create request already on its way leave a container behind, so this
   * retries until the container can be killed or removed, or the client has ended by itself.
   */
  private void stopContainer(long deadline) {
    while (client.isAlive() && System.nanoTime() < deadline) {
      try {
        if (cli.run(engine, min(DOCKER_KILL_BOUND, deadline), "kill", name).ok()) {
          // With --rm the client exits only once the engine has removed the container.
          awaitClient(min(DOCKER_KILL_BOUND, deadline));
          return;
        }
        // Not running: created but not started (rm -f takes it away, and the client's start fails),
        // or not created yet (wait for it).
        // With -f a missing container is no error: only the name on stdout says one was removed.
        DockerCli.Outcome rm = cli.run(engine, min(DOCKER_KILL_BOUND, deadline), "rm", "-f", name);
        if (rm.ok() && !rm.lines().isEmpty()) {
          awaitClient(min(DOCKER_KILL_BOUND, deadline));
          return;
        }
      } catch (IOException e) {
        LOG.debug("container {}: docker kill failed: {}", name, e.toString());
        return;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  private void awaitClient(Duration bound) {
    try {
      client.waitFor(Math.max(1, bound.toMillis()), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@code docker rm -f}, and when the engine is already removing it, waits (bounded) until it is gone. */
  private void remove(Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    if (bound.isZero()) {
      return;
    }
    try {
      DockerCli.Outcome r = cli.run(engine, bound, "rm", "-f", name);
      if (r.ok() || isGone(r)) {
        return;
      }
      if (!r.err().contains("already in progress")) {
        LOG.warn("container {} on {}: docker rm -f failed: {}", name, engine, r.reason());
        return;
      }
      while (System.nanoTime() < deadline) {
        DockerCli.Outcome i = cli.run(engine, min(DOCKER_KILL_BOUND, deadline), "container", "inspect",
            "--format", "{{.Id}}", name);
        if (isGone(i)) {
          return;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
      LOG.warn("container {} on {}: still being removed after {}", name, engine, bound);
    } catch (IOException e) {
      LOG.warn("container {}: docker rm -f failed: {}", name, e.toString());
    }
  }

  private static boolean isGone(DockerCli.Outcome r) {
    return !r.ok() && !r.timedOut() && r.err().toLowerCase(java.util.Locale.ROOT).contains("no such");
  }

  @Override
  public String describeExit(int exitCode) {
    return ExitReasons.describe(exitCode, killing.started(), memoryLimit, this::killCause);
  }

  /** Asks the engine's event log why the container died; bounded, since the events come a moment late. */
  private ExitReasons.KillCause killCause() {
    long deadline = System.nanoTime() + EVENTS_WAIT.toNanos();
    String since = epoch(launched.minusSeconds(2));
    while (true) {
      DockerCli.Outcome r;
      try {
        r = cli.run(engine, EVENTS_WAIT, List.of("events", "--since", since, "--until", epoch(Instant.now()),
            "--filter", "container=" + name, "--filter", "event=oom", "--filter", "event=kill",
            "--filter", "event=die", "--format", "{{.Status}}"), Map.of());
      } catch (IOException e) {
        return ExitReasons.KillCause.UNKNOWN;
      }
      if (!r.ok()) {
        return ExitReasons.KillCause.UNKNOWN;
      }
      ExitReasons.KillCause c = ExitReasons.fromEvents(r.lines());
      if (c != null) {
        return c;
      }
      if (System.nanoTime() > deadline) {
        return ExitReasons.KillCause.UNKNOWN;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  @Override
  public String describe() {
    return "container " + name + (engine.host() != null ? " on " + engine.host() : "");
  }

  private void deleteEnvFileOnceCreated() {
    // The CLI reads --env-file before it asks the engine to create the container, so once the
    // container exists the file has served; until then keep it (bounded).
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (envFile != null && client.isAlive() && System.nanoTime() < deadline) {
      try {
        if (cli.run(engine, Duration.ofSeconds(10), "container", "inspect", "--format", "{{.Id}}", name).ok()) {
          break;
        }
      } catch (IOException e) {
        break;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
    deleteEnvFile();
  }

  private void deleteEnvFile() {
    Path f = envFile;
    envFile = null;
    if (f != null) {
      try {
        Files.deleteIfExists(f);
        Files.deleteIfExists(f.getParent());
      } catch (IOException e) {
        LOG.warn("could not delete the env-file {} of container {}: {}", f, name, e.toString());
      }
    }
  }

  private void background(String what, Runnable r) {
    Thread t = new Thread(r, "td-docker-" + what + "-" + name);
    t.setDaemon(true);
    t.start();
  }

  private static Duration min(Duration d, long deadlineNanos) {
    long left = Math.max(0, deadlineNanos - System.nanoTime());
    return Duration.ofNanos(Math.min(d.toNanos(), left));
  }

  static String epoch(Instant i) {
    return i.getEpochSecond() + "." + String.format(java.util.Locale.ROOT, "%09d", i.getNano());
  }
}

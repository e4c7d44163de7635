package dev.taskdaemon.docker;

import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.HandlerStartException;
import dev.taskdaemon.docker.internal.ApiContainerProcess;
import dev.taskdaemon.docker.internal.ContainerProcess;
import dev.taskdaemon.docker.internal.DockerCli;
import dev.taskdaemon.docker.internal.DockerOptions;
import dev.taskdaemon.docker.internal.Endpoint;
import dev.taskdaemon.docker.internal.EngineApi;
import dev.taskdaemon.docker.internal.Owner;
import dev.taskdaemon.docker.internal.RunCommand;
import dev.taskdaemon.docker.internal.Sessions;
import dev.taskdaemon.spi.HandlerProcess;
import dev.taskdaemon.spi.HandlerRuntime;
import dev.taskdaemon.spi.InstanceInfo;
import dev.taskdaemon.spi.RuntimeContext;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code docker} runtime: each instance is a container whose stdin and stdout carry the
 * protocol, reached through the engine's HTTP API on its Unix socket (the {@code api} transport, no
 * process per container) or through a {@code docker run -i} client process (the {@code cli}
 * transport), as the handler's {@code docker_transport} says ({@code auto}: the API where no setting
 * needs the CLI). It is the runtime of every handler that has an {@code image}. Found through {@link java.util.ServiceLoader} when {@code taskdaemon-docker} is on the
 * class path; register one explicitly to choose the CLI:
 *
 * <pre>{@code
 * TaskDaemon daemon = TaskDaemon.builder()
 *     .runtime(new DockerRuntime("/usr/bin/podman"))
 *     .fromToml(Path.of("handlers.toml"))
 *     .start();
 * }</pre>
 *
 * <p>Containers run with {@code --rm --init --cap-drop ALL --security-opt no-new-privileges}, carry
 * labels naming the daemon, handler, instance and session, and are stopped by name. Environment
 * values reach the container in the API's create request, or through the CLI process's environment
 * ({@code -e NAME}), never a command line. At {@code start()} the runtime checks the CLI, every engine and every image, and
 * removes containers that earlier sessions of the same daemon left when their process died.
 *
 * <p>Thread-safe; one instance may serve several daemons at once.
 */
public final class DockerRuntime implements HandlerRuntime {
  /** The runtime's name, as handlers write it in {@code runtime = "docker"}. */
  public static final String NAME = "docker";
  /** The environment variable that names the CLI when the no-argument constructor is used. */
  public static final String EXECUTABLE_ENV = "TASKDAEMON_DOCKER";

  private static final Logger LOG = LoggerFactory.getLogger(DockerRuntime.class);
  private static final Duration CHECK_BOUND = Duration.ofSeconds(20);
  private static final Duration PULL_BOUND = Duration.ofMinutes(10);
  /** Listing and removing a session's containers, per engine, in parallel. */
  private static final Duration CLEANUP_BOUND = Duration.ofSeconds(60);

  private final DockerCli cli;
  /** Whether the CLI was named (constructor or {@code TASKDAEMON_DOCKER}): {@code auto} then keeps to it. */
  private final boolean cliNamed;
  private final Map<String, Session> open = new ConcurrentHashMap<>();
  private final Map<String, EngineApi> apis = new ConcurrentHashMap<>();

  /**
   * Uses the CLI named by {@code TASKDAEMON_DOCKER}, or else {@code docker} from the {@code PATH},
   * for handlers on the {@code cli} transport.
   */
  public DockerRuntime() {
    this(defaultExecutable(), System.getenv(EXECUTABLE_ENV) != null && !System.getenv(EXECUTABLE_ENV).isBlank());
  }

  /**
   * Uses the given CLI: a path, or a name looked up on the {@code PATH}. Any CLI that accepts
   * {@code docker}'s commands and flags works, e.g. Podman's.
   */
  public DockerRuntime(String executable) {
    this(executable, true);
  }

  private DockerRuntime(String executable, boolean named) {
    Objects.requireNonNull(executable, "executable");
    if (executable.isBlank()) {
      throw new IllegalArgumentException("the docker executable must not be blank");
    }
    this.cli = new DockerCli(executable);
    this.cliNamed = named;
  }

  /**
   * Whether a handler's instances use the Engine API ({@code docker_transport}, where {@code auto}
   * means the API for a {@code unix://} engine, or the default socket, when no setting needs the CLI
   * and no CLI was named for this runtime).
   */
  public boolean usesApi(HandlerSpec spec) {
    return DockerOptions.read(spec, new ArrayList<>()).useApi(cliNamed);
  }

  private EngineApi api(Endpoint engine) {
    String address = engine.apiAddress();
    return apis.computeIfAbsent(address, a -> new EngineApi(Path.of(a.substring("unix://".length())), a));
  }

  /** The admin calls for an engine, through the transport its handlers use. */
  private Sessions.Admin admin(Endpoint engine, boolean viaApi) {
    return viaApi ? Sessions.api(api(engine), engine) : Sessions.cli(cli, engine);
  }

  private static String defaultExecutable() {
    String e = System.getenv(EXECUTABLE_ENV);
    return e == null || e.isBlank() ? "docker" : e;
  }

  /** The CLI this runtime runs. */
  public String executable() {
    return cli.executable();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> optionKeys() {
    return DockerOptions.KEYS;
  }

  @Override
  public List<ConfigProblem> validate(HandlerSpec spec) {
    List<ConfigProblem> problems = new ArrayList<>();
    DockerOptions.read(spec, problems);
    return problems;
  }

  /**
   * Checks, for every engine the handlers use: that the CLI runs, that the engine answers, that
   * each image is there (pulling it as {@code pull} says); removes containers left by dead earlier
   * sessions of this daemon; and registers a JVM shutdown hook that removes this session's
   * containers.
   */
  @Override
  public void open(RuntimeContext context, List<HandlerSpec> handlers) {
    // One engine may be reached both ways when handlers differ in docker_transport: check each way.
    Map<List<Object>, String> ways = new LinkedHashMap<>();
    Map<Endpoint, Boolean> engines = new LinkedHashMap<>();
    Map<HandlerSpec, DockerOptions> options = new LinkedHashMap<>();
    for (HandlerSpec h : handlers) {
      DockerOptions o = DockerOptions.read(h, new ArrayList<>());
      options.put(h, o);
      boolean viaApi = o.useApi(cliNamed);
      ways.putIfAbsent(List.of(o.endpoint(), viaApi), h.name());
      engines.merge(o.endpoint(), viaApi, (a, b) -> a || b);
    }
    for (Map.Entry<List<Object>, String> e : ways.entrySet()) {
      Endpoint engine = (Endpoint) e.getKey().get(0);
      if ((Boolean) e.getKey().get(1)) {
        checkEngineApi(engine, e.getValue());
      } else {
        checkEngine(engine, e.getValue());
      }
    }
    Session session = new Session(context, engines);
    open.put(context.session(), session);
    Runtime.getRuntime().addShutdownHook(session.hook);
    for (Map.Entry<Endpoint, Boolean> e : engines.entrySet()) {
      try {
        Sessions.reap(admin(e.getKey(), e.getValue()), e.getKey(), context.daemon(), Owner.current());
      } catch (IOException | RuntimeException ex) {
        LOG.warn("daemon '{}': could not look for leftover containers on {}: {}", context.daemon(), e.getKey(),
            ex.toString());
      }
    }
    Set<List<Object>> checked = new HashSet<>();
    for (Map.Entry<HandlerSpec, DockerOptions> e : options.entrySet()) {
      HandlerSpec h = e.getKey();
      DockerOptions o = e.getValue();
      boolean viaApi = o.useApi(cliNamed);
      if (checked.add(List.of(o.endpoint(), h.image(), o.pull(), viaApi))) {
        checkImage(o.endpoint(), h, o.pull(), viaApi);
      }
    }
  }

  private void checkEngine(Endpoint engine, String handler) {
    DockerCli.Outcome r;
    try {
      r = cli.run(engine, CHECK_BOUND, "version", "--format", "{{.Server.Version}}");
    } catch (IOException e) {
      throw new HandlerStartException(handler, "cannot run the docker CLI \"" + cli.executable() + "\" (handler '"
          + handler + "'): " + sentence(cause(e)) + " Install Docker (or a compatible CLI such as Podman), or name the"
          + " executable in " + EXECUTABLE_ENV + " or with new DockerRuntime(\"/path/to/docker\")", e);
    }
    if (!r.ok()) {
      throw unreachable(engine, handler, r.timedOut() ? "no answer within " + CHECK_BOUND.toSeconds() + "s"
          : r.reason(), null);
    }
  }

  private void checkEngineApi(Endpoint engine, String handler) {
    try {
      api(engine).negotiate(CHECK_BOUND);
    } catch (EngineApi.UnsupportedVersion e) {
      throw new HandlerStartException(handler, sentence(e.getMessage()) + " Upgrade the engine, or set"
          + " docker_transport = \"cli\" for handler '" + handler + "'", e);
    } catch (IOException e) {
      throw unreachable(engine, handler, e.getMessage(), e);
    }
  }

  private static HandlerStartException unreachable(Endpoint engine, String handler, String why, Throwable cause) {
    return new HandlerStartException(handler, "cannot reach the Docker engine at " + engine.describe()
        + " (handler '" + handler + "'): " + sentence(why) + " Start the engine, or point DOCKER_HOST (or the"
        + " handler's docker_host) at a running one", cause);
  }

  private void checkImage(Endpoint engine, HandlerSpec h, DockerOptions.Pull pull, boolean viaApi) {
    String image = h.image();
    boolean present;
    try {
      present = pull != DockerOptions.Pull.ALWAYS && (viaApi ? api(engine).hasImage(image, CHECK_BOUND)
          : cli.run(engine, CHECK_BOUND, "image", "inspect", "--format", "{{.Id}}", image).ok());
      if (present) {
        return;
      }
      if (pull == DockerOptions.Pull.NEVER) {
        throw new HandlerStartException(h.name(), "image \"" + image + "\" (handler '" + h.name()
            + "') is not on the Docker engine at " + engine.describe() + ", and pull = \"never\" forbids pulling"
            + " it. Build or pull it there first (docker build -t " + image + " ..., or docker pull " + image
            + "), or set pull = \"missing\"");
      }
      LOG.info("handler '{}': pulling image {} on {}", h.name(), image, engine);
      String failed;
      if (viaApi) {
        failed = api(engine).pull(image, PULL_BOUND);
      } else {
        DockerCli.Outcome r = cli.run(engine, PULL_BOUND, "pull", "--quiet", image);
        failed = r.ok() ? null : r.timedOut() ? "the pull took longer than " + PULL_BOUND.toMinutes() + " minutes"
            : r.reason();
      }
      if (failed != null) {
        throw new HandlerStartException(h.name(), "image \"" + image + "\" (handler '" + h.name() + "') "
            + (pull == DockerOptions.Pull.ALWAYS ? "could not be pulled" : "is not on the Docker engine at "
                + engine.describe() + " and could not be pulled")
            + ": " + sentence(failed) + " Check the image name and the registry login, or build the image on that"
            + " engine (docker build -t " + image + " ...) and set pull = \"never\"");
      }
    } catch (IOException e) {
      if (viaApi) {
        throw unreachable(engine, h.name(), e.getMessage(), e);
      }
      throw new HandlerStartException(h.name(), "cannot run the docker CLI \"" + cli.executable() + "\" (handler '"
          + h.name() + "'): " + cause(e), e);
    }
  }

  /** Ends a message taken from elsewhere as a sentence, so that advice can follow it. */
  private static String sentence(String s) {
    return s.endsWith(".") || s.endsWith("?") || s.endsWith("!") ? s : s + ".";
  }

  private static String cause(IOException e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    // "Cannot run program "x": error=2, No such file or directory" -> the part that explains
    int i = m.indexOf("error=");
    if (i >= 0 && m.indexOf(", ", i) > 0) {
      return m.substring(m.indexOf(", ", i) + 2);
    }
    return m;
  }

  @Override
  public HandlerProcess launch(HandlerSpec spec, InstanceInfo instance) throws IOException {
    List<ConfigProblem> problems = new ArrayList<>();
    DockerOptions o = DockerOptions.read(spec, problems);
    if (!problems.isEmpty()) {
      throw new IOException("handler '" + spec.name() + "' has invalid docker settings: " + problems);
    }
    String name = RunCommand.containerName(instance);
    if (o.useApi(cliNamed)) {
      try {
        return ApiContainerProcess.launch(api(o.endpoint()), o.endpoint(), name,
            RunCommand.createConfig(spec, o, instance, Owner.current()), spec.memoryLimit());
      } catch (IOException e) {
        throw new IOException("container " + name + " (image " + spec.image() + "): " + e.getMessage(), e);
      }
    }
    Map<String, String> env = RunCommand.containerEnv(spec, instance);
    Map<String, String> viaFile = new LinkedHashMap<>();
    Map<String, String> viaClient = new LinkedHashMap<>();
    env.forEach((k, v) -> (DockerOptions.clientReads(k) ? viaFile : viaClient).put(k, v));
    Path envFile = viaFile.isEmpty() ? null : writeEnvFile(viaFile);
    List<String> args = RunCommand.arguments(spec, o, instance, Owner.current(), envFile);
    ProcessBuilder pb = cli.builder(o.endpoint(), args);
    pb.environment().putAll(viaClient);
    Instant launched = Instant.now();
    Process client;
    try {
      client = pb.start();
    } catch (IOException e) {
      deleteQuietly(envFile);
      throw new IOException("cannot run the docker CLI \"" + cli.executable() + "\" for container " + name
          + " (image " + spec.image() + "): " + cause(e), e);
    }
    return new ContainerProcess(cli, o.endpoint(), name, client, spec.memoryLimit(), launched, envFile);
  }

  /** Writes pairs to a file only this user can read, in a directory only this user can enter. */
  private static Path writeEnvFile(Map<String, String> pairs) throws IOException {
    Path dir = Files.createTempDirectory("taskdaemon-env-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path f = Files.createFile(dir.resolve("env"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (Writer w = Files.newBufferedWriter(f, StandardCharsets.UTF_8)) {
      for (Map.Entry<String, String> e : pairs.entrySet()) {
        w.write(e.getKey() + "=" + e.getValue() + "\n");
      }
    }
    return f;
  }

  private static void deleteQuietly(Path envFile) {
    if (envFile != null) {
      try {
        Files.deleteIfExists(envFile);
        Files.deleteIfExists(envFile.getParent());
      } catch (IOException ignored) {
        // a temp file with nothing in it that outlives us is no leak of substance
      }
    }
  }

  /** Removes whatever containers of this session are left, on every engine it used. */
  @Override
  public void close(RuntimeContext context) {
    Session s = open.remove(context.session());
    if (s == null) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(s.hook);
    } catch (IllegalStateException ignored) {
      // the JVM is shutting down: the hook runs anyway and does the same
    }
    s.removeAll();
  }

  /** One daemon's use of this runtime: its engines, and the hook that cleans up if the JVM exits. */
  private final class Session {
    final RuntimeContext context;
    final Map<Endpoint, Boolean> engines;
    final Thread hook;

    Session(RuntimeContext context, Map<Endpoint, Boolean> engines) {
      this.context = context;
      this.engines = Map.copyOf(engines);
      this.hook = new Thread(this::removeAll, "td-" + context.daemon() + "-docker-cleanup");
    }

    void removeAll() {
      List<Thread> workers = new ArrayList<>();
      for (Map.Entry<Endpoint, Boolean> way : engines.entrySet()) {
        Endpoint engine = way.getKey();
        Sessions.Admin admin = admin(engine, way.getValue());
        Thread t = new Thread(() -> {
          try {
            int n = Sessions.removeSession(admin, engine, context);
            if (n > 0) {
              LOG.info("daemon '{}': removed {} container(s) of session {} on {}", context.daemon(), n,
                  context.session(), engine);
            }
          } catch (IOException | RuntimeException e) {
            LOG.warn("daemon '{}': could not remove the containers of session {} on {}: {}", context.daemon(),
                context.session(), engine, e.toString());
          }
        }, "td-" + context.daemon() + "-docker-cleanup-" + workers.size());
        t.setDaemon(true);
        t.start();
        workers.add(t);
      }
      long deadline = System.nanoTime() + CLEANUP_BOUND.toNanos();
      for (Thread t : workers) {
        try {
          t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}

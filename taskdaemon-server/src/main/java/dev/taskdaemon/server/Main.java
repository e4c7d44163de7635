package dev.taskdaemon.server;

import dev.taskdaemon.ConfigException;
import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskDaemonException;
import dev.taskdaemon.server.internal.SigTerm;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar taskdaemon-server.jar}: the original daemon's replacement. Reads the handlers of
 * {@code HANDLER_CONFIG} (default {@code ./handlers.toml}) and the {@code DAEMON_*} environment, logs
 * the effective configuration (secrets masked), serves the HTTP API, and on SIGTERM stops taking
 * requests, drains (6 s unless {@code drain_timeout} says otherwise), and exits 0.
 *
 * <p>Exit codes: 0 after a signal and a drain; 2 for a configuration problem (each named in the log);
 * 1 when the handlers or the listener cannot start.
 */
public final class Main {
  /**
   * The daemon's drain on SIGTERM unless the file's {@code drain_timeout} says otherwise. With the
   * HTTP grace (1 s) and {@link #DEFAULT_STOP_GRACE} the whole stop fits inside {@code docker stop}'s
   * 10 s, so the server, not a SIGKILL, ends its instances.
   */
  public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(6);
  /** How long an instance may take to exit after its stdin closes, unless the file says otherwise. */
  public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(2);

  private Main() {}

  /** Starts the server; returns once it listens (the HTTP threads keep the JVM running). */
  public static void main(String[] args) {
    if (args.length > 0) {
      System.err.println("usage: java -jar taskdaemon-server.jar   (configured by HANDLER_CONFIG and DAEMON_*"
          + " environment variables; see docs/server.md)");
      System.exit("--help".equals(args[0]) || "-h".equals(args[0]) ? 0 : 2);
    }
    Map<String, String> env = System.getenv();
    ServerSettings settings;
    try {
      settings = ServerSettings.fromEnvironment(env);
    } catch (ConfigException e) {
      System.err.println("taskdaemon-server: " + e.getMessage());
      System.exit(2);
      return;
    }
    // Before the first logger exists: slf4j-simple reads its settings once. Set here rather than in a
    // simplelogger.properties so that a host embedding TaskDaemonServer keeps its own; -D flags win.
    logDefault("defaultLogLevel", settings.logLevel());
    logDefault("showDateTime", "true");
    logDefault("dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
    logDefault("showShortLogName", "true");
    Logger log = LoggerFactory.getLogger(Main.class);
    // First, so that a SIGTERM while the handlers start still ends in an orderly stop and exit 0.
    Running running = new Running();
    SigTerm.onTerm(running::stop);
    Path config = Path.of(env.getOrDefault("HANDLER_CONFIG", "handlers.toml"));
    TaskDaemon.Builder builder = TaskDaemon.builder().drainTimeout(DEFAULT_DRAIN).stopGrace(DEFAULT_STOP_GRACE)
        .fromToml(config)
        .fromEnvironment(env);
    log.info("effective configuration: {}", describe(config, env, builder, settings));
    TaskDaemonServer server;
    try {
      server = TaskDaemonServer.start(builder, settings);
    } catch (ConfigException e) {
      log.error("{}", e.getMessage());
      System.exit(2);
      return;
    } catch (TaskDaemonException e) {
      log.error("the handlers could not start: {}", e.getMessage());
      System.exit(1);
      return;
    } catch (UncheckedIOException e) {
      log.error("{}", e.getMessage());
      System.exit(1);
      return;
    }
    running.started(server);
  }

  /**
   * What a signal stops: the server once it runs. A signal while the handlers start finds nothing to
   * drain; {@code System.exit(0)} then runs the engine's own shutdown hook, which stops the instances.
   * A server that finishes starting after the signal is closed at once.
   */
  private static final class Running {
    private TaskDaemonServer server;
    private boolean stopping;

    void started(TaskDaemonServer s) {
      boolean late;
      synchronized (this) {
        late = stopping;
        server = s;
      }
      if (late) {
        s.close();
      }
    }

    void stop() {
      TaskDaemonServer s;
      synchronized (this) {
        stopping = true;
        s = server;
      }
      if (s != null) {
        s.close();
      }
    }
  }

  private static void logDefault(String key, String value) {
    String property = "org.slf4j.simpleLogger." + key;
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }

  /** The configuration for the start-up log line; the token is masked, handler env values left out. */
  static String describe(Path config, Map<String, String> env, TaskDaemon.Builder builder, ServerSettings s) {
    StringJoiner out = new StringJoiner("; ");
    out.add("HANDLER_CONFIG=" + config.toAbsolutePath().normalize());
    List<String> vars = new ArrayList<>();
    new TreeMap<>(env).forEach((k, v) -> {
      if (k.startsWith("DAEMON_")) {
        vars.add(k + "=" + (k.contains("TOKEN") || k.contains("PASSWORD") || k.contains("SECRET") ? "****" : v));
      }
    });
    out.add("environment " + (vars.isEmpty() ? "(no DAEMON_* variables)" : String.join(", ", vars)));
    StringJoiner daemon = new StringJoiner(", ", "[daemon] ", "");
    builder.daemonSettings().forEach((k, v) -> daemon.add(k + "=" + render(v)));
    out.add(daemon.toString());
    StringJoiner handlers = new StringJoiner(", ", "handlers ", "");
    for (HandlerSpec h : builder.handlers().values()) {
      handlers.add(h.name() + " (" + (h.image() != null ? "image " + h.image() : "command " + h.command())
          + ", " + h.instances() + " instances" + (h.env().isEmpty() ? "" : ", env " + h.env().keySet()) + ")");
    }
    out.add(handlers.toString());
    out.add("server " + s.describe());
    return out.toString();
  }

  private static String render(Object v) {
    if (v instanceof Duration d) {
      return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
    return String.valueOf(v);
  }
}

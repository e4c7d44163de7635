package dev.taskdaemon.server;

import com.sun.net.httpserver.HttpServer;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.server.internal.Api;
import dev.taskdaemon.server.internal.Metrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The original daemon's HTTP API over a {@link TaskDaemon}, on the JDK's built-in HTTP server with a
 * bounded pool of threads, with the daemon's meters ({@code taskdaemon-micrometer}, the original's
 * names included) on {@code /metrics}. The server starts the daemon and owns it: {@link #close()}
 * stops taking requests, then closes the daemon (which drains).
 *
 * <pre>{@code
 * TaskDaemon.Builder daemon = TaskDaemon.builder().fromToml(Path.of("handlers.toml")).fromEnvironment();
 * try (TaskDaemonServer server = TaskDaemonServer.start(daemon, ServerSettings.fromEnvironment(System.getenv()))) {
 *   ...
 * }
 * }</pre>
 */
public final class TaskDaemonServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TaskDaemonServer.class);
  /** Requests waiting for a thread; beyond this the accepting thread runs them itself, which slows accepting. */
  private static final int WAITING_REQUESTS = 1024;

  static {
    // The JDK server writes a response's headers and its body separately; without TCP_NODELAY the
    // body waits for the client's delayed ACK. Measured on loopback, one client, keep-alive: 48-80 ms
    // per request without it, 1.4-1.9 ms with it. Read once, when the JDK server's configuration
    // class loads; a value given with -D is kept.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final TaskDaemon daemon;
  private final Metrics metrics;
  private final HttpServer http;
  private final ThreadPoolExecutor executor;
  private final Object closeLock = new Object();
  private boolean closed;

  private TaskDaemonServer(TaskDaemon daemon, Metrics metrics, HttpServer http, ThreadPoolExecutor executor) {
    this.daemon = daemon;
    this.metrics = metrics;
    this.http = http;
    this.executor = executor;
  }

  /**
   * Starts the daemon {@code builder} describes, with the meters' listener added, and serves it as
   * {@code settings} say.
   *
   * @throws dev.taskdaemon.ConfigException listing every configuration problem
   * @throws dev.taskdaemon.HandlerStartException when instances cannot start
   * @throws UncheckedIOException when the address cannot be bound (in use, not this machine's); the
   *     daemon is closed again
   */
  public static TaskDaemonServer start(TaskDaemon.Builder builder, ServerSettings settings) {
    Metrics metrics = new Metrics();
    TaskDaemon daemon = builder.listener(metrics.listener()).start();
    try {
      return start(daemon, metrics.bind(daemon), settings);
    } catch (RuntimeException | Error e) {
      daemon.close();
      metrics.close();
      throw e;
    }
  }

  /** Serves a started daemon whose meters {@code metrics} holds (tests: several servers on one daemon). */
  static TaskDaemonServer start(TaskDaemon daemon, Metrics metrics, ServerSettings settings) {
    HttpServer http;
    try {
      http = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 256);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + settings.host() + ":" + settings.port() + " (DAEMON_HOST,"
          + " DAEMON_PORT): " + e.getMessage(), e);
    }
    AtomicInteger n = new AtomicInteger();
    // Bounded both ways: a fixed number of threads, a bounded queue, and past that the accepting
    // thread runs the request itself, which slows accepting instead of dropping a connection.
    ThreadPoolExecutor executor = new ThreadPoolExecutor(settings.httpThreads(), settings.httpThreads(), 30,
        TimeUnit.SECONDS, new ArrayBlockingQueue<>(WAITING_REQUESTS), r -> {
          Thread t = new Thread(r, "td-" + daemon.name() + "-http-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
    executor.allowCoreThreadTimeOut(true);
    http.setExecutor(executor);
    http.createContext("/", new Api(daemon, metrics, settings.maxBodyBytes(), settings.host(),
        settings.allowedHosts(), settings.apiToken()));
    http.start();
    TaskDaemonServer server = new TaskDaemonServer(daemon, metrics, http, executor);
    LOG.info("serving the HTTP API on http://{}:{}", settings.host(), server.port());
    return server;
  }

  /** The port the server listens on (the one taken when the settings said 0). */
  public int port() {
    return http.getAddress().getPort();
  }

  /** The daemon it serves. */
  public TaskDaemon daemon() {
    return daemon;
  }

  /** The meters of the daemon (tests start more servers on one daemon with them). */
  Metrics metrics() {
    return metrics;
  }

  /**
   * Stops taking requests, gives exchanges in progress {@code httpGrace} to finish, then closes the
   * daemon: queued and running tasks finish within its {@code drain_timeout}. Idempotent.
   */
  public void stop(Duration httpGrace) {
    synchronized (closeLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    int seconds = (int) Math.max(0, Math.min(Integer.MAX_VALUE, (httpGrace.toMillis() + 999) / 1000));
    http.stop(seconds);
    executor.shutdown();
    daemon.close();
    metrics.close();
    LOG.info("HTTP API stopped");
  }

  /** {@link #stop(Duration)} with {@link ServerSettings#DEFAULT_HTTP_GRACE}. */
  @Override
  public void close() {
    stop(ServerSettings.DEFAULT_HTTP_GRACE);
  }
}

package dev.taskdaemon.server;

import dev.taskdaemon.ConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What the standalone server reads from the environment itself, beside the daemon's own {@code
 * DAEMON_*} keys (which {@code TaskDaemon.Builder.fromEnvironment} applies): where it listens, how
 * large a request may be, the optional bearer token, the host names it answers to, the log level.
 * Immutable; {@link #toString()} masks the token.
 *
 * <pre>{@code
 * ServerSettings s = ServerSettings.fromEnvironment(System.getenv());
 * ServerSettings test = ServerSettings.defaults().withPort(0);   // any free port
 * }</pre>
 */
public final class ServerSettings {
  /** The default largest request body: 64 MiB. */
  public static final long DEFAULT_MAX_BODY_BYTES = 64L << 20;
  /** The default time {@link TaskDaemonServer#close()} gives HTTP exchanges in progress. */
  public static final Duration DEFAULT_HTTP_GRACE = Duration.ofSeconds(1);
  /** The default number of threads that answer HTTP requests. */
  public static final int DEFAULT_HTTP_THREADS = 32;

  private final String host;
  private final int port;
  private final String apiToken;
  private final long maxBodyBytes;
  private final List<String> allowedHosts;
  private final String logLevel;
  private final int httpThreads;

  private ServerSettings(String host, int port, String apiToken, long maxBodyBytes, List<String> allowedHosts,
      String logLevel, int httpThreads) {
    this.host = host;
    this.port = port;
    this.apiToken = apiToken;
    this.maxBodyBytes = maxBodyBytes;
    this.allowedHosts = List.copyOf(allowedHosts);
    this.logLevel = logLevel;
    this.httpThreads = httpThreads;
  }

  /** 127.0.0.1:8080, no token, 64 MiB bodies, loopback names only, level info. */
  public static ServerSettings defaults() {
    return new ServerSettings("127.0.0.1", 8080, null, DEFAULT_MAX_BODY_BYTES, List.of(), "info",
        DEFAULT_HTTP_THREADS);
  }

  /**
   * The server's variables of {@code env}: {@code DAEMON_HOST}, {@code DAEMON_PORT}, {@code
   * DAEMON_API_TOKEN}, {@code DAEMON_MAX_BODY_BYTES}, {@code DAEMON_ALLOWED_HOSTS} (comma-separated
   * names, {@code *} for any), {@code DAEMON_LOG_LEVEL}. ({@code DAEMON_WORKERS} is the daemon's
   * {@code max_in_flight}, applied by {@code TaskDaemon.Builder.fromEnvironment}.)
   *
   * @throws ConfigException naming every malformed variable and what it expects
   */
  public static ServerSettings fromEnvironment(Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    ServerSettings d = defaults();
    String host = text(env, "DAEMON_HOST", d.host);
    if (host.isEmpty() || host.chars().anyMatch(Character::isWhitespace)) {
      problems.add(problem("DAEMON_HOST", host, "an address to listen on, such as 127.0.0.1 or 0.0.0.0"));
    }
    int port = (int) number(env, "DAEMON_PORT", d.port, 0, 65_535, "a port number from 0 to 65535", problems);
    String token = env.get("DAEMON_API_TOKEN");
    if (token != null && token.isEmpty()) {
      token = null;
    } else if (token != null && (token.chars().anyMatch(c -> c <= ' ' || c > '~'))) {
      problems.add("environment DAEMON_API_TOKEN: expected printable ASCII without spaces (a bearer token);"
          + " the value is not shown");
    }
    long maxBody = number(env, "DAEMON_MAX_BODY_BYTES", d.maxBodyBytes, 1, Long.MAX_VALUE,
        "a positive number of bytes", problems);
    List<String> allowed = new ArrayList<>();
    String hosts = env.get("DAEMON_ALLOWED_HOSTS");
    if (hosts != null) {
      for (String h : hosts.split(",")) {
        if (!h.isBlank()) {
          allowed.add(h.trim().toLowerCase(Locale.ROOT));
        }
      }
    }
    String level = text(env, "DAEMON_LOG_LEVEL", d.logLevel).toLowerCase(Locale.ROOT);
    String mapped = logLevel(level);
    if (mapped == null) {
      problems.add(problem("DAEMON_LOG_LEVEL", level, "one of trace, debug, info, warn (or warning), error, off"));
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new ServerSettings(host, port, token, maxBody, allowed, mapped, d.httpThreads);
  }

  private static String text(Map<String, String> env, String name, String dflt) {
    String v = env.get(name);
    return v == null ? dflt : v.trim();
  }

  private static long number(Map<String, String> env, String name, long dflt, long min, long max, String rule,
      List<String> problems) {
    String v = env.get(name);
    if (v == null) {
      return dflt;
    }
    try {
      long n = Long.parseLong(v.trim());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below, with the rule
    }
    problems.add(problem(name, v, rule));
    return dflt;
  }

  private static String problem(String name, String value, String rule) {
    return "environment " + name + " = \"" + value + "\": expected " + rule;
  }

  /** The slf4j-simple level for a level name, or null for an unknown one. */
  static String logLevel(String level) {
    switch (level) {
      case "trace":
      case "debug":
      case "info":
      case "warn":
      case "error":
      case "off":
        return level;
      case "warning":
        return "warn";
      default:
        return null;
    }
  }

  /** A copy that listens on {@code host}. */
  public ServerSettings withHost(String host) {
    return new ServerSettings(Objects.requireNonNull(host, "host"), port, apiToken, maxBodyBytes, allowedHosts,
        logLevel, httpThreads);
  }

  /** A copy that listens on {@code port}; 0 takes any free port ({@link TaskDaemonServer#port()} tells which). */
  public ServerSettings withPort(int port) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port must be from 0 to 65535, was " + port);
    }
    return new ServerSettings(host, port, apiToken, maxBodyBytes, allowedHosts, logLevel, httpThreads);
  }

  /** A copy that requires {@code Authorization: Bearer <token>} on every route but {@code /health}. */
  public ServerSettings withApiToken(String token) {
    return new ServerSettings(host, port, token == null || token.isEmpty() ? null : token, maxBodyBytes,
        allowedHosts, logLevel, httpThreads);
  }

  /** A copy with another largest request body. */
  public ServerSettings withMaxBodyBytes(long bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes must be positive, was " + bytes);
    }
    return new ServerSettings(host, port, apiToken, bytes, allowedHosts, logLevel, httpThreads);
  }

  /** A copy that also answers these host names ({@code *}: any). */
  public ServerSettings withAllowedHosts(List<String> hosts) {
    List<String> lower = new ArrayList<>();
    hosts.forEach(h -> lower.add(h.toLowerCase(Locale.ROOT)));
    return new ServerSettings(host, port, apiToken, maxBodyBytes, lower, logLevel, httpThreads);
  }

  /** Where the server listens. */
  public String host() {
    return host;
  }

  /** The port it listens on; 0 for any free one. */
  public int port() {
    return port;
  }

  /** The bearer token, or null when none is required. */
  public String apiToken() {
    return apiToken;
  }

  /** The largest request body accepted; a larger one gets 413. */
  public long maxBodyBytes() {
    return maxBodyBytes;
  }

  /** Host names answered beside the loopback names and the listen address, lower case. */
  public List<String> allowedHosts() {
    return allowedHosts;
  }

  /** The log level, as slf4j-simple names it. */
  public String logLevel() {
    return logLevel;
  }

  /** Threads that answer HTTP requests. */
  public int httpThreads() {
    return httpThreads;
  }

  /** The settings for a log line: the token masked. */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("host", host);
    m.put("port", port);
    m.put("api_token", apiToken == null ? "(none)" : "****");
    m.put("max_body_bytes", maxBodyBytes);
    m.put("allowed_hosts", allowedHosts);
    m.put("log_level", logLevel);
    return m;
  }

  @Override
  public String toString() {
    return "ServerSettings" + describe();
  }
}

package dev.taskdaemon.internal.config;

import static dev.taskdaemon.internal.config.Key.Scope.BOTH;
import static dev.taskdaemon.internal.config.Key.Scope.CODE;
import static dev.taskdaemon.internal.config.Key.Scope.DAEMON;
import static dev.taskdaemon.internal.config.Key.Scope.HANDLER;

import dev.taskdaemon.Backoff;
import dev.taskdaemon.HandlerSelection;
import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.QueueOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * The configuration key table: every key's name, scope, kind (type, bounds, messages) and default,
 * once. The TOML source, the builders' setters, the defaults {@code start()} applies and the README
 * key check all read it. Adding a key is one line here plus the field it feeds.
 */
public final class Keys {
  /** A daemon or handler name: what container labels and thread names can carry. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
  private static final Pattern MEMORY = Pattern.compile("[0-9]+(\\.[0-9]+)?[bkmgBKMG]?");
  /**
   * The longest line a pool may be told to accept: 1 GiB. A line buffer holds {@code max + 1} bytes
   * plus one read chunk in an {@code int}-indexed array; this leaves ample room below
   * {@code Integer.MAX_VALUE}.
   */
  public static final int MAX_LINE_LIMIT = 1 << 30;

  private static final Map<String, Key<?>> ALL = new LinkedHashMap<>();

  // ---- [handlers.NAME], and [daemon] where the scope says so. README order. ----
  public static final Key<String> IMAGE = key("image", HANDLER, Kind.string(
      "an image reference such as \"myorg/resize:1.2\"",
      s -> s.isBlank() ? "an image reference such as \"myorg/resize:1.2\""
          : s.startsWith("-") ? "an image reference; it must not start with '-'"
          : s.indexOf('\0') >= 0 ? "an image reference without NUL (\\u0000) characters" : null, false),
      null, HandlerSpec.Builder::image);
  public static final Key<Integer> INSTANCES = key("instances", HANDLER,
      Kind.integer(1, 100_000, "an integer from 1 to 100000", "an integer from 1 to 100000"),
      HandlerSpec.DEFAULT_INSTANCES, HandlerSpec.Builder::instances);
  public static final Key<Duration> TIMEOUT = key("timeout", HANDLER, Kind.seconds(false), null,
      HandlerSpec.Builder::timeout);
  public static final Key<HandlerSelection> HANDLER_SELECTION = key("handler_selection", HANDLER, Kind.selection(),
      HandlerSelection.ROUND_ROBIN, HandlerSpec.Builder::selection);
  public static final Key<String> MEMORY_LIMIT = key("memory_limit", HANDLER, Kind.string(
      "a size such as \"512m\" or \"2g\" (a number with an optional b, k, m or g suffix)",
      s -> MEMORY.matcher(s).matches() ? null
          : "a size such as \"512m\" or \"2g\" (a number with an optional b, k, m or g suffix)", true),
      null, HandlerSpec.Builder::memoryLimit);
  /** Read entry by entry by the TOML source, so each bad entry is its own problem. */
  public static final Key<Map<String, String>> ENV = key("env", HANDLER, Env.KIND, Map.of(), HandlerSpec.Builder::env);
  public static final Key<String> RUNTIME = key("runtime", HANDLER, Kind.string(
      "a runtime name such as \"process\" or \"docker\"", s -> !s.isBlank()), null, HandlerSpec.Builder::runtime);
  public static final Key<List<String>> COMMAND = key("command", HANDLER, Kind.command(), null,
      HandlerSpec.Builder::command);
  /** A path; the TOML source resolves a relative one against the file's directory for local runtimes. */
  public static final Key<String> WORKDIR = key("workdir", HANDLER, Kind.string(
      "a directory path", s -> s.isEmpty() ? "a directory path"
          : s.indexOf('\0') >= 0 ? "a directory path without NUL (\\u0000) characters" : null, false), null, null);
  public static final Key<Integer> MAX_RETRIES = key("max_retries", BOTH,
      Kind.integer(0, 1000, "an integer from 0 to 1000", "an integer from 0 to 1000"),
      3, HandlerSpec.Builder::maxRetries);
  public static final Key<Integer> QUEUE_CAPACITY = key("queue_capacity", BOTH,
      Kind.integer(1, Integer.MAX_VALUE, "a positive integer", "an integer from 1 to 2147483647"),
      HandlerSpec.DEFAULT_QUEUE_CAPACITY, HandlerSpec.Builder::queueCapacity);
  public static final Key<QueueOrder> TASK_SELECTION = key("task_selection", BOTH, Kind.queueOrder(),
      QueueOrder.FIFO, HandlerSpec.Builder::queueOrder);
  // The four parts of a Backoff: a source combines them, checking retry_backoff_max >= retry_backoff.
  public static final Key<Duration> RETRY_BACKOFF = key("retry_backoff", BOTH, Kind.seconds(true),
      Backoff.DEFAULT.initial(), null);
  public static final Key<Duration> RETRY_BACKOFF_MAX = key("retry_backoff_max", BOTH, Kind.seconds(true),
      Backoff.DEFAULT.max(), null);
  public static final Key<Double> RETRY_BACKOFF_MULTIPLIER = key("retry_backoff_multiplier", BOTH,
      Kind.number(1, Double.MAX_VALUE, "a number of at least 1"), Backoff.DEFAULT.multiplier(), null);
  public static final Key<Double> RETRY_JITTER = key("retry_jitter", BOTH,
      Kind.number(0, 1, "a fraction from 0 to 1"), Backoff.DEFAULT.jitter(), null);
  public static final Key<Boolean> RETRY_ON_TIMEOUT = key("retry_on_timeout", HANDLER, Kind.bool(), true,
      HandlerSpec.Builder::retryOnTimeout);
  public static final Key<Boolean> RETRY_ON_CRASH = key("retry_on_crash", HANDLER, Kind.bool(), true,
      HandlerSpec.Builder::retryOnCrash);
  public static final Key<Integer> MAX_LINE_BYTES = key("max_line_bytes", BOTH,
      Kind.integer(1024, MAX_LINE_LIMIT, "an integer of at least 1024", "an integer from 1024 to 1073741824 (1 GiB)"),
      64 * 1024 * 1024, HandlerSpec.Builder::maxLineBytes);
  public static final Key<Duration> STOP_GRACE = key("stop_grace", BOTH, Kind.seconds(true), Duration.ofSeconds(5),
      HandlerSpec.Builder::stopGrace);
  public static final Key<Duration> SETTLE_TIME = key("settle_time", BOTH,
      Kind.secondsUpTo(Duration.ofSeconds(10), "0, or a number of seconds from 0.001 (1 ms) to 10"),
      Duration.ofMillis(50), HandlerSpec.Builder::settleTime);

  // ---- [daemon] only. ----
  public static final Key<String> DAEMON_NAME = key("name", DAEMON, Kind.string(
      "letters, digits, '_', '.' or '-', starting with a letter or digit, at most 63 characters",
      s -> NAME.matcher(s).matches()), "taskdaemon", null);
  public static final Key<Duration> TASK_TIMEOUT = key("task_timeout", DAEMON, Kind.seconds(false),
      Duration.ofSeconds(30), null);
  public static final Key<Duration> DRAIN_TIMEOUT = key("drain_timeout", DAEMON, Kind.seconds(true),
      Duration.ofSeconds(30), null);
  public static final Key<Duration> HEALTH_WINDOW = key("health_window", DAEMON, Kind.seconds(false),
      Duration.ofSeconds(1), null);
  public static final Key<Boolean> START_CHECK = key("start_check", DAEMON, Kind.bool(), false, null);
  public static final Key<Duration> START_TIMEOUT = key("start_timeout", DAEMON, Kind.seconds(false),
      Duration.ofMinutes(2), null);
  public static final Key<Integer> MAX_IN_FLIGHT = key("max_in_flight", DAEMON,
      Kind.integer(0, 1_000_000, "an integer, 0 (no cap) or more", "an integer from 0 to 1000000"), 0, null);
  public static final Key<String> STORE = key("store", DAEMON, Kind.string(
      "a store name such as \"memory\", \"sqlite\" or \"postgres\"",
      s -> s.matches("[a-z][a-z0-9_-]{0,62}")), "memory", null);
  /** A path; the TOML source resolves a relative one against the file's directory. */
  public static final Key<String> STORE_PATH = key("store_path", DAEMON, Kind.string(
      "a file path such as \"tasks.db\"", s -> s.isEmpty() ? "a file path such as \"tasks.db\""
          : s.indexOf('\0') >= 0 ? "a file path without NUL (\\u0000) characters" : null, false), null, null);
  public static final Key<String> STORE_URL = key("store_url", DAEMON, Kind.string(
      "a JDBC URL such as \"jdbc:postgresql://db:5432/tasks?user=td\"",
      s -> !s.startsWith("jdbc:") ? "a JDBC URL such as \"jdbc:postgresql://db:5432/tasks?user=td\""
          : s.toLowerCase(java.util.Locale.ROOT).contains("password=")
              ? "a JDBC URL without a password: name the variable that holds it with store_password_env" : null,
      false), null, null);
  public static final Key<String> STORE_PASSWORD_ENV = key("store_password_env", DAEMON, Kind.string(
      "the name of an environment variable such as \"TASKDAEMON_DB_PASSWORD\"",
      s -> s.matches("[A-Za-z_][A-Za-z0-9_]{0,127}")), null, null);
  public static final Key<Duration> RETENTION = key("retention", DAEMON, Kind.seconds(false),
      Duration.ofDays(7), null);
  public static final Key<Integer> RETENTION_MAX_RECORDS = key("retention_max_records", DAEMON,
      Kind.integer(0, Integer.MAX_VALUE, "an integer, 0 or more", "an integer from 0 to 2147483647"), 10_000, null);
  public static final Key<Duration> STORE_LEASE = key("store_lease", DAEMON, Kind.seconds(false),
      Duration.ofSeconds(30), null);
  public static final Key<Integer> CLAIM_BATCH = key("claim_batch", DAEMON,
      Kind.integer(1, 10_000, "an integer from 1 to 10000", "an integer from 1 to 10000"), 128, null);

  // ---- Code only: set through TaskDaemon.Builder. ----
  public static final Key<Backoff> RESTART_BACKOFF = key("restart_backoff", CODE, Kind.object("a back-off"),
      new Backoff(Duration.ofMillis(100), Duration.ofSeconds(30), 2.0, 0.1), null);
  public static final Key<Integer> UNHEALTHY_AFTER = key("unhealthy_after", CODE,
      Kind.integer(1, Integer.MAX_VALUE, "a positive integer", "a positive integer"), 3, null);


  /** The keys of a {@code [daemon]} table, in table order. */
  public static final List<String> DAEMON_KEYS = names(true);
  /** The keys of a {@code [handlers.NAME]} table that every runtime understands, in table order. */
  public static final List<String> HANDLER_KEYS = names(false);
  /** Top-level tables. */
  public static final List<String> TOP = List.of("daemon", "handlers");

  private Keys() {}

  private static <T> Key<T> key(String name, Key.Scope scope, Kind<T> kind, T defaultValue,
      BiConsumer<HandlerSpec.Builder, T> toHandler) {
    Key<T> k = new Key<>(name, scope, kind, defaultValue, toHandler);
    ALL.put(name, k);
    return k;
  }

  private static List<String> names(boolean daemon) {
    List<String> out = new ArrayList<>();
    for (Key<?> k : ALL.values()) {
      if (daemon ? k.inDaemon() : k.inHandler()) {
        out.add(k.name);
      }
    }
    return List.copyOf(out);
  }

  /** The {@code [daemon]} key of that name, or null. */
  static Key<?> daemon(String name) {
    Key<?> k = ALL.get(name);
    return k != null && k.inDaemon() ? k : null;
  }

  /** The core {@code [handlers.NAME]} key of that name, or null (it may still be a runtime's). */
  static Key<?> handler(String name) {
    Key<?> k = ALL.get(name);
    return k != null && k.inHandler() ? k : null;
  }

  /** "unknown key; did you mean 'x'?" with the closest of {@code valid}. */
  public static String unknownKey(String key, Collection<String> valid) {
    return nearest(key, valid, Integer.MAX_VALUE).map(best -> "unknown key; did you mean '" + best + "'?")
        .orElse("unknown key");
  }

  /**
   * The entry of {@code valid} closest to {@code name} (the first of equals), if it is at most
   * {@code maxDistance} edits away: the "did you mean" of config keys and of task types.
   */
  public static java.util.Optional<String> nearest(String name, Collection<String> valid, int maxDistance) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    // A name longer than any valid one by far has no near neighbour; skip the quadratic work.
    String probe = name.length() > 200 ? name.substring(0, 200) : name;
    for (String v : valid) {
      int d = distance(probe, v);
      if (d < bestDistance) {
        best = v;
        bestDistance = d;
      }
    }
    return best != null && bestDistance <= maxDistance ? java.util.Optional.of(best) : java.util.Optional.empty();
  }

  /**
   * True when {@code key} is a likely misspelling of one of {@code valid}: at most two edits away,
   * and fewer than a third of its letters. Used where a key may belong to a runtime that is not
   * there, to tell a typo (report it) from that runtime's own key (leave it).
   */
  static boolean nearMiss(String key, Collection<String> valid) {
    if (key.length() > 200) {
      return false;
    }
    for (String v : valid) {
      int d = distance(key, v);
      if (d <= 2 && d * 3 < key.length()) {
        return true;
      }
    }
    return false;
  }

  /** Optimal string alignment distance: edits, with a swap of two neighbours counting as one. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}

package dev.taskdaemon.internal.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The original daemon's {@code DAEMON_*} environment variables as a {@link ConfigSource}. Applied only
 * when a caller asks for it ({@code TaskDaemon.Builder.fromEnvironment}); the library never reads the
 * process environment behind the user's back.
 *
 * <p>Each variable maps to one {@code [daemon]} key and is converted and checked by that key's
 * {@link Kind}, so a bad value is refused with the same rule a TOML value gets, in a problem that
 * names the variable. Variables the standalone server reads ({@link #SERVER}) are left to it; any
 * other {@code DAEMON_*} name is accepted and listed by {@link #unknown()}.
 */
public final class EnvSource implements ConfigSource {
  /** The prefix of every variable this source looks at. */
  public static final String PREFIX = "DAEMON_";

  /** Variables that set one {@code [daemon]} key each, with its value converted by the key's kind. */
  static final Map<String, Key<?>> MAPPED = mapped();
  /** {@code DAEMON_QUEUE_TYPE}: the original's queue kinds, which map to {@code store}. */
  public static final String QUEUE_TYPE = "DAEMON_QUEUE_TYPE";
  private static final String QUEUE_TYPE_RULE = "\"memory\", \"sqlite\" or \"hybrid\" (hybrid and sqlite both use"
      + " the SQLite store)";

  /**
   * Variables the standalone server reads itself (listen address, HTTP limits, security, logging).
   * The library accepts them without using them.
   */
  public static final Set<String> SERVER = Set.of("DAEMON_HOST", "DAEMON_PORT",
      "DAEMON_LOG_LEVEL", "DAEMON_API_TOKEN", "DAEMON_MAX_BODY_BYTES", "DAEMON_ALLOWED_HOSTS",
      "DAEMON_GRPC_PORT");

  private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]{1,18}");
  private static final Pattern DECIMAL = Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?");

  private final Map<String, String> env;
  private final List<String> unknown = new ArrayList<>();

  private EnvSource(Map<String, String> env) {
    this.env = env;
  }

  /** The {@code DAEMON_*} entries of {@code env}; other variables are never looked at. */
  public static EnvSource of(Map<String, String> env) {
    Map<String, String> own = new TreeMap<>();
    env.forEach((k, v) -> {
      if (k != null && k.startsWith(PREFIX) && v != null) {
        own.put(k, v);
      }
    });
    return new EnvSource(own);
  }

  private static Map<String, Key<?>> mapped() {
    Map<String, Key<?>> m = new LinkedHashMap<>();
    m.put("DAEMON_TASK_TIMEOUT", Keys.TASK_TIMEOUT);
    m.put("DAEMON_MAX_RETRIES", Keys.MAX_RETRIES);
    m.put("DAEMON_TASK_SELECTION", Keys.TASK_SELECTION);
    m.put("DAEMON_DB_PATH", Keys.STORE_PATH);
    m.put("DAEMON_BATCH_SIZE", Keys.CLAIM_BATCH);
    m.put("DAEMON_WORKERS", Keys.MAX_IN_FLIGHT);
    return Map.copyOf(m);
  }

  /** The variable that sets a key, or null: for messages that tell where a value came from. */
  public static String variableOf(String key) {
    if (Keys.STORE.name().equals(key)) {
      return QUEUE_TYPE;
    }
    for (Map.Entry<String, Key<?>> e : MAPPED.entrySet()) {
      if (e.getValue().name().equals(key)) {
        return e.getKey();
      }
    }
    return null;
  }

  @Override
  public DaemonConfig applyTo(DaemonConfig config) {
    unknown.clear();
    List<String> problems = new ArrayList<>();
    DaemonConfig c = config;
    for (Map.Entry<String, String> e : env.entrySet()) {
      String name = e.getKey();
      String raw = e.getValue();
      Key<?> key = MAPPED.get(name);
      try {
        if (key != null) {
          // A path is text whatever it looks like; every other mapped key is a number or a name.
          c = set(c, key, key.fromToml(key == Keys.STORE_PATH ? raw : typed(raw)));
        } else if (QUEUE_TYPE.equals(name)) {
          c = c.with(Keys.STORE, store(raw));
        } else if (!SERVER.contains(name)) {
          unknown.add(name);
        }
      } catch (InvalidValueException ex) {
        problems.add("environment " + name + " = " + Render.value(raw) + ": expected " + ex.expected()
            + (key != null ? " (it sets " + key.name() + ")" : ""));
      }
    }
    return c.withProblems(problems);
  }

  /**
   * The {@code DAEMON_*} variables of the last {@link #applyTo} that neither the library nor the
   * server reads, sorted: accepted, and worth one log line.
   */
  public List<String> unknown() {
    return List.copyOf(unknown);
  }

  private static String store(String raw) {
    switch (raw.trim().toLowerCase(Locale.ROOT)) {
      case "memory":
        return "memory";
      case "sqlite":
      case "hybrid":
        return "sqlite";
      default:
        throw Kind.bad(raw, QUEUE_TYPE_RULE);
    }
  }

  /**
   * An environment value as the TOML value it stands for: a whole number as a {@code Long}, a decimal
   * as a {@code Double}, anything else as the string itself, so the key's kind judges it exactly as it
   * judges TOML. Surrounding blanks are dropped: a compose file's trailing space is not the value.
   */
  static Object typed(String raw) {
    String s = raw.trim();
    if (INTEGER.matcher(s).matches()) {
      return Long.parseLong(s);
    }
    if (DECIMAL.matcher(s).matches()) {
      return Double.parseDouble(s);
    }
    return s;
  }

  @SuppressWarnings("unchecked")
  private static <T> DaemonConfig set(DaemonConfig c, Key<T> k, Object value) {
    return c.with(k, (T) value);
  }
}

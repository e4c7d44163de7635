package dev.taskdaemon.internal.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskdaemon.Backoff;
import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.Scheduler;
import dev.taskdaemon.TaskListener;
import dev.taskdaemon.internal.EngineConfig;
import dev.taskdaemon.spi.HandlerRuntime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The daemon's configuration as one immutable value: the daemon-wide keys that were set, the handler
 * definitions in definition order, where each TOML key came from, and the problems sources found.
 * Sources ({@link ConfigSource}: a TOML file, later the environment) and builder calls each return an
 * edited copy; {@code start()} checks the last one and turns it into an {@link EngineConfig}.
 *
 * <p>Unset keys read as their {@link Key#defaultValue()} from {@link Keys}.
 */
public final class DaemonConfig {
  /** Nothing set, no handlers, no problems. */
  public static final DaemonConfig EMPTY = new DaemonConfig(Map.of(), Map.of(), Map.of(), Map.of(), List.of());

  private final Map<Key<?>, Object> values;
  private final Map<String, HandlerSpec> handlers;
  private final Map<String, Map<String, String>> origins;
  private final Map<String, Set<String>> refused;
  private final List<String> problems;

  private DaemonConfig(Map<Key<?>, Object> values, Map<String, HandlerSpec> handlers,
      Map<String, Map<String, String>> origins, Map<String, Set<String>> refused, List<String> problems) {
    this.values = values;
    this.handlers = handlers;
    this.origins = origins;
    this.refused = refused;
    this.problems = problems;
  }

  /** The value of a daemon-wide key: as set, or its default. */
  @SuppressWarnings("unchecked")
  public <T> T get(Key<T> key) {
    Object v = values.get(key);
    return v != null ? (T) v : key.defaultValue();
  }

  /** True when a source or setter gave {@code key} a value. */
  public boolean isSet(Key<?> key) {
    return values.containsKey(key);
  }

  /**
   * A copy with a daemon-wide key set, checked by the key's rule.
   *
   * @throws InvalidValueException when the value breaks the rule
   */
  public <T> DaemonConfig with(Key<T> key, T value) {
    Map<Key<?>, Object> v = new LinkedHashMap<>(values);
    v.put(key, key.check(value));
    return new DaemonConfig(Collections.unmodifiableMap(v), handlers, origins, refused, problems);
  }

  /** A copy with the four retry back-off keys set from {@code backoff}. */
  public DaemonConfig withRetryBackoff(Backoff backoff) {
    return with(Keys.RETRY_BACKOFF, backoff.initial())
        .with(Keys.RETRY_BACKOFF_MAX, backoff.max())
        .with(Keys.RETRY_BACKOFF_MULTIPLIER, backoff.multiplier())
        .with(Keys.RETRY_JITTER, backoff.jitter());
  }

  /** The daemon-wide retry back-off, from its four keys. */
  public Backoff retryBackoff() {
    return new Backoff(get(Keys.RETRY_BACKOFF), get(Keys.RETRY_BACKOFF_MAX), get(Keys.RETRY_BACKOFF_MULTIPLIER),
        get(Keys.RETRY_JITTER));
  }

  /** A copy that adds or replaces a handler defined in code: what a file said about it is forgotten. */
  public DaemonConfig withHandler(HandlerSpec spec) {
    return withHandler(spec, Map.of(), Set.of());
  }

  /**
   * A copy that adds or replaces a handler, with where its keys were written ({@code ""} for the
   * table itself) and which keys had values that were refused (so later checks do not pile up
   * follow-on problems about them).
   */
  public DaemonConfig withHandler(HandlerSpec spec, Map<String, String> keyOrigins, Set<String> refusedKeys) {
    Map<String, HandlerSpec> h = new LinkedHashMap<>(handlers);
    h.put(spec.name(), spec);
    Map<String, Map<String, String>> o = new LinkedHashMap<>(origins);
    o.put(spec.name(), Map.copyOf(keyOrigins));
    Map<String, Set<String>> r = new LinkedHashMap<>(refused);
    r.put(spec.name(), Set.copyOf(refusedKeys));
    return new DaemonConfig(values, Collections.unmodifiableMap(h), Collections.unmodifiableMap(o),
        Collections.unmodifiableMap(r), problems);
  }

  /** A copy in which a handler already defined is changed in code; where its keys came from is kept. */
  public DaemonConfig withChangedHandler(HandlerSpec spec) {
    return withHandler(spec, origins.getOrDefault(spec.name(), Map.of()), refused.getOrDefault(spec.name(), Set.of()));
  }

  /** A copy with more problems, found by a source; reported by {@code start()}. */
  public DaemonConfig withProblems(List<String> more) {
    if (more.isEmpty()) {
      return this;
    }
    List<String> p = new ArrayList<>(problems);
    p.addAll(more);
    return new DaemonConfig(values, handlers, origins, refused, List.copyOf(p));
  }

  /** Every {@code [daemon]} key's value (as set, or its default; null where it has none), in table order. */
  public Map<String, Object> daemonValues() {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String name : Keys.DAEMON_KEYS) {
      out.put(name, get(Keys.daemon(name)));
    }
    return Collections.unmodifiableMap(out);
  }

  /** The handlers by name, in definition order. */
  public Map<String, HandlerSpec> handlers() {
    return handlers;
  }

  /** Problems the sources found, in the order found. */
  public List<String> problems() {
    return problems;
  }

  /** Where {@code key} of a handler was written ({@code file:line:column}), or null. */
  String origin(String handler, String key) {
    Map<String, String> o = origins.get(handler);
    return o == null ? null : o.get(key);
  }

  /** Keys of a handler whose values a source refused. */
  Set<String> refused(String handler) {
    return refused.getOrDefault(handler, Set.of());
  }

  /**
   * What {@code start()} hands the engine: daemon-wide values with defaults applied. Call after
   * {@link ConfigValidator#validate} found no problem.
   */
  public EngineConfig toEngineConfig(List<TaskListener> listeners, Map<String, HandlerRuntime> runtimes,
      ObjectMapper mapper, Scheduler scheduler, java.util.concurrent.Executor callbackExecutor,
      dev.taskdaemon.spi.TaskStore storeObject) {
    Duration healthWindow = get(Keys.HEALTH_WINDOW);
    return new EngineConfig(get(Keys.DAEMON_NAME), get(Keys.TASK_TIMEOUT), get(Keys.MAX_RETRIES),
        get(Keys.TASK_SELECTION), get(Keys.QUEUE_CAPACITY), retryBackoff(), get(Keys.DRAIN_TIMEOUT),
        get(Keys.STOP_GRACE), get(Keys.MAX_LINE_BYTES), get(Keys.SETTLE_TIME), get(Keys.RESTART_BACKOFF),
        healthWindow, get(Keys.UNHEALTHY_AFTER), get(Keys.START_TIMEOUT), get(Keys.START_CHECK),
        List.copyOf(listeners), List.copyOf(handlers.values()), Collections.unmodifiableMap(new LinkedHashMap<>(runtimes)), mapper,
        scheduler, callbackExecutor, storeSettings(), storeObject, get(Keys.CLAIM_BATCH), isSet(Keys.QUEUE_CAPACITY),
        get(Keys.STORE_LEASE), get(Keys.MAX_IN_FLIGHT));
  }

  /**
   * The store keys, resolved. The password is read here, from the variable {@code store_password_env}
   * names, and goes nowhere but the store.
   */
  public dev.taskdaemon.spi.StoreSettings storeSettings() {
    String path = get(Keys.STORE_PATH);
    String env = get(Keys.STORE_PASSWORD_ENV);
    String password = env == null ? null : System.getenv(env);
    return new dev.taskdaemon.spi.StoreSettings(get(Keys.STORE), path == null ? null : java.nio.file.Path.of(path),
        get(Keys.STORE_URL), password, get(Keys.RETENTION), get(Keys.RETENTION_MAX_RECORDS));
  }
}

package dev.taskdaemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskdaemon.internal.Engine;
import dev.taskdaemon.internal.Json;
import dev.taskdaemon.internal.config.ConfigSource;
import dev.taskdaemon.internal.config.ConfigValidator;
import dev.taskdaemon.internal.config.DaemonConfig;
import dev.taskdaemon.internal.config.Key;
import dev.taskdaemon.internal.config.Keys;
import dev.taskdaemon.internal.config.TomlSource;
import dev.taskdaemon.spi.HandlerRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * A running set of handler pools. Start one with {@link #builder()}, submit tasks, close it.
 *
 * <pre>{@code
 * try (TaskDaemon daemon = TaskDaemon.builder().fromToml(Path.of("handlers.toml")).start()) {
 *   Result r = daemon.submit("resize", Map.of("width", 128)).get();
 * }
 * }</pre>
 *
 * <p>Thread-safe: any number of threads may submit at once.
 */
public final class TaskDaemon implements AutoCloseable {
  /** The default priority of {@link #submit(String, Object)}. */
  public static final int DEFAULT_PRIORITY = 50;

  private final Engine engine;

  private TaskDaemon(Engine engine) {
    this.engine = engine;
  }

  /** A new builder with every default in place and no handlers. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Submits a task with the default priority (50). The task data is encoded to JSON here, once; later
   * changes to {@code taskData} do not reach the handler.
   *
   * <p>Threads: the returned {@link TaskFuture} wakes {@code get()}/{@code join()} callers at once,
   * and runs its dependent actions ({@code whenComplete}, {@code thenApply}, …) on the daemon's callback
   * executor, never on an engine thread.
   *
   * @param taskType the handler name
   * @param taskData anything Jackson can serialize: a {@code Map}, a record or POJO, a {@code JsonNode}
   * @return completes normally with the task's {@link Result} (success, handler error, timeout, crash,
   *     exhausted retries); completes exceptionally at once with {@link UnknownTaskTypeException},
   *     {@link DaemonClosedException}, {@link QueueFullException} or {@link TaskDataException} when the
   *     engine refuses the task, and with {@link DaemonClosedException} when the daemon stops before
   *     the task ends
   */
  public TaskFuture submit(String taskType, Object taskData) {
    return engine.submit(taskType, taskData, DEFAULT_PRIORITY);
  }

  /**
   * Submits a task with a priority from 0 to 100, used by handlers whose {@code task_selection} is
   * {@code priority} (higher first) and ignored otherwise.
   *
   * @throws IllegalArgumentException if the priority is outside 0..100
   */
  public TaskFuture submit(String taskType, Object taskData, int priority) {
    return engine.submit(taskType, taskData, priority);
  }

  /**
   * Submits a task with per-task options (priority, an idempotency id, a delay, timeout and
   * max_retries overrides). With an id that already exists, no second task is stored and the future
   * completes with that task's outcome.
   */
  public TaskFuture submit(String taskType, Object taskData, TaskOptions options) {
    return engine.submit(taskType, taskData, Objects.requireNonNull(options, "options"));
  }

  /**
   * Stores a task and returns its id, without a future: the way to queue work whose outcome is read
   * later ({@link #task}, {@link #await}), by this host, a later run of it, or another host. Returns
   * once the task is stored; with a durable store, once it would survive {@code kill -9} of this
   * process.
   *
   * @throws UnknownTaskTypeException if no handler has that name
   * @throws TaskDataException if the data cannot be encoded
   * @throws QueueFullException if the handler's queue_capacity is reached
   * @throws DaemonClosedException if the daemon is closed
   * @throws StoreException if the store cannot be written
   */
  public String enqueue(String taskType, Object taskData) {
    return engine.enqueue(List.of(TaskRequest.of(taskType, taskData))).get(0);
  }

  /** Like {@link #enqueue(String, Object)}, with per-task options. */
  public String enqueue(String taskType, Object taskData, TaskOptions options) {
    return engine.enqueue(List.of(new TaskRequest(taskType, taskData, options))).get(0);
  }

  /**
   * Stores a batch of tasks in one commit and returns their ids in order. Every request is checked
   * first: when one is refused (unknown type, data that cannot be encoded), none is stored.
   */
  public List<String> enqueueAll(List<TaskRequest> requests) {
    return engine.enqueue(List.copyOf(requests));
  }

  /** Stores a batch of tasks of one type, default options, in one commit; returns their ids in order. */
  public List<String> enqueueAll(String taskType, List<?> taskData) {
    List<TaskRequest> all = new ArrayList<>(taskData.size());
    for (Object d : taskData) {
      all.add(TaskRequest.of(taskType, d));
    }
    return engine.enqueue(all);
  }

  /** What the store knows about a task, or empty for an unknown id (or one purged after retention). */
  public java.util.Optional<TaskInfo> task(String taskId) {
    return engine.task(Objects.requireNonNull(taskId, "taskId"));
  }

  /** Recent tasks, newest first, filtered and paged as the query says. */
  public List<TaskInfo> tasks(TaskQuery query) {
    return engine.tasks(Objects.requireNonNull(query, "query"));
  }

  /**
   * A future of the task's outcome: completes when the task is final, also for a task that an earlier
   * run of this host or another host stored. Completes exceptionally with {@link
   * UnknownTaskException} for an unknown id, and with {@link DaemonClosedException} if the daemon
   * closes first.
   */
  public CompletableFuture<Result> await(String taskId) {
    return engine.await(Objects.requireNonNull(taskId, "taskId"));
  }

  /**
   * Cancels a task: a pending one becomes {@code CANCELLED} at once; a running one has its instance
   * stopped and replaced and ends with a {@link Result.Failure} of kind {@code CANCELLED}; one that
   * another host runs is cancelled by that host. False for an unknown id or a task that already
   * finished.
   */
  public boolean cancel(String taskId) {
    return engine.cancel(Objects.requireNonNull(taskId, "taskId"));
  }

  /**
   * Puts a failed or cancelled task back to {@code PENDING} with a fresh retry budget; its attempt
   * number keeps counting up. False for an unknown id or a task that is not failed or cancelled.
   */
  public boolean redrive(String taskId) {
    return engine.redrive(Objects.requireNonNull(taskId, "taskId"));
  }

  /** Removes a task in any state, cancelling it first if it runs. False for an unknown id. */
  public boolean delete(String taskId) {
    return engine.delete(Objects.requireNonNull(taskId, "taskId"));
  }

  /** The store's kind and location, e.g. {@code memory} or {@code sqlite /var/lib/td/tasks.db}. */
  public String store() {
    return engine.storeDescription();
  }

  /**
   * The pool of one handler: its instances, counters, and run-time control ({@link HandlerPool#resize},
   * {@link HandlerPool#restart}).
   *
   * @throws UnknownTaskTypeException if no handler has that name
   */
  public HandlerPool pool(String handler) {
    return engine.pool(handler);
  }

  /** A snapshot of every handler's counters, by handler name. */
  public Map<String, HandlerStats> stats() {
    return engine.stats();
  }

  /**
   * One handler's counters.
   *
   * @throws UnknownTaskTypeException if no handler has that name; the message names the nearest one
   */
  public HandlerStats stats(String handler) {
    HandlerStats s = engine.stats().get(handler);
    if (s == null) {
      throw engine.unknownTaskType(handler);
    }
    return s;
  }

  /** The configured handler names. */
  public List<String> handlers() {
    return engine.handlers();
  }

  /** The daemon's name. */
  public String name() {
    return engine.name();
  }

  /** A random id of this run, used to label what it starts (containers, for instance). */
  public String session() {
    return engine.session();
  }

  /**
   * Stops taking tasks, finishes queued and in-flight tasks (and their retries) within {@code
   * drain_timeout}, fails what is left with {@link DaemonClosedException}, then stops every instance:
   * close stdin, wait {@code stop_grace}, ask it to stop, kill. Bounded; idempotent. With a durable
   * store only the tasks this host holds are finished; the rest, and what the drain does not finish,
   * stay {@code PENDING} in the store for the next start or another host (their futures here fail with
   * {@link DaemonClosedException} naming the task).
   */
  @Override
  public void close() {
    engine.close();
  }

  /**
   * Stops at once: fails every queued and in-flight task with {@link DaemonClosedException} and
   * kills every instance.
   */
  public void shutdownNow() {
    engine.shutdownNow();
  }

  /**
   * Configures and starts a {@link TaskDaemon}. Holds one immutable configuration value that every
   * call edits: {@code fromToml} applies a file to it, each setter sets one key, and {@link #start()}
   * checks the result and starts from it. Setters check their values at once, with the same rules
   * and words as the TOML keys they match; rules that span several settings, and every problem of a
   * TOML file, are reported together by {@link #start()} (or {@link #validate()}).
   */
  public static final class Builder {
    private DaemonConfig config = DaemonConfig.EMPTY;
    private ObjectMapper mapper = Json.mapper();
    private Scheduler scheduler;
    private Executor callbackExecutor;
    private dev.taskdaemon.spi.TaskStore storeObject;
    private final List<TaskListener> listeners = new ArrayList<>();
    private final Map<String, HandlerRuntime> runtimes = new LinkedHashMap<>();

    private Builder() {}

    private Builder apply(ConfigSource source) {
      config = source.applyTo(config);
      return this;
    }

    private <T> Builder set(Key<T> key, T value) {
      config = config.with(key, value);
      return this;
    }

    /**
     * Reads a {@code handlers.toml}: its {@code [daemon]} table and every {@code [handlers.NAME]}
     * table, over what is set so far. Problems in the file are collected and reported by {@link
     * #start()} together. A handler defined again later (in another file or in code) replaces the
     * earlier definition. Relative paths in the file are taken from its directory.
     */
    public Builder fromToml(Path file) {
      return apply(TomlSource.file(Objects.requireNonNull(file, "file")));
    }

    /** Like {@link #fromToml(Path)} for TOML text; {@code source} names it in error messages. */
    public Builder fromTomlString(String toml, String source) {
      return fromTomlString(toml, source, null);
    }

    /**
     * Like {@link #fromTomlString(String, String)}, with relative paths (a {@code process} handler's
     * working directory and {@code workdir}) taken from {@code baseDir}, as for a file in that
     * directory; {@code null} leaves them to the host's working directory.
     */
    public Builder fromTomlString(String toml, String source, Path baseDir) {
      return apply(TomlSource.text(Objects.requireNonNull(toml, "toml"), Objects.requireNonNull(source, "source"),
          baseDir));
    }

    /**
     * Applies the original daemon's {@code DAEMON_*} variables from the process environment over what
     * is set so far; see {@link #fromEnvironment(Map)}. The library never reads them unless this is
     * called.
     */
    public Builder fromEnvironment() {
      return fromEnvironment(System.getenv());
    }

    /**
     * Applies the original daemon's {@code DAEMON_*} variables from {@code env} over what is set so far
     * (call it after {@link #fromToml(Path)} so that the environment overrides the file's {@code
     * [daemon]} table, as the original does): {@code DAEMON_TASK_TIMEOUT} → {@code task_timeout},
     * {@code DAEMON_MAX_RETRIES} → {@code max_retries}, {@code DAEMON_TASK_SELECTION} → {@code
     * task_selection}, {@code DAEMON_QUEUE_TYPE} ({@code memory}, or {@code sqlite}/{@code hybrid} for
     * the SQLite store) → {@code store}, {@code DAEMON_DB_PATH} → {@code store_path}, {@code
     * DAEMON_BATCH_SIZE} → {@code claim_batch}, {@code DAEMON_WORKERS} → {@code max_in_flight}.
     * Variables of the standalone server ({@code DAEMON_HOST},
     * {@code DAEMON_PORT}, ...) are accepted and left to it; any other {@code DAEMON_*} variable is
     * accepted and named in one log line. A malformed value is a problem that {@link #start()} reports
     * with the others, naming the variable and what it expects. Variables without the {@code DAEMON_}
     * prefix are never looked at.
     */
    public Builder fromEnvironment(Map<String, String> env) {
      dev.taskdaemon.internal.config.EnvSource source =
          dev.taskdaemon.internal.config.EnvSource.of(Objects.requireNonNull(env, "env"));
      apply(source);
      if (!source.unknown().isEmpty()) {
        org.slf4j.LoggerFactory.getLogger(TaskDaemon.class).info(
            "environment: {} not used by TaskDaemon; accepted and ignored", String.join(", ", source.unknown()));
      }
      return this;
    }

    /**
     * The effective value of every {@code [daemon]} key as configured so far, by key name, in table
     * order: set by a source or setter, or the default ({@code null} where a key has none). Holds no
     * secret: the store's password is only ever named by {@code store_password_env}.
     */
    public Map<String, Object> daemonSettings() {
      return config.daemonValues();
    }

    /** Adds (or replaces) a handler. */
    public Builder handler(HandlerSpec spec) {
      config = config.withHandler(Objects.requireNonNull(spec, "spec"));
      return this;
    }

    /** Adds (or replaces) a handler defined in place: {@code .handler("echo", h -> h.command("cat"))}. */
    public Builder handler(String name, Consumer<HandlerSpec.Builder> definition) {
      HandlerSpec.Builder b = HandlerSpec.builder(name);
      definition.accept(b);
      return handler(b.build());
    }

    /** Changes a handler already defined (e.g. by TOML), keeping what is not changed. */
    public Builder modifyHandler(String name, Consumer<HandlerSpec.Builder> change) {
      HandlerSpec existing = config.handlers().get(name);
      if (existing == null) {
        throw new IllegalArgumentException("no handler '" + name + "' is defined yet; handlers: "
            + config.handlers().keySet());
      }
      HandlerSpec.Builder b = existing.toBuilder();
      change.accept(b);
      config = config.withChangedHandler(b.build());
      return this;
    }

    /** The handlers defined so far, by name, in definition order (a read-only copy). */
    public Map<String, HandlerSpec> handlers() {
      return config.handlers();
    }

    /** Registers a runtime; it replaces one of the same name found on the class path. */
    public Builder runtime(HandlerRuntime runtime) {
      runtimes.put(Objects.requireNonNull(runtime, "runtime").name(), runtime);
      return this;
    }

    /**
     * The runtimes {@link #start()} would use, by name: the built-in {@code process}, those found on
     * the class path (such as {@code docker} with {@code taskdaemon-docker}), and those registered
     * with {@link #runtime(HandlerRuntime)}.
     */
    public Map<String, HandlerRuntime> runtimes() {
      return java.util.Collections.unmodifiableMap(ConfigValidator.discoverRuntimes(runtimes));
    }

    /** Adds a listener; several may be added. */
    public Builder listener(TaskListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** The daemon's name, used in thread names, logs and container labels (default "taskdaemon"). */
    public Builder name(String name) {
      return set(Keys.DAEMON_NAME, name);
    }

    /** The default per-attempt timeout ({@code task_timeout}, 1 ms to 365 days, default 30 s). */
    public Builder taskTimeout(Duration timeout) {
      return set(Keys.TASK_TIMEOUT, timeout);
    }

    /** The default retries after the first attempt ({@code max_retries}, 0 to 1000, default 3). */
    public Builder maxRetries(int maxRetries) {
      return set(Keys.MAX_RETRIES, maxRetries);
    }

    /** The default queue order ({@code task_selection}, default fifo). */
    public Builder taskSelection(QueueOrder order) {
      return set(Keys.TASK_SELECTION, order);
    }

    /** The default queue capacity ({@code queue_capacity}, default 10,000). */
    public Builder queueCapacity(int capacity) {
      return set(Keys.QUEUE_CAPACITY, capacity);
    }

    /**
     * The default back-off between attempts ({@code retry_backoff}, {@code retry_backoff_max}, {@code
     * retry_backoff_multiplier}, {@code retry_jitter}; default 100 ms doubling to 10 s, ±20 %).
     */
    public Builder retryBackoff(Backoff backoff) {
      config = config.withRetryBackoff(Objects.requireNonNull(backoff, "backoff"));
      return this;
    }

    /**
     * How long {@link #close()} waits for queued and in-flight tasks ({@code drain_timeout}, default
     * 30 s); 0 fails what is left at once.
     */
    public Builder drainTimeout(Duration drainTimeout) {
      return set(Keys.DRAIN_TIMEOUT, drainTimeout);
    }

    /**
     * How long an instance may take to exit after its stdin closes ({@code stop_grace}, default 5 s);
     * 0 stops it at once.
     */
    public Builder stopGrace(Duration stopGrace) {
      return set(Keys.STOP_GRACE, stopGrace);
    }

    /** The default longest stdout line ({@code max_line_bytes}, 1024 to 1 GiB, default 64 MiB). */
    public Builder maxLineBytes(int maxLineBytes) {
      return set(Keys.MAX_LINE_BYTES, maxLineBytes);
    }

    /**
     * The default time a freshly started instance's stdout is watched before its first request may be
     * written ({@code settle_time}, 0 to 10 s, default 50 ms). Whatever an instance prints in that
     * time is start-up output: logged, never taken as an answer.
     */
    public Builder settleTime(Duration settleTime) {
      return set(Keys.SETTLE_TIME, settleTime);
    }

    /**
     * How long an instance must live after starting before it counts as started ({@code
     * health_window}, default 1 s). Deaths sooner than this count towards the handler being unhealthy,
     * and {@link #startCheck(boolean)} waits this long.
     */
    public Builder healthWindow(Duration window) {
      return set(Keys.HEALTH_WINDOW, window);
    }

    /**
     * Whether {@link #start()} waits until each instance has survived the {@link
     * #healthWindow(Duration) health window} ({@code start_check}, default false), and fails with the
     * instances' last stderr lines when every instance of a handler dies in it. Off by default so that
     * {@code start()} costs only the launch (tests and short-lived hosts start many daemons); a handler
     * that cannot start is then reported by its first tasks, with the same stderr lines.
     */
    public Builder startCheck(boolean startCheck) {
      return set(Keys.START_CHECK, startCheck);
    }

    /** The back-off between restarts of instances that keep dying (default 100 ms doubling to 30 s). */
    public Builder restartBackoff(Backoff backoff) {
      return set(Keys.RESTART_BACKOFF, backoff);
    }

    /**
     * An instance that exits sooner than {@code window} after starting, without answering, counts as
     * failing to start (the {@link #healthWindow(Duration) health window}, default 1 s); after {@code
     * count} such exits in a row with no instance alive (default 3), the handler is unhealthy and its
     * pending tasks fail with the reason.
     */
    public Builder unhealthyAfter(int count, Duration window) {
      set(Keys.UNHEALTHY_AFTER, count);
      return set(Keys.HEALTH_WINDOW, window);
    }

    /** How long {@link #start()} waits for instances to start (default 2 min). */
    public Builder startTimeout(Duration startTimeout) {
      return set(Keys.START_TIMEOUT, startTimeout);
    }

    /** The mapper that turns task data into JSON (default: a plain Jackson mapper). */
    public Builder objectMapper(ObjectMapper mapper) {
      this.mapper = Objects.requireNonNull(mapper, "mapper");
      return this;
    }

    /**
     * The source of time for timeouts, back-off and health checks (default: one daemon thread and the
     * system clock). A scheduler given here is not shut down by the daemon.
     */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Where the dependent actions of task futures run ({@code whenComplete}, {@code thenApply}, …; see
     * {@link TaskFuture}). Default: a pool of daemon threads named {@code td-<daemon>-callback-N} that
     * grows as callbacks block and shrinks when they are idle. An executor given here is not shut down
     * by the daemon; it must not run actions on the calling thread if they may block.
     */
    public Builder callbackExecutor(Executor executor) {
      this.callbackExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Where tasks are recorded: {@code "memory"} (the default: nothing survives the process), {@code
     * "sqlite"} (a file, with {@code taskdaemon-store-sqlite} on the class path; see {@link
     * #storePath}) or {@code "postgres"} (a database several hosts share, with {@code
     * taskdaemon-store-postgres}; see {@link #storeUrl}). TOML key {@code store}.
     */
    public Builder store(String store) {
      return set(Keys.STORE, store);
    }

    /**
     * A store object of your own (an implementation of {@link dev.taskdaemon.spi.TaskStore}), used
     * instead of the {@code store} key. The daemon opens it at start and closes it at close.
     */
    public Builder store(dev.taskdaemon.spi.TaskStore store) {
      this.storeObject = Objects.requireNonNull(store, "store");
      return this;
    }

    /** The SQLite store's file. TOML key {@code store_path} (relative to the TOML file's directory). */
    public Builder storePath(Path path) {
      return set(Keys.STORE_PATH, Objects.requireNonNull(path, "path").toString());
    }

    /**
     * The PostgreSQL store's JDBC URL, without a password (use {@link #storePasswordEnv}). TOML key
     * {@code store_url}.
     */
    public Builder storeUrl(String jdbcUrl) {
      return set(Keys.STORE_URL, jdbcUrl);
    }

    /**
     * The name of the environment variable that holds the store's password, read at {@code start()}.
     * TOML key {@code store_password_env}. The password never appears in a log or message.
     */
    public Builder storePasswordEnv(String variable) {
      return set(Keys.STORE_PASSWORD_ENV, variable);
    }

    /**
     * How long finished tasks stay in the store before they are purged in the background; default 7
     * days. TOML key {@code retention}.
     */
    public Builder retention(Duration retention) {
      return set(Keys.RETENTION, retention);
    }

    /**
     * The most finished tasks the in-memory store keeps (the oldest go first); default 10,000, so a
     * long-running host's heap does not grow with every task it ran. TOML key {@code retention_max_records}.
     */
    public Builder retentionMaxRecords(int records) {
      return set(Keys.RETENTION_MAX_RECORDS, records);
    }

    /**
     * The most attempts running at once across all handlers; 0 (the default) means no cap beyond each
     * handler's instances. TOML key {@code max_in_flight}; the server maps {@code DAEMON_WORKERS} here.
     */
    public Builder maxInFlight(int attempts) {
      return set(Keys.MAX_IN_FLIGHT, attempts);
    }

    /**
     * With a durable store: how long a host's claim on a task lasts without renewal. The host renews
     * its leases every third of it; when a host dies, other hosts (or its next start, for PostgreSQL)
     * take its tasks once their leases run out. Default 30 s. TOML key {@code store_lease}.
     */
    public Builder storeLease(Duration lease) {
      return set(Keys.STORE_LEASE, lease);
    }

    /**
     * With a durable store: how many tasks one claim takes from the store into a handler's window
     * beyond its instances; default 128. TOML key {@code claim_batch}.
     */
    public Builder claimBatch(int tasks) {
      return set(Keys.CLAIM_BATCH, tasks);
    }

    /**
     * Checks everything {@link #start()} checks before it starts anything: every problem of every TOML
     * source, the rules that span settings, and each runtime's rules for its handlers.
     *
     * @return this builder, when there is no problem
     * @throws ConfigException listing every configuration problem at once
     */
    public Builder validate() {
      check(ConfigValidator.discoverRuntimes(runtimes));
      return this;
    }

    private void check(Map<String, HandlerRuntime> all) {
      List<String> errors = ConfigValidator.problems(config, all);
      if (!errors.isEmpty()) {
        throw new ConfigException(errors);
      }
    }

    /**
     * Checks everything and starts every handler's instances in parallel.
     *
     * @throws ConfigException listing every configuration problem at once
     * @throws HandlerStartException when a runtime is unusable or instances cannot start
     */
    public TaskDaemon start() {
      Map<String, HandlerRuntime> all = ConfigValidator.discoverRuntimes(runtimes);
      check(all);
      return new TaskDaemon(Engine.start(config.toEngineConfig(listeners, all, mapper, scheduler, callbackExecutor, storeObject)));
    }
  }
}

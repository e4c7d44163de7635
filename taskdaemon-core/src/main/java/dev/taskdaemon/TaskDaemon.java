package dev.taskdaemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskdaemon.internal.Check;
import dev.taskdaemon.internal.ConfigValidator;
import dev.taskdaemon.internal.Engine;
import dev.taskdaemon.internal.EngineConfig;
import dev.taskdaemon.internal.InvalidValueException;
import dev.taskdaemon.internal.Json;
import dev.taskdaemon.internal.TomlLoader;
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
   * Submits a task with the default priority (50).
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
   * close stdin, wait {@code stop_grace}, ask it to stop, kill. Bounded; idempotent.
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
   * Configures and starts a {@link TaskDaemon}. Setters check their values at once; rules that span
   * several settings, and every problem of a TOML file, are reported together by {@link #start()}.
   */
  public static final class Builder {
    private String name = "taskdaemon";
    private Duration taskTimeout = Duration.ofSeconds(30);
    private int maxRetries = 3;
    private QueueOrder taskSelection = QueueOrder.FIFO;
    private int queueCapacity = HandlerSpec.DEFAULT_QUEUE_CAPACITY;
    private Backoff retryBackoff = Backoff.DEFAULT;
    private Duration drainTimeout = Duration.ofSeconds(30);
    private Duration stopGrace = Duration.ofSeconds(5);
    private int maxLineBytes = 64 * 1024 * 1024;
    private Backoff restartBackoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(30), 2.0, 0.1);
    private Duration healthWindow = Duration.ofSeconds(1);
    private int unhealthyAfter = 3;
    private Duration startTimeout = Duration.ofMinutes(2);
    private ObjectMapper mapper = Json.mapper();
    private Scheduler scheduler;
    private Executor callbackExecutor;
    private Duration settleTime = Duration.ofMillis(50);
    private boolean startCheck;
    private final List<TaskListener> listeners = new ArrayList<>();
    private final Map<String, HandlerSpec> handlers = new LinkedHashMap<>();
    private final Map<String, HandlerRuntime> runtimes = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();

    private Builder() {}

    /**
     * Reads a {@code handlers.toml}: its {@code [daemon]} table and every {@code [handlers.NAME]}
     * table. Problems in the file are collected and reported by {@link #start()} together. A handler
     * defined again later (in another file or in code) replaces the earlier definition.
     */
    public Builder fromToml(Path file) {
      TomlLoader.load(Objects.requireNonNull(file, "file"), this, problems);
      return this;
    }

    /** Like {@link #fromToml(Path)} for TOML text; {@code source} names it in error messages. */
    public Builder fromTomlString(String toml, String source) {
      TomlLoader.load(Objects.requireNonNull(toml, "toml"), Objects.requireNonNull(source, "source"), null, this,
          problems);
      return this;
    }

    /** Adds (or replaces) a handler. */
    public Builder handler(HandlerSpec spec) {
      handlers.put(spec.name(), Objects.requireNonNull(spec, "spec"));
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
      HandlerSpec existing = handlers.get(name);
      if (existing == null) {
        throw new IllegalArgumentException("no handler '" + name + "' is defined yet; handlers: " + handlers.keySet());
      }
      HandlerSpec.Builder b = existing.toBuilder();
      change.accept(b);
      return handler(b.build());
    }

    /** The handlers defined so far, by name, in definition order (a read-only copy). */
    public Map<String, HandlerSpec> handlers() {
      return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(handlers));
    }

    /** Registers a runtime; it replaces one of the same name found on the class path. */
    public Builder runtime(HandlerRuntime runtime) {
      runtimes.put(Objects.requireNonNull(runtime, "runtime").name(), runtime);
      return this;
    }

    /** Adds a listener; several may be added. */
    public Builder listener(TaskListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** The daemon's name, used in thread names, logs and container labels (default "taskdaemon"). */
    public Builder name(String name) {
      if (name == null || !HandlerSpec.NAME.matcher(name).matches()) {
        throw new InvalidValueException("name", name,
            "letters, digits, '_', '.' or '-', starting with a letter or digit, at most 63 characters");
      }
      this.name = name;
      return this;
    }

    /** The default per-attempt timeout ({@code task_timeout}, default 30 s). */
    public Builder taskTimeout(Duration timeout) {
      this.taskTimeout = Check.positive("task_timeout", timeout);
      return this;
    }

    /** The default retries after the first attempt ({@code max_retries}, default 3). */
    public Builder maxRetries(int maxRetries) {
      this.maxRetries = Check.maxRetries(maxRetries);
      return this;
    }

    /** The default queue order ({@code task_selection}, default fifo). */
    public Builder taskSelection(QueueOrder order) {
      this.taskSelection = Objects.requireNonNull(order, "order");
      return this;
    }

    /** The default queue capacity ({@code queue_capacity}, default 10,000). */
    public Builder queueCapacity(int capacity) {
      this.queueCapacity = Check.queueCapacity(capacity);
      return this;
    }

    /** The default back-off between attempts (default 100 ms doubling to 10 s, ±20 %). */
    public Builder retryBackoff(Backoff backoff) {
      this.retryBackoff = Objects.requireNonNull(backoff, "backoff");
      return this;
    }

    /** How long {@link #close()} waits for queued and in-flight tasks ({@code drain_timeout}, default 30 s). */
    public Builder drainTimeout(Duration drainTimeout) {
      this.drainTimeout = Check.nonNegative("drain_timeout", drainTimeout);
      return this;
    }

    /** How long an instance may take to exit after its stdin closes ({@code stop_grace}, default 5 s). */
    public Builder stopGrace(Duration stopGrace) {
      this.stopGrace = Check.nonNegative("stop_grace", stopGrace);
      return this;
    }

    /** The default longest stdout line ({@code max_line_bytes}, default 64 MiB). */
    public Builder maxLineBytes(int maxLineBytes) {
      this.maxLineBytes = Check.maxLineBytes(maxLineBytes);
      return this;
    }

    /** The back-off between restarts of instances that keep dying (default 100 ms doubling to 30 s). */
    public Builder restartBackoff(Backoff backoff) {
      this.restartBackoff = Objects.requireNonNull(backoff, "backoff");
      return this;
    }

    /**
     * An instance that exits sooner than this after starting, without answering, counts as failing
     * to start (default 1 s); after {@code count} such exits in a row with no instance alive, the
     * handler is unhealthy and its pending tasks fail with the reason.
     */
    public Builder unhealthyAfter(int count, Duration window) {
      this.unhealthyAfter = Check.positive("unhealthy_after", count);
      this.healthWindow = Check.positive("health_window", window);
      return this;
    }

    /** How long {@link #start()} waits for instances to start (default 2 min). */
    public Builder startTimeout(Duration startTimeout) {
      this.startTimeout = Check.positive("start_timeout", startTimeout);
      return this;
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
     * How long a freshly started instance is watched before its first request is written ({@code
     * settle_time}, default 50 ms): a response it prints in that time is start-up output, never an
     * answer. Zero gives tasks to an instance as soon as it is launched.
     */
    public Builder settleTime(Duration settleTime) {
      this.settleTime = Check.nonNegative("settle_time", settleTime);
      return this;
    }

    /**
     * Makes {@link #start()} wait until each instance has survived the health window, and fail with the
     * handler's last stderr lines when every instance of a handler died in it ({@code start_check},
     * default false: {@code start()} returns as soon as the instances are launched).
     */
    public Builder startCheck(boolean startCheck) {
      this.startCheck = startCheck;
      return this;
    }

    /** The daemon-wide defaults as they stand (for the TOML loader). */
    public Backoff retryBackoff() {
      return retryBackoff;
    }

    /**
     * Checks everything and starts every handler's instances in parallel.
     *
     * @throws ConfigException listing every configuration problem at once
     * @throws HandlerStartException when a runtime is unusable or instances cannot start
     */
    public TaskDaemon start() {
      Map<String, HandlerRuntime> all = ConfigValidator.discoverRuntimes(runtimes);
      List<String> errors = new ArrayList<>(problems);
      List<HandlerSpec> specs = new ArrayList<>(handlers.values());
      errors.addAll(ConfigValidator.validate(specs, all));
      if (errors.isEmpty() && specs.isEmpty()) {
        errors.add("no handlers are defined: add a [handlers.NAME] table to handlers.toml or call handler(...)");
      }
      if (!errors.isEmpty()) {
        throw new ConfigException(ConfigValidator.sortByPosition(errors));
      }
      EngineConfig config = new EngineConfig(name, taskTimeout, maxRetries, taskSelection, queueCapacity,
          retryBackoff, drainTimeout, stopGrace, maxLineBytes, restartBackoff, healthWindow, unhealthyAfter,
          startTimeout, List.copyOf(listeners), specs, all, mapper, scheduler, callbackExecutor, settleTime, startCheck);
      return new TaskDaemon(Engine.start(config));
    }
  }
}

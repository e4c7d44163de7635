package dev.taskdaemon;

import dev.taskdaemon.internal.config.Env;
import dev.taskdaemon.internal.config.InvalidValueException;
import dev.taskdaemon.internal.config.Keys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The definition of one handler: how to run its instances and how its pool behaves. Immutable;
 * made with {@link #builder(String)} or read from a {@code [handlers.NAME]} table of {@code
 * handlers.toml}. Settings left unset here ({@code null} from the getters) take the daemon-wide
 * defaults of {@link TaskDaemon.Builder}.
 *
 * <pre>{@code
 * HandlerSpec echo = HandlerSpec.builder("echo")
 *     .command("java", "handlers/Echo.java")
 *     .instances(4)
 *     .timeout(Duration.ofSeconds(5))
 *     .build();
 * }</pre>
 */
public final class HandlerSpec {
  /** The default number of instances, as in the original format. */
  public static final int DEFAULT_INSTANCES = 2;
  /** The default queue capacity. */
  public static final int DEFAULT_QUEUE_CAPACITY = 10_000;

  private final String name;
  private final String runtime;
  private final String image;
  private final List<String> command;
  private final Path workdir;
  private final Map<String, String> env;
  private final int instances;
  private final Duration timeout;
  private final Integer maxRetries;
  private final Integer queueCapacity;
  private final QueueOrder queueOrder;
  private final HandlerSelection selection;
  private final String memoryLimit;
  private final Backoff retryBackoff;
  private final boolean retryOnTimeout;
  private final boolean retryOnCrash;
  private final Integer maxLineBytes;
  private final Duration stopGrace;
  private final Duration settleTime;
  private final Map<String, Object> options;
  private final Path baseDir;

  private HandlerSpec(Builder b) {
    this.name = b.name;
    this.runtime = b.runtime;
    this.image = b.image;
    this.command = b.command == null ? null : List.copyOf(b.command);
    this.workdir = b.workdir;
    this.env = Collections.unmodifiableMap(new LinkedHashMap<>(b.env));
    this.instances = b.instances;
    this.timeout = b.timeout;
    this.maxRetries = b.maxRetries;
    this.queueCapacity = b.queueCapacity;
    this.queueOrder = b.queueOrder;
    this.selection = b.selection;
    this.memoryLimit = b.memoryLimit;
    this.retryBackoff = b.retryBackoff;
    this.retryOnTimeout = b.retryOnTimeout;
    this.retryOnCrash = b.retryOnCrash;
    this.maxLineBytes = b.maxLineBytes;
    this.stopGrace = b.stopGrace;
    this.settleTime = b.settleTime;
    this.options = Collections.unmodifiableMap(new LinkedHashMap<>(b.options));
    this.baseDir = b.baseDir;
  }

  /** Starts a definition of the handler {@code name} (the task type tasks are submitted to). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** A builder holding this definition's values, to derive a changed copy. */
  public Builder toBuilder() {
    Builder b = new Builder(name);
    b.runtime = runtime;
    b.image = image;
    b.command = command == null ? null : new ArrayList<>(command);
    b.workdir = workdir;
    b.env.putAll(env);
    b.instances = instances;
    b.timeout = timeout;
    b.maxRetries = maxRetries;
    b.queueCapacity = queueCapacity;
    b.queueOrder = queueOrder;
    b.selection = selection;
    b.memoryLimit = memoryLimit;
    b.retryBackoff = retryBackoff;
    b.retryOnTimeout = retryOnTimeout;
    b.retryOnCrash = retryOnCrash;
    b.maxLineBytes = maxLineBytes;
    b.stopGrace = stopGrace;
    b.settleTime = settleTime;
    b.options.putAll(options);
    b.baseDir = baseDir;
    return b;
  }

  /** The handler name, which is also the task type. */
  public String name() {
    return name;
  }

  /**
   * The runtime's name: as set, or else {@code docker} when an image is set and {@code process}
   * otherwise.
   */
  public String runtime() {
    if (runtime != null) {
      return runtime;
    }
    return image != null ? "docker" : "process";
  }

  /** True when {@code runtime} was set explicitly rather than inferred. */
  public boolean runtimeExplicit() {
    return runtime != null;
  }

  /** The container image, or {@code null}. */
  public String image() {
    return image;
  }

  /** The command line (program and arguments), or {@code null}. */
  public List<String> command() {
    return command;
  }

  /** The working directory, or {@code null} for the host's (or the image's) default. */
  public Path workdir() {
    return workdir;
  }

  /** Extra environment variables for each instance. */
  public Map<String, String> env() {
    return env;
  }

  /** How many instances the pool keeps warm. */
  public int instances() {
    return instances;
  }

  /** The per-attempt timeout, or {@code null} for the daemon's {@code task_timeout}. */
  public Duration timeout() {
    return timeout;
  }

  /** Retries after the first attempt, or {@code null} for the daemon's default. */
  public Integer maxRetries() {
    return maxRetries;
  }

  /** The most tasks that may wait in the queue, or {@code null} for the daemon's default. */
  public Integer queueCapacity() {
    return queueCapacity;
  }

  /** The queue order, or {@code null} for the daemon's {@code task_selection}. */
  public QueueOrder queueOrder() {
    return queueOrder;
  }

  /** The instance selection strategy; never null ({@link HandlerSelection#ROUND_ROBIN} by default). */
  public HandlerSelection selection() {
    return selection;
  }

  /** The memory limit as written ({@code "512m"}), or {@code null}. */
  public String memoryLimit() {
    return memoryLimit;
  }

  /** The back-off between attempts, or {@code null} for the daemon's default. */
  public Backoff retryBackoff() {
    return retryBackoff;
  }

  /** Whether a timed-out attempt may be retried (default true). */
  public boolean retryOnTimeout() {
    return retryOnTimeout;
  }

  /** Whether an attempt whose instance died may be retried (default true). */
  public boolean retryOnCrash() {
    return retryOnCrash;
  }

  /** The longest accepted stdout line in bytes, or {@code null} for the daemon's default. */
  public Integer maxLineBytes() {
    return maxLineBytes;
  }

  /** How long an instance may take to exit after stdin closes, or {@code null} for the daemon's default. */
  public Duration stopGrace() {
    return stopGrace;
  }

  /**
   * How long a fresh instance's stdout is watched before its first request is written, or {@code
   * null} for the daemon's {@code settle_time}. Whatever it prints then is start-up output, never an
   * answer.
   */
  public Duration settleTime() {
    return settleTime;
  }

  /** Runtime-specific settings (e.g. {@code cpus} for docker), keyed as in TOML. */
  public Map<String, Object> options() {
    return options;
  }

  /**
   * The directory relative paths are taken from: that of the {@code handlers.toml} this came from,
   * or as set with {@link Builder#baseDir}, or {@code null}. The {@code process} runtime runs commands
   * there when no {@code workdir} is set, so a file's relative paths work from wherever the host starts.
   */
  public Path baseDir() {
    return baseDir;
  }

  @Override
  public String toString() {
    return "HandlerSpec[" + name + ", runtime=" + runtime() + ", instances=" + instances
        + (image != null ? ", image=" + image : "")
        + (command != null ? ", command=" + command : "") + "]";
  }

  /** Builds a {@link HandlerSpec}. Every setter checks its value at once. */
  public static final class Builder {
    private final String name;
    private String runtime;
    private String image;
    private List<String> command;
    private Path workdir;
    private final Map<String, String> env = new LinkedHashMap<>();
    private int instances = Keys.INSTANCES.defaultValue();
    private Duration timeout;
    private Integer maxRetries;
    private Integer queueCapacity;
    private QueueOrder queueOrder;
    private HandlerSelection selection = Keys.HANDLER_SELECTION.defaultValue();
    private String memoryLimit;
    private Backoff retryBackoff;
    private boolean retryOnTimeout = Keys.RETRY_ON_TIMEOUT.defaultValue();
    private boolean retryOnCrash = Keys.RETRY_ON_CRASH.defaultValue();
    private Integer maxLineBytes;
    private Duration stopGrace;
    private Duration settleTime;
    private final Map<String, Object> options = new LinkedHashMap<>();
    private Path baseDir;

    private Builder(String name) {
      Objects.requireNonNull(name, "name");
      if (!Keys.NAME.matcher(name).matches()) {
        throw new InvalidValueException("name", name,
            "a handler name of letters, digits, '_', '.' or '-', starting with a letter or digit, at most 63 characters");
      }
      this.name = name;
    }

    /** The runtime by name: {@code process}, {@code docker}, or one you registered. */
    public Builder runtime(String runtime) {
      this.runtime = Keys.RUNTIME.check(runtime);
      return this;
    }

    /** The container image; makes {@code docker} the default runtime. */
    public Builder image(String image) {
      this.image = Keys.IMAGE.check(image);
      return this;
    }

    /** The command: program and arguments, no shell involved. */
    public Builder command(String... command) {
      return command(List.of(command));
    }

    /** The command: program and arguments, no shell involved; no argument may hold a NUL character. */
    public Builder command(List<String> command) {
      this.command = new ArrayList<>(Keys.COMMAND.check(command));
      return this;
    }

    /** The working directory of each instance. */
    public Builder workdir(Path workdir) {
      this.workdir = Objects.requireNonNull(workdir, "workdir");
      return this;
    }

    /** Adds one environment variable; the value may not hold a NUL character. */
    public Builder env(String name, String value) {
      Env.checkName(name);
      Objects.requireNonNull(value, "value of " + name);
      try {
        Env.checkValue(value);
      } catch (InvalidValueException e) {
        throw new InvalidValueException("env." + name, value, e.expected());
      }
      this.env.put(name, value);
      return this;
    }

    /** Adds environment variables. */
    public Builder env(Map<String, String> env) {
      env.forEach(this::env);
      return this;
    }

    /** The number of warm instances, 1 to 100,000 (default 2). */
    public Builder instances(int instances) {
      this.instances = Keys.INSTANCES.check(instances);
      return this;
    }

    /** The per-attempt timeout, 1 ms to 365 days (default: the daemon's {@code task_timeout}, 30 s). */
    public Builder timeout(Duration timeout) {
      this.timeout = Keys.TIMEOUT.check(timeout);
      return this;
    }

    /** Retries after the first attempt: N allows N+1 attempts (default: the daemon's, 3). */
    public Builder maxRetries(int maxRetries) {
      this.maxRetries = Keys.MAX_RETRIES.check(maxRetries);
      return this;
    }

    /** The most tasks that may wait in the queue (default 10,000). */
    public Builder queueCapacity(int queueCapacity) {
      this.queueCapacity = Keys.QUEUE_CAPACITY.check(queueCapacity);
      return this;
    }

    /** The queue order (default: the daemon's {@code task_selection}, fifo). */
    public Builder queueOrder(QueueOrder queueOrder) {
      this.queueOrder = Keys.TASK_SELECTION.check(queueOrder);
      return this;
    }

    /** The instance selection strategy (default round-robin). */
    public Builder selection(HandlerSelection selection) {
      this.selection = Keys.HANDLER_SELECTION.check(selection);
      return this;
    }

    /** The memory limit, as Docker writes it: {@code 512m}, {@code 2g}. */
    public Builder memoryLimit(String memoryLimit) {
      this.memoryLimit = Keys.MEMORY_LIMIT.check(memoryLimit);
      return this;
    }

    /** The back-off between attempts (default: the daemon's). */
    public Builder retryBackoff(Backoff retryBackoff) {
      this.retryBackoff = Objects.requireNonNull(retryBackoff, "retryBackoff");
      return this;
    }

    /** Whether a timed-out attempt may be retried (default true). */
    public Builder retryOnTimeout(boolean retryOnTimeout) {
      this.retryOnTimeout = retryOnTimeout;
      return this;
    }

    /** Whether an attempt whose instance died may be retried (default true). */
    public Builder retryOnCrash(boolean retryOnCrash) {
      this.retryOnCrash = retryOnCrash;
      return this;
    }

    /** The longest accepted stdout line in bytes, 1024 to 1 GiB (default: the daemon's, 64 MiB). */
    public Builder maxLineBytes(int maxLineBytes) {
      this.maxLineBytes = Keys.MAX_LINE_BYTES.check(maxLineBytes);
      return this;
    }

    /** How long an instance may take to exit after stdin closes before it is stopped; 0 is allowed. */
    public Builder stopGrace(Duration stopGrace) {
      this.stopGrace = Keys.STOP_GRACE.check(stopGrace);
      return this;
    }

    /**
     * How long a freshly started instance's stdout is watched before its first request may be written
     * ({@code settle_time}; 0 to 10 s; default: the daemon's, 50 ms). Anything the instance prints in
     * that time is start-up output, logged and never taken as an answer.
     */
    public Builder settleTime(Duration settleTime) {
      this.settleTime = Keys.SETTLE_TIME.check(settleTime);
      return this;
    }

    /**
     * A runtime-specific setting, keyed as in TOML (e.g. {@code option("cpus", "0.5")}). The runtime
     * checks it at {@code start()}.
     */
    public Builder option(String key, Object value) {
      this.options.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value of " + key));
      return this;
    }

    /**
     * The directory relative paths are taken from (the {@code process} runtime's working directory
     * when no {@code workdir} is set; docker's relative volume sources). A {@code handlers.toml} sets
     * it to its own directory; {@code null} means the host's working directory.
     */
    public Builder baseDir(Path baseDir) {
      this.baseDir = baseDir;
      return this;
    }

    /** The definition. Cross-field rules are checked when the daemon starts. */
    public HandlerSpec build() {
      return new HandlerSpec(this);
    }
  }
}

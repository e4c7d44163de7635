package dev.taskdaemon.micrometer;

import dev.taskdaemon.HandlerPool;
import dev.taskdaemon.Result;
import dev.taskdaemon.Task;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskListener;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer meters for one {@link TaskDaemon}: task counters, attempt and queue-wait timers, and
 * gauges of each handler's pool.
 *
 * <p>The counters and timers come from the daemon's events, so this is a {@link TaskListener} that
 * must be given to the daemon's builder before {@code start()}; the gauges read the daemon's pools, so
 * it is then pointed at the started daemon with {@link #monitor(TaskDaemon)} before it is bound:
 *
 * <pre>{@code
 * TaskDaemonMetrics metrics = new TaskDaemonMetrics();
 * try (TaskDaemon daemon = TaskDaemon.builder().fromToml(Path.of("handlers.toml")).listener(metrics).start()) {
 *   metrics.monitor(daemon).bindTo(registry);
 *   ...
 * }
 * metrics.close(); // removes its meters from the registry
 * }</pre>
 *
 * <p>Misuse fails at once with a message saying what to do: {@link #bindTo} before {@link #monitor},
 * {@code monitor} of a daemon this was not given to as a listener, one {@code TaskDaemonMetrics} for
 * two daemons, or a second binder whose meters would take the place of this one's in a registry.
 *
 * <p>Counters count every event since the daemon started, also those before {@code bindTo}; timers
 * record what ends after {@code bindTo}. The queue wait is measured as the events are delivered, which
 * is asynchronous: a listener of the same daemon that blocks stretches it. The gauges hold the daemon's
 * pools weakly and never throw: after {@code close()} of the daemon they show its last state, and
 * {@code NaN} once it is garbage. The meters are listed in {@code docs/metrics.md}.
 *
 * <p>Thread-safe: events arrive on the daemon's event thread, {@code monitor}, {@code bindTo} and
 * {@code close} may be called from any thread, and gauges are read by the registry's.
 */
public final class TaskDaemonMetrics implements MeterBinder, TaskListener, AutoCloseable {

  /** How long {@link #monitor} waits for the first event that proves this listens to the daemon. */
  static final Duration REGISTRATION_WAIT = Duration.ofSeconds(5);

  private final Options options;
  private final EventCounts counts = new EventCounts();
  /** Submission times of tasks whose first attempt has not started, by task id, for the queue wait. */
  private final ConcurrentHashMap<String, Long> submittedAt = new ConcurrentHashMap<>();
  /** Handlers this listener has seen an instance of: evidence that it was given to the daemon. */
  private final Set<String> startedHandlers = ConcurrentHashMap.newKeySet();
  private final CountDownLatch firstInstance = new CountDownLatch(1);
  private final List<Binding> bindings = new CopyOnWriteArrayList<>();

  // Guarded by this.
  private Pools pools;
  private String daemonName;
  private volatile boolean closed;

  /** Meters with the names of {@code docs/metrics.md} and no extra tags. */
  public TaskDaemonMetrics() {
    this(Options.defaults());
  }

  /** Meters as {@code options} say: extra tags, and the original daemon's names as well. */
  public TaskDaemonMetrics(Options options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  /** The options this binder was made with. */
  public Options options() {
    return options;
  }

  /**
   * Points the gauges at {@code daemon}, the daemon this was given to with {@code
   * TaskDaemon.Builder.listener(this)}. Waits (at most 5 s) until the daemon's first event reaches
   * this listener, which happens within milliseconds of {@code start()} when it was registered.
   *
   * @return this, to call {@link #bindTo} on
   * @throws IllegalStateException if this was not registered as the daemon's listener, already
   *     monitors another daemon, or is closed
   */
  public TaskDaemonMetrics monitor(TaskDaemon daemon) {
    Objects.requireNonNull(daemon, "daemon");
    synchronized (this) {
      checkOpen();
      if (pools != null) {
        if (pools.belongsTo(daemon)) {
          return this;
        }
        throw monitorsAnother(daemon);
      }
    }
    awaitRegistration(daemon);
    synchronized (this) {
      checkOpen();
      if (pools == null) {
        pools = new Pools(daemon);
        daemonName = daemon.name();
      } else if (!pools.belongsTo(daemon)) {
        throw monitorsAnother(daemon); // another thread's monitor() won while this one waited
      }
    }
    return this;
  }

  private IllegalStateException monitorsAnother(TaskDaemon daemon) {
    return new IllegalStateException("this TaskDaemonMetrics already monitors daemon '" + daemonName
        + "'; one TaskDaemonMetrics serves one daemon: create another for daemon '" + daemon.name()
        + "' and give it to that daemon's builder with listener(...)");
  }

  private void awaitRegistration(TaskDaemon daemon) {
    List<String> handlers = daemon.handlers();
    // A listener calling this would wait for events only its own thread can deliver.
    boolean onEventThread = Thread.currentThread().getName().equals("td-" + daemon.name() + "-events");
    if (handlers.isEmpty() || onEventThread) {
      return;
    }
    try {
      firstInstance.await(REGISTRATION_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for daemon '" + daemon.name() + "''s first event", e);
    }
    for (String h : handlers) {
      if (startedHandlers.contains(h)) {
        return;
      }
    }
    throw new IllegalStateException("TaskDaemonMetrics has received no event from daemon '" + daemon.name()
        + "' (handlers " + handlers + ") within " + REGISTRATION_WAIT.toSeconds() + " s of monitor(): give it to "
        + "the builder before start(), TaskDaemon.builder()...listener(metrics).start(), so that it sees the tasks");
  }

  /**
   * Registers the meters with {@code registry}. Binding the same registry again does nothing; several
   * registries may be bound.
   *
   * @throws IllegalStateException if {@link #monitor} has not been called, if this is closed, or if
   *     {@code registry} already holds meters of the same names and tags from another binder (close
   *     that one, or tell them apart with {@link Options#tags})
   */
  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    checkOpen();
    if (pools == null) {
      throw new IllegalStateException("call monitor(daemon) before bindTo(registry): the gauges read the "
          + "daemon's pools, e.g. metrics.monitor(daemon).bindTo(registry)");
    }
    for (Binding b : bindings) {
      if (b.registry == registry) {
        return;
      }
    }
    Binding b = new Binding(registry, options.tags());
    Set<Meter> before = new HashSet<>(registry.getMeters());
    try {
      Meters.register(b, pools, counts, options);
      for (Meter m : b.meters) {
        if (before.contains(m)) {
          throw new IllegalStateException("the registry already has meter " + describe(m.getId())
              + " from another binder, which would be reported in this one's place: close() the "
              + "TaskDaemonMetrics that registered it, or tell the two apart with Options.tags(...)");
        }
      }
    } catch (RuntimeException e) {
      for (Meter m : b.meters) {
        if (!before.contains(m)) {
          registry.remove(m);
        }
      }
      throw e;
    }
    bindings.add(b);
  }

  /**
   * Removes every meter this registered from every registry it was bound to, and lets go of the
   * daemon. The daemon's later events are ignored. Idempotent.
   */
  @Override
  public void close() {
    List<Binding> unbound;
    synchronized (this) {
      closed = true;
      pools = null;
      unbound = new ArrayList<>(bindings);
      bindings.clear();
    }
    for (Binding b : unbound) {
      b.close();
    }
    submittedAt.clear();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this TaskDaemonMetrics is closed");
    }
  }

  private static String describe(Meter.Id id) {
    StringBuilder s = new StringBuilder(id.getName()).append('{');
    boolean first = true;
    for (Tag t : id.getTagsAsIterable()) {
      s.append(first ? "" : ",").append(t.getKey()).append('=').append(t.getValue());
      first = false;
    }
    return s.append('}').toString();
  }

  // ---------------------------------------------------------------- events (the daemon's event thread)

  @Override
  public void taskSubmitted(Task task) {
    counts.of(task.taskType()).submitted.increment();
    counts.received.increment();
    if (!closed) {
      submittedAt.put(task.taskId(), System.nanoTime());
    }
  }

  @Override
  public void attemptStarted(Task task, String instance) {
    if (task.attempt() != 1) {
      return;
    }
    Long at = submittedAt.remove(task.taskId());
    if (at == null) {
      return;
    }
    long waited = Math.max(0, System.nanoTime() - at);
    for (Binding b : bindings) {
      Timer t = b.queueWait(task.taskType());
      if (t != null) {
        t.record(waited, TimeUnit.NANOSECONDS);
      }
    }
  }

  @Override
  public void attemptEnded(Task task, String instance, Result outcome, Duration elapsed) {
    String tag = Outcomes.tag(outcome);
    for (Binding b : bindings) {
      Timer t = b.attempt(task.taskType(), tag);
      if (t != null) {
        t.record(elapsed);
      }
    }
  }

  @Override
  public void retryScheduled(Task failed, Result.Failure cause, Duration delay) {
    counts.of(failed.taskType()).retried.increment();
  }

  @Override
  public void taskCompleted(Task task, Result result) {
    counts.of(task.taskType()).completed(Outcomes.tag(result)).increment();
    // A task that ends without an attempt (refused as unavailable, cancelled while queued) never
    // reaches attemptStarted.
    submittedAt.remove(task.taskId());
  }

  @Override
  public void instanceStarted(String handler, String instance) {
    if (startedHandlers.add(handler)) {
      firstInstance.countDown();
    }
  }

  @Override
  public String toString() {
    String d;
    synchronized (this) {
      d = daemonName;
    }
    return "TaskDaemonMetrics[" + (d == null ? "not monitoring" : "daemon=" + d) + ", registries=" + bindings.size()
        + "]";
  }

  // ---------------------------------------------------------------- options

  /**
   * What a {@link TaskDaemonMetrics} registers besides its standard meters. Immutable; each method
   * returns a changed copy.
   *
   * <pre>{@code
   * new TaskDaemonMetrics(TaskDaemonMetrics.Options.defaults().tags("app", "thumbnails").originalNames(true));
   * }</pre>
   */
  public static final class Options {
    private static final Options DEFAULTS = new Options(Tags.empty(), false);

    private final Tags tags;
    private final boolean originalNames;

    private Options(Tags tags, boolean originalNames) {
      this.tags = tags;
      this.originalNames = originalNames;
    }

    /** No extra tags; the standard meters only. */
    public static Options defaults() {
      return DEFAULTS;
    }

    /** Adds tags to every meter, e.g. to tell two daemons apart in one registry. */
    public Options tags(Iterable<Tag> tags) {
      Objects.requireNonNull(tags, "tags");
      for (Tag t : tags) {
        if (t.getKey().equals("handler") || t.getKey().equals("outcome") || t.getKey().equals("state")) {
          throw new IllegalArgumentException("tag '" + t.getKey() + "' is set by TaskDaemonMetrics itself; "
              + "choose another key, e.g. 'daemon'");
        }
      }
      return new Options(this.tags.and(tags), originalNames);
    }

    /** Adds tags given as key, value, key, value, … */
    public Options tags(String... keyValues) {
      Objects.requireNonNull(keyValues, "keyValues");
      if (keyValues.length % 2 != 0) {
        throw new IllegalArgumentException("tags come in key, value pairs; got " + keyValues.length + " strings");
      }
      return tags(Tags.of(keyValues));
    }

    /**
     * Whether to register, besides the standard meters, the original TaskDaemon's: {@code
     * tasks_received} (a counter, {@code tasks_received_total} in Prometheus), {@code queue_size},
     * {@code container_pool_active{handler}} and {@code container_pool_idle{handler}} (default false).
     */
    public Options originalNames(boolean originalNames) {
      return new Options(tags, originalNames);
    }

    /** The extra tags. */
    public Tags tags() {
      return tags;
    }

    /** Whether the original daemon's names are registered too. */
    public boolean originalNames() {
      return originalNames;
    }

    @Override
    public String toString() {
      return "Options[tags=" + tags + ", originalNames=" + originalNames + "]";
    }
  }

  // ---------------------------------------------------------------- the monitored daemon

  /**
   * The daemon's pools, held weakly: meters in a registry that outlives the daemon must not keep it
   * (its pools, their instances) in memory.
   */
  static final class Pools {
    private final java.lang.ref.WeakReference<TaskDaemon> daemon;
    private final List<PoolView> views = new ArrayList<>();

    Pools(TaskDaemon daemon) {
      this.daemon = new java.lang.ref.WeakReference<>(daemon);
      for (String h : daemon.handlers()) {
        HandlerPool pool = daemon.pool(h);
        views.add(new PoolView(h, pool));
      }
    }

    boolean belongsTo(TaskDaemon d) {
      return daemon.get() == d;
    }

    List<PoolView> views() {
      return views;
    }
  }
}

package dev.taskdaemon.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.taskdaemon.DaemonClosedException;
import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.HandlerStartException;
import dev.taskdaemon.HandlerStats;
import dev.taskdaemon.Result;
import dev.taskdaemon.Scheduler;
import dev.taskdaemon.TaskDataException;
import dev.taskdaemon.UnknownTaskTypeException;
import dev.taskdaemon.spi.HandlerRuntime;
import dev.taskdaemon.spi.RuntimeContext;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The daemon's machinery behind {@link dev.taskdaemon.TaskDaemon}. */
public final class Engine {
  private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
  private static final Duration TERMINATE_WAIT = Duration.ofSeconds(2);
  private static final Duration KILL_BOUND = Duration.ofSeconds(10);

  final String name;
  final String session;
  final EngineConfig config;
  final Events events;
  final Scheduler scheduler;
  private final SystemScheduler ownScheduler;
  final ExecutorService io;
  private final Map<String, HandlerPool> pools = new LinkedHashMap<>();
  private final Map<HandlerRuntime, List<HandlerSpec>> runtimesInUse = new IdentityHashMap<>();
  private final RuntimeContext context;
  private final AtomicLong seq = new AtomicLong();
  private final Object stateLock = new Object();
  private volatile boolean closed;
  private boolean stopped;
  private String closeCause = "the daemon is closed";
  private Thread shutdownHook;

  private Engine(EngineConfig config) {
    this.config = config;
    this.name = config.name();
    this.session = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    this.events = new Events(config.listeners());
    this.ownScheduler = config.scheduler() == null ? new SystemScheduler("td-" + name + "-scheduler-1") : null;
    this.scheduler = config.scheduler() != null ? config.scheduler() : ownScheduler;
    this.io = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
        threads("td-" + name + "-io"));
    this.context = new RuntimeContext(name, session, config.stopGrace());
  }

  /** Starts a daemon: opens the runtimes, starts every pool's instances in parallel. */
  public static Engine start(EngineConfig config) {
    Engine e = new Engine(config);
    try {
      e.open();
    } catch (RuntimeException ex) {
      e.shutdown("the daemon failed to start", false);
      throw ex;
    }
    return e;
  }

  private void open() {
    for (HandlerSpec h : config.handlers()) {
      HandlerRuntime rt = config.runtimes().get(h.runtime());
      runtimesInUse.computeIfAbsent(rt, k -> new ArrayList<>()).add(h);
      pools.put(h.name(), new HandlerPool(this, h, config.settingsFor(h), rt));
    }
    for (Map.Entry<HandlerRuntime, List<HandlerSpec>> r : runtimesInUse.entrySet()) {
      r.getKey().open(context, List.copyOf(r.getValue()));
    }
    shutdownHook = new Thread(() -> shutdown("the JVM is shutting down", false), "td-" + name + "-shutdown-hook");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    List<CompletableFuture<Void>> starts = new ArrayList<>();
    for (HandlerPool p : pools.values()) {
      starts.add(CompletableFuture.runAsync(p::start, io));
    }
    List<String> failures = new ArrayList<>();
    HandlerStartException first = null;
    for (CompletableFuture<Void> f : starts) {
      try {
        f.join();
      } catch (RuntimeException ex) {
        Throwable c = ex.getCause() != null ? ex.getCause() : ex;
        if (c instanceof HandlerStartException hse && first == null) {
          first = hse;
        }
        failures.add(c.getMessage());
      }
    }
    if (!failures.isEmpty()) {
      String handler = first != null ? first.handler() : null;
      throw new HandlerStartException(handler, String.join("\n", failures), first);
    }
    LOG.info("daemon '{}' started: {} handlers, session {}", name, pools.size(), session);
  }

  public String name() {
    return name;
  }

  public String session() {
    return session;
  }

  /**
   * The refusal of a task type no handler has, with the nearest configured name when one is a few
   * edits away (about a third of the name's length, at least one): a typo gets its fix, an
   * unrelated name no misleading guess.
   */
  public UnknownTaskTypeException unknownTaskType(String taskType) {
    String guess = ConfigKeys.nearest(taskType, pools.keySet(), Math.max(1, taskType.length() / 3))
        .map(best -> " (did you mean '" + best + "'?)").orElse("");
    return new UnknownTaskTypeException(taskType, "no handler for task type '" + taskType + "'" + guess
        + "; configured handlers: " + pools.keySet() + ". Add a [handlers." + taskType + "] table to handlers.toml"
        + " or define it with TaskDaemon.builder().handler(\"" + taskType + "\", ...)");
  }

  public List<String> handlers() {
    return List.copyOf(pools.keySet());
  }

  public CompletableFuture<Result> submit(String taskType, Object taskData, int priority) {
    if (priority < 0 || priority > 100) {
      throw new IllegalArgumentException("priority must be from 0 to 100, was " + priority);
    }
    HandlerPool pool = pools.get(taskType);
    if (closed) {
      return CompletableFuture.failedFuture(closedException(taskType));
    }
    if (pool == null) {
      return CompletableFuture.failedFuture(unknownTaskType(taskType));
    }
    JsonNode data;
    try {
      data = taskData == null ? NullNode.getInstance()
          : taskData instanceof JsonNode j ? j : config.mapper().valueToTree(taskData);
    } catch (IllegalArgumentException ex) {
      String detail = ex.getCause() != null && ex.getCause().getMessage() != null
          ? ex.getCause().getMessage() : ex.getMessage();
      return CompletableFuture.failedFuture(new TaskDataException(taskType,
          "task data for '" + taskType + "' cannot be serialized to JSON (" + taskData.getClass().getName()
              + "): " + firstLine(detail) + ". Pass a Map, a record or POJO with getters, or a JsonNode", ex));
    }
    PendingTask t = new PendingTask(newTaskId(), taskType, data, priority, seq.incrementAndGet());
    pool.submit(t);
    return t.future;
  }

  /**
   * A random (version 4) UUID. Task ids correlate attempts and logs; they guard nothing, so they come
   * from {@link ThreadLocalRandom} rather than {@link UUID#randomUUID()}, whose shared SecureRandom
   * serializes concurrent submitters.
   */
  static String newTaskId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
    long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb).toString();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  DaemonClosedException closedException(String handler) {
    String cause;
    synchronized (stateLock) {
      cause = closeCause;
    }
    return new DaemonClosedException(handler, "daemon '" + name + "' is closed (" + cause
        + "); submit tasks before close(), or start a new daemon");
  }

  public Map<String, HandlerStats> stats() {
    Map<String, HandlerStats> m = new LinkedHashMap<>();
    for (HandlerPool p : pools.values()) {
      m.put(p.name, p.stats());
    }
    return m;
  }

  /** Graceful: stop accepting, drain within drain_timeout, then stop instances. */
  public void close() {
    shutdown("close() was called", true);
  }

  /** Immediate: fail everything pending, kill instances. */
  public void shutdownNow() {
    shutdown("shutdownNow() was called", false);
  }

  private void shutdown(String cause, boolean drain) {
    synchronized (stateLock) {
      if (stopped) {
        return;
      }
      stopped = true;
      closeCause = cause;
      closed = true;
    }
    for (HandlerPool p : pools.values()) {
      p.beginClose();
    }
    if (drain) {
      long deadline = System.nanoTime() + config.drainTimeout().toNanos();
      try {
        for (HandlerPool p : pools.values()) {
          if (!p.awaitDrained(deadline)) {
            LOG.warn("daemon '{}': handler '{}' still had tasks after drain_timeout {}; they fail", name, p.name,
                seconds(config.drainTimeout()));
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    String failCause = drain
        ? "daemon '" + name + "' was closed before the task finished (drain_timeout " + seconds(config.drainTimeout())
            + " elapsed)"
        : "daemon '" + name + "' was shut down before the task finished (" + cause + ")";
    List<Instance> instances = new ArrayList<>();
    Map<Instance, HandlerPool> owner = new IdentityHashMap<>();
    for (HandlerPool p : pools.values()) {
      for (Instance i : p.stop(failCause)) {
        instances.add(i);
        owner.put(i, p);
      }
    }
    stopInstances(instances, owner, drain);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    try {
      for (HandlerPool p : pools.values()) {
        p.joinDispatcher(deadline);
      }
      for (Instance i : instances) {
        if (!i.joinThreads(deadline)) {
          LOG.warn("daemon '{}': reader threads of instance {} did not end", name, i.name);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ownScheduler != null) {
      ownScheduler.shutdown();
    }
    io.shutdown();
    try {
      io.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Last, once no I/O thread can still be launching a replacement, so the runtime's cleanup of
    // this session sees everything the session started.
    for (HandlerRuntime rt : runtimesInUse.keySet()) {
      try {
        rt.close(context);
      } catch (RuntimeException e) {
        LOG.warn("daemon '{}': runtime '{}' failed to close", name, rt.name(), e);
      }
    }
    if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException ignored) {
        // the JVM is already shutting down
      }
    }
    LOG.info("daemon '{}' stopped ({})", name, cause);
  }

  /** close stdin → grace → terminate → kill, for all instances in parallel; bounded. */
  private void stopInstances(List<Instance> instances, Map<Instance, HandlerPool> owner, boolean graceful) {
    List<Thread> stoppers = new ArrayList<>();
    for (Instance inst : instances) {
      HandlerPool pool = owner.get(inst);
      Thread t = new Thread(() -> stopInstance(inst, pool.settings.stopGrace(), graceful),
          "td-" + name + "-stop-" + inst.name);
      t.setDaemon(true);
      t.start();
      stoppers.add(t);
    }
    long bound = TimeUnit.SECONDS.toNanos(30);
    for (HandlerPool p : pools.values()) {
      bound = Math.max(bound, p.settings.stopGrace().plus(TERMINATE_WAIT).plus(KILL_BOUND).toNanos());
    }
    long deadline = System.nanoTime() + bound;
    for (Thread t : stoppers) {
      try {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    for (Instance inst : instances) {
      events.instanceExited(inst.pool.name, inst.name, inst.retiredFor);
    }
  }

  private void stopInstance(Instance inst, Duration grace, boolean graceful) {
    if (graceful) {
      try {
        inst.process.stdin().close();
      } catch (IOException ignored) {
        // already closed: the process is going anyway
      }
      if (waitExit(inst, grace)) {
        return;
      }
      LOG.info("instance {} did not exit within stop_grace {} after stdin closed; stopping it", inst.name,
          seconds(grace));
      inst.process.terminate();
      if (waitExit(inst, TERMINATE_WAIT)) {
        return;
      }
      LOG.warn("instance {} ignored the stop request; killing it", inst.name);
    }
    inst.process.kill(KILL_BOUND);
  }

  private static boolean waitExit(Instance inst, Duration d) {
    try {
      inst.process.onExit().get(d.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception e) {
      return false;
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Schedules on the daemon's scheduler; after shutdown, quietly does nothing. */
  Scheduler.Cancellable schedule(Runnable r, Duration delay) {
    try {
      return scheduler.schedule(r, delay);
    } catch (RejectedExecutionException e) {
      return null;
    }
  }

  long nanoTime() {
    return scheduler.nanoTime();
  }

  /** Runs on the I/O pool; after shutdown, runs on the caller's thread so kills still happen. */
  void execute(Runnable r) {
    try {
      io.execute(r);
    } catch (RejectedExecutionException e) {
      r.run();
    }
  }

  static String seconds(Duration d) {
    long ms = d.toMillis();
    if (ms % 1000 == 0) {
      return (ms / 1000) + "s";
    }
    return String.format(java.util.Locale.ROOT, "%.3fs", ms / 1000.0).replaceAll("0+s$", "s");
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}

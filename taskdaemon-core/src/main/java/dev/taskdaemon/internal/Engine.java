package dev.taskdaemon.internal;

import dev.taskdaemon.DaemonClosedException;
import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.HandlerStartException;
import dev.taskdaemon.HandlerStats;
import dev.taskdaemon.Result;
import dev.taskdaemon.Scheduler;
import dev.taskdaemon.Task;
import dev.taskdaemon.TaskFuture;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
  private final ExecutorService ownCallbacks;
  private final Executor callbacks;
  /** shutdownNow() was called: a close() in progress stops draining at once. */
  private volatile boolean abort;
  private final CountDownLatch stoppedLatch = new CountDownLatch(1);
  private final Map<String, Pool> pools = new LinkedHashMap<>();
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
    this.events = new Events(config.listeners(), "td-" + name + "-events");
    this.ownScheduler = config.scheduler() == null ? new SystemScheduler("td-" + name + "-scheduler-1") : null;
    this.scheduler = config.scheduler() != null ? config.scheduler() : ownScheduler;
    this.io = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
        Threads.factory("td-" + name + "-io"));
    this.ownCallbacks = config.callbackExecutor() == null
        ? new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
            Threads.factory("td-" + name + "-callback"))
        : null;
    Executor given = config.callbackExecutor() != null ? config.callbackExecutor() : ownCallbacks;
    // After close() the daemon's own pool is shut down: a callback added later runs on the caller.
    this.callbacks = r -> {
      try {
        given.execute(r);
      } catch (RejectedExecutionException e) {
        r.run();
      }
    };
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
      pools.put(h.name(), new Pool(this, h, config.settingsFor(h), rt));
    }
    for (Map.Entry<HandlerRuntime, List<HandlerSpec>> r : runtimesInUse.entrySet()) {
      r.getKey().open(context, List.copyOf(r.getValue()));
    }
    shutdownHook = new Thread(() -> shutdown("the JVM is shutting down", false), "td-" + name + "-shutdown-hook");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    List<CompletableFuture<Void>> starts = new ArrayList<>();
    for (Pool p : pools.values()) {
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
    String guess = dev.taskdaemon.internal.config.Keys.nearest(taskType, pools.keySet(), Math.max(1, taskType.length() / 3))
        .map(best -> " (did you mean '" + best + "'?)").orElse("");
    return new UnknownTaskTypeException(taskType, "no handler for task type '" + taskType + "'" + guess
        + "; configured handlers: " + pools.keySet() + ". Add a [handlers." + taskType + "] table to handlers.toml"
        + " or define it with TaskDaemon.builder().handler(\"" + taskType + "\", ...)");
  }

  public List<String> handlers() {
    return List.copyOf(pools.keySet());
  }

  public TaskFuture submit(String taskType, Object taskData, int priority) {
    if (priority < 0 || priority > 100) {
      throw new IllegalArgumentException("priority must be from 0 to 100, was " + priority);
    }
    String id = newTaskId();
    TaskFuture future = new TaskFuture(id, callbacks);
    Pool pool = pools.get(taskType);
    if (closed) {
      future.completeExceptionally(closedException(taskType));
      return future;
    }
    if (pool == null) {
      future.completeExceptionally(unknownTaskType(taskType));
      return future;
    }
    byte[] data;
    try {
      data = encode(taskType, taskData);
    } catch (TaskDataException e) {
      future.completeExceptionally(e);
      return future;
    }
    pool.submit(new PendingTask(Task.ofJson(id, taskType, data, 1), priority, seq.incrementAndGet(), future));
    return future;
  }

  /**
   * Encodes task data once, at submit, into the bytes every attempt writes: data that cannot be
   * encoded is refused here, before it could fail on a dispatch path.
   */
  private byte[] encode(String taskType, Object taskData) {
    byte[] data;
    try {
      data = taskData == null ? NULL : config.mapper().writeValueAsBytes(taskData);
    } catch (Exception | StackOverflowError e) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      String detail = e instanceof StackOverflowError ? "it nests too deeply (stack overflow while encoding)"
          : e instanceof com.fasterxml.jackson.core.JacksonException j ? j.getOriginalMessage() : e.getMessage();
      if (root != e && root.getMessage() != null && !(e instanceof com.fasterxml.jackson.core.JacksonException)) {
        detail = root.getMessage();
      }
      throw new TaskDataException(taskType, "task data for '" + taskType + "' cannot be serialized to JSON ("
          + taskData.getClass().getName() + "): " + firstLine(detail)
          + ". Pass a Map, a record or POJO with getters, or a JsonNode", e);
    }
    for (byte b : data) {
      if (b == '\n' || b == '\r') {
        // Only a raw value (@JsonRawValue, a custom serializer) can put one there: it would split the request line.
        throw new TaskDataException(taskType, "task data for '" + taskType + "' encodes to JSON with a raw line"
            + " break (from a raw value or a custom serializer), which would break the one-line request;"
            + " escape it or remove the raw value");
      }
    }
    return data;
  }

  private static final byte[] NULL = "null".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

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

  // Lifecycle API: implemented in the next commit.
  public TaskFuture submit(String taskType, Object taskData, dev.taskdaemon.TaskOptions options) {
    throw new UnsupportedOperationException("not yet");
  }

  public List<String> enqueue(List<dev.taskdaemon.TaskRequest> requests) {
    throw new UnsupportedOperationException("not yet");
  }

  public java.util.Optional<dev.taskdaemon.TaskInfo> task(String id) {
    throw new UnsupportedOperationException("not yet");
  }

  public List<dev.taskdaemon.TaskInfo> tasks(dev.taskdaemon.TaskQuery q) {
    throw new UnsupportedOperationException("not yet");
  }

  public CompletableFuture<Result> await(String id) {
    throw new UnsupportedOperationException("not yet");
  }

  public boolean cancel(String id) {
    throw new UnsupportedOperationException("not yet");
  }

  public boolean redrive(String id) {
    throw new UnsupportedOperationException("not yet");
  }

  public boolean delete(String id) {
    throw new UnsupportedOperationException("not yet");
  }

  public String storeDescription() {
    return "memory";
  }

  /** The pool of handler {@code name}. */
  public dev.taskdaemon.HandlerPool pool(String name) {
    Pool p = pools.get(name);
    if (p == null) {
      throw unknownTaskType(name);
    }
    return p;
  }

  public Map<String, HandlerStats> stats() {
    Map<String, HandlerStats> m = new LinkedHashMap<>();
    for (Pool p : pools.values()) {
      m.put(p.name, p.stats());
    }
    return m;
  }

  /** Graceful: stop accepting, drain within drain_timeout, then stop instances. */
  public void close() {
    shutdown("close() was called", true);
  }

  /** Immediate: fail everything pending, kill instances. Cuts a close() that is draining short. */
  public void shutdownNow() {
    abort = true;
    for (Pool p : pools.values()) {
      p.wake();
    }
    shutdown("shutdownNow() was called", false);
  }

  private void shutdown(String cause, boolean drain) {
    synchronized (stateLock) {
      if (stopped) {
        // Another call is stopping the daemon (a shutdownNow() during close() has already told it to
        // hurry); wait for it, bounded, unless this is a callback of the very thread doing it.
        if (!events.onDeliveryThread()) {
          awaitStopped();
        }
        return;
      }
      stopped = true;
      closeCause = cause;
      closed = true;
    }
    try {
      stop(cause, drain);
    } finally {
      stoppedLatch.countDown();
    }
  }

  private void awaitStopped() {
    try {
      if (!stoppedLatch.await(2, TimeUnit.MINUTES)) {
        LOG.warn("daemon '{}': the shutdown in progress did not finish within 2 minutes", name);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void stop(String cause, boolean drain) {
    for (Pool p : pools.values()) {
      p.beginClose();
    }
    boolean drained = true;
    if (drain) {
      long deadline = System.nanoTime() + config.drainTimeout().toNanos();
      try {
        for (Pool p : pools.values()) {
          if (!p.awaitDrained(deadline, () -> abort)) {
            drained = false;
            if (!abort) {
              LOG.warn("daemon '{}': handler '{}' still had tasks after drain_timeout {}; they fail", name, p.name,
                  seconds(config.drainTimeout()));
            }
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    String failCause = abort
        ? "daemon '" + name + "' was shut down before the task finished (shutdownNow() was called)"
        : drain
            ? "daemon '" + name + "' was closed before the task finished (drain_timeout "
                + seconds(config.drainTimeout()) + " elapsed)"
            : "daemon '" + name + "' was shut down before the task finished (" + cause + ")";
    if (drain && drained && !abort) {
      failCause = "daemon '" + name + "' was closed before the task finished";
    }
    List<Instance> instances = new ArrayList<>();
    Map<Instance, Pool> owner = new IdentityHashMap<>();
    for (Pool p : pools.values()) {
      for (Instance i : p.stop(failCause)) {
        instances.add(i);
        owner.put(i, p);
      }
    }
    stopInstances(instances, owner, drain);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    try {
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
    events.close(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    if (ownCallbacks != null) {
      ownCallbacks.shutdown(); // queued callbacks still run; none is waited for (a callback may be closing us)
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
  private void stopInstances(List<Instance> instances, Map<Instance, Pool> owner, boolean graceful) {
    List<Thread> stoppers = new ArrayList<>();
    for (Instance inst : instances) {
      Pool pool = owner.get(inst);
      stoppers.add(Threads.start("td-" + name + "-stop-" + inst.name, 0,
          () -> stopInstance(inst, pool.settings.stopGrace(), graceful)));
    }
    long bound = TimeUnit.SECONDS.toNanos(30);
    for (Pool p : pools.values()) {
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
    if (graceful && !abort) {
      try {
        inst.process.stdin().close();
      } catch (IOException ignored) {
        // already closed: the process is going anyway
      }
      if (waitExit(inst, grace)) {
        return;
      }
      if (!abort) {
        LOG.info("instance {} did not exit within stop_grace {} after stdin closed; stopping it", inst.name,
            seconds(grace));
        inst.process.terminate();
        if (waitExit(inst, TERMINATE_WAIT)) {
          return;
        }
        LOG.warn("instance {} ignored the stop request; killing it", inst.name);
      }
    }
    inst.process.kill(KILL_BOUND);
  }

  /** Waits for the instance to exit; gives up early when shutdownNow() asks to hurry. */
  private boolean waitExit(Instance inst, Duration d) {
    Deadline deadline = Deadline.after(d);
    while (!deadline.expired() && !abort) {
      try {
        inst.process.onExit().get(Math.min(50, deadline.remainingMillis()), TimeUnit.MILLISECONDS);
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (TimeoutException e) {
        // keep waiting
      } catch (Exception e) {
        return false;
      }
    }
    return inst.process.onExit().isDone();
  }

  // ---------------------------------------------------------------- helpers

  /** Schedules on the daemon's scheduler; after shutdown, quietly does nothing. */
  void schedule(Runnable r, Duration delay) {
    try {
      scheduler.schedule(r, delay);
    } catch (RejectedExecutionException e) {
      // shut down with the daemon: nothing more is to run
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
}

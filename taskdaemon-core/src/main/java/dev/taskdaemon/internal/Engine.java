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
import dev.taskdaemon.QueueFullException;
import dev.taskdaemon.RawJson;
import dev.taskdaemon.StoreException;
import dev.taskdaemon.TaskDaemonException;
import dev.taskdaemon.TaskInfo;
import dev.taskdaemon.TaskOptions;
import dev.taskdaemon.TaskQuery;
import dev.taskdaemon.TaskRequest;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.UnknownTaskException;
import dev.taskdaemon.spi.HandlerRuntime;
import dev.taskdaemon.spi.RuntimeContext;
import dev.taskdaemon.spi.StoreContext;
import dev.taskdaemon.spi.StoreSettings;
import dev.taskdaemon.spi.StoreWrite;
import dev.taskdaemon.spi.StoredTask;
import dev.taskdaemon.spi.TaskStore;
import dev.taskdaemon.spi.TaskStoreProvider;
import java.time.Instant;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
  final Ledger ledger;
  private final StoreLoop loop;
  /** Tasks this host holds: queued here, running here, or between the two. */
  private final ConcurrentHashMap<String, PendingTask> live = new ConcurrentHashMap<>();
  /** Futures of tasks this host handed back to the store (a durable retry), until they end somewhere. */
  private final ConcurrentHashMap<String, TaskFuture> detached = new ConcurrentHashMap<>();
  /** {@link #await} futures of tasks this host does not hold. */
  private final ConcurrentHashMap<String, List<CompletableFuture<Result>>> watchers = new ConcurrentHashMap<>();
  /** Ids whose futures are registered while their insert is being committed. */
  private final java.util.Set<String> inserting = ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.atomic.AtomicInteger inFlightTotal = new java.util.concurrent.atomic.AtomicInteger();

  private Engine(EngineConfig config) {
    this.config = config;
    this.name = config.name();
    this.session = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    // First, before any thread starts: an unknown store refuses the start with nothing to clean up.
    TaskStore store = config.storeObject() != null ? config.storeObject() : createStore(config.store());
    this.ledger = new Ledger(store, session, name);
    this.loop = store.durable() ? new StoreLoop(this, config.storeLease()) : null;
    this.events = new Events(config.listeners(), "td-" + name + "-events");
    this.ownScheduler = config.scheduler() == null ? new SystemScheduler("td-" + name + "-scheduler-1") : null;
    this.scheduler = config.scheduler() != null ? config.scheduler() : ownScheduler;
    this.io = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
        Threads.factory("td-" + name + "-io"));
    this.ownCallbacks = config.callbackExecutor() == null
        ? new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
            Threads.factory("td-" + name + "-callback"))
        : null;
    Executor given = config.callbackExecutor();
    this.callbacks = r -> {
      if (given == null) {
        try {
          ownCallbacks.execute(r);
        } catch (RejectedExecutionException e) {
          r.run(); // after close() the daemon's own pool is shut down: a callback added later runs on the caller
        }
        return;
      }
      try {
        given.execute(r);
      } catch (VirtualMachineError e) {
        throw e;
      } catch (Throwable e) {
        // The caller's executor refused (shut down too early) or broke: its callback must neither be
        // lost nor run where it was handed over, which may be an engine thread.
        ExecutorService fallback = fallbackCallbacks(given, e);
        if (fallback == null) {
          r.run(); // the daemon is closed: as with its own pool, a callback added later runs on the caller
          return;
        }
        try {
          fallback.execute(r);
        } catch (RejectedExecutionException closed) {
          r.run();
        }
      }
    };
    this.context = new RuntimeContext(name, session, config.stopGrace());
  }

  private static TaskStore createStore(StoreSettings s) {
    if (s == null || s.store().equals("memory")) {
      return new MemoryTaskStore(s == null ? 10_000 : s.maxFinished());
    }
    List<String> found = new ArrayList<>(List.of("memory"));
    for (TaskStoreProvider p : ServiceLoader.load(TaskStoreProvider.class, Engine.class.getClassLoader())) {
      if (p.name().equals(s.store())) {
        return p.create(s);
      }
      found.add(p.name());
    }
    throw new StoreException("no task store named '" + s.store() + "' on the class path (found: "
        + String.join(", ", found) + "); add the dependency dev.taskdaemon:taskdaemon-store-" + s.store()
        + " or set [daemon] store to one of those");
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
    // Before any instance starts: a store that cannot be opened (locked, corrupt, newer) stops start().
    ledger.store.open(new StoreContext(name, session, List.copyOf(pools.keySet()), this::storeNotified));
    storeOpen = true;
    ledger.startWriter();
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
    if (loop != null) {
      for (Pool p : pools.values()) {
        p.backlog = true; // whatever an earlier run or another host left is claimed at once
      }
      loop.start();
    } else {
      schedulePurge();
    }
    LOG.info("daemon '{}' started: {} handlers, session {}, store {}", name, pools.size(), session,
        ledger.store.describe());
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
    return submit(taskType, taskData, TaskOptions.defaults().priority(priority));
  }

  /** Stores and queues one task; refusals complete the future exceptionally. */
  public TaskFuture submit(String taskType, Object taskData, TaskOptions options) {
    try {
      return accept(List.of(new TaskRequest(taskType, taskData, options)), true).get(0).future;
    } catch (TaskDaemonException e) {
      TaskFuture f = new TaskFuture(options.taskId() != null ? options.taskId() : newTaskId(), callbacks);
      f.completeExceptionally(e);
      return f;
    }
  }

  /** Stores tasks without futures for the caller; returns their ids. */
  public List<String> enqueue(List<TaskRequest> requests) {
    List<Accepted> all = accept(requests, false);
    List<String> ids = new ArrayList<>(all.size());
    for (Accepted a : all) {
      ids.add(a.id);
    }
    return ids;
  }

  private static final class Accepted {
    final String id;
    TaskFuture future;

    Accepted(String id) {
      this.id = id;
    }
  }

  private static final class Prepared {
    final TaskRequest request;
    final Pool pool;
    final String id;
    final byte[] data;
    final Instant notBefore;
    boolean local;
    PendingTask task;
    TaskFuture detachedFuture;

    Prepared(TaskRequest request, Pool pool, String id, byte[] data, Instant notBefore) {
      this.request = request;
      this.pool = pool;
      this.id = id;
      this.data = data;
      this.notBefore = notBefore;
    }
  }

  /**
   * Checks every request (type, data), reserves room, stores them in one commit, and queues here
   * those this host takes at once. Everything refused is refused before anything is stored.
   */
  private List<Accepted> accept(List<TaskRequest> requests, boolean futures) {
    if (requests.isEmpty()) {
      return List.of();
    }
    if (requests.size() == 1 && !ledger.durable) {
      return List.of(acceptOne(requests.get(0)));
    }
    List<Prepared> prepared = new ArrayList<>(requests.size());
    Instant now = Instant.now();
    for (TaskRequest r : requests) {
      Pool pool = poolFor(r);
      byte[] data = encode(r.taskType(), r.taskData());
      TaskOptions o = r.options();
      Instant notBefore = o.notBefore() != null && o.notBefore().isAfter(now) ? o.notBefore() : null;
      prepared.add(new Prepared(r, pool, o.taskId() != null ? o.taskId() : newTaskId(), data, notBefore));
    }
    reserve(prepared);
    List<StoredTask> rows = new ArrayList<>(prepared.size());
    Instant lease = ledger.durable ? now.plus(config.storeLease()) : null;
    for (Prepared p : prepared) {
      TaskOptions o = p.request.options();
      if (p.local) {
        TaskFuture f = new TaskFuture(p.id, callbacks, this::cancel);
        p.task = new PendingTask(Task.ofJson(p.id, p.pool.name, p.data, 1), o.priority(), seq.incrementAndGet(), f,
            o.maxRetries(), o.timeout(), 0);
        if (live.putIfAbsent(p.id, p.task) != null) {
          // The id is held here already (an idempotent repeat): no second task.
          p.pool.unreserve(1);
          p.local = false;
          p.task = null;
        }
      }
      if (!p.local && futures) {
        // Registered before the insert: the store loop may claim the task as soon as it is stored.
        p.detachedFuture = new TaskFuture(p.id, callbacks, this::cancel);
        inserting.add(p.id);
        detached.putIfAbsent(p.id, p.detachedFuture);
      }
      rows.add(StoredTask.newTask(p.id, p.pool.name, p.data, o.priority(), o.maxRetries(),
          o.timeout() == null ? null : o.timeout().toMillis(), now, p.notBefore, p.local ? session : null,
          p.local ? lease : null));
    }
    List<Boolean> inserted;
    try {
      inserted = ledger.insert(rows);
    } catch (RuntimeException e) {
      prepared.forEach(p -> inserting.remove(p.id));
      for (Prepared p : prepared) {
        if (p.local) {
          live.remove(p.id, p.task);
          p.pool.unreserve(1);
        }
        if (p.detachedFuture != null) {
          detached.remove(p.id, p.detachedFuture);
        }
      }
      throw e instanceof TaskDaemonException tde ? tde
          : new StoreException("the task store (" + ledger.store.describe() + ") failed to store the tasks: " + e, e);
    }
    prepared.forEach(p -> inserting.remove(p.id));
    List<Accepted> out = new ArrayList<>(prepared.size());
    boolean wake = false;
    for (int i = 0; i < prepared.size(); i++) {
      Prepared p = prepared.get(i);
      Accepted a = new Accepted(p.id);
      out.add(a);
      if (!inserted.get(i)) {
        // An id that exists already: the caller gets that task.
        if (p.local) {
          live.remove(p.id, p.task);
          p.pool.unreserve(1);
        }
        if (p.detachedFuture != null) {
          detached.remove(p.id, p.detachedFuture);
        }
        if (futures) {
          a.future = followInto(new TaskFuture(p.id, callbacks, this::cancel), await(p.id));
        }
        continue;
      }
      if (p.local) {
        a.future = p.task.future;
        if (!p.pool.admit(p.task, true, dueNanos(now, p.notBefore))) {
          abandoned(p.task, "the daemon closed while the task was being queued");
        }
      } else {
        // Announced by the host that accepted it; whichever host claims it later reports its attempts.
        events.taskSubmitted(Task.ofJson(p.id, p.pool.name, p.data, 1));
        p.pool.backlog = true;
        wake = true;
        if (p.notBefore != null && loop != null) {
          loop.wakeAt(p.notBefore);
        }
        if (futures) {
          TaskFuture held = detached.get(p.id);
          a.future = held == p.detachedFuture || held == null ? p.detachedFuture
              : followInto(new TaskFuture(p.id, callbacks, this::cancel), held);
        }
      }
    }
    if (wake && loop != null) {
      loop.wake();
    }
    return out;
  }

  /** The pool of a request's task type; refuses when the daemon is closed or the type unknown. */
  private Pool poolFor(TaskRequest r) {
    if (closed) {
      throw closedException(r.taskType());
    }
    Pool pool = pools.get(r.taskType());
    if (pool == null) {
      throw unknownTaskType(r.taskType());
    }
    return pool;
  }

  /**
   * One task with the in-memory store, the hot path: stored, then queued with one acquisition of the
   * pool's lock; when the queue turns out to be full, the record is taken back and the task refused.
   */
  private Accepted acceptOne(TaskRequest r) {
    Pool pool = poolFor(r);
    byte[] data = encode(r.taskType(), r.taskData());
    TaskOptions o = r.options();
    Instant now = Instant.now();
    Instant notBefore = o.notBefore() != null && o.notBefore().isAfter(now) ? o.notBefore() : null;
    String id = o.taskId() != null ? o.taskId() : newTaskId();
    Accepted a = new Accepted(id);
    TaskFuture f = new TaskFuture(id, callbacks, this::cancel, this::callerRead);
    PendingTask t = new PendingTask(Task.ofJson(id, pool.name, data, 1), o.priority(), seq.incrementAndGet(), f,
        o.maxRetries(), o.timeout(), 0);
    if (live.putIfAbsent(id, t) != null || !ledger.insertOne(StoredTask.newTask(id, pool.name, data, o.priority(),
        o.maxRetries(), o.timeout() == null ? null : o.timeout().toMillis(), now, notBefore, session, null))) {
      live.remove(id, t);
      a.future = followInto(new TaskFuture(id, callbacks, this::cancel), await(id));
      return a;
    }
    Pool.Offer offered = pool.offer(t, dueNanos(now, notBefore));
    if (offered != Pool.Offer.ADMITTED) {
      live.remove(id, t);
      ledger.store.delete(id);
      throw offered == Pool.Offer.CLOSED ? closedException(pool.name) : pool.queueFull();
    }
    a.future = f;
    return a;
  }

  /**
   * When a task accepted at {@code now} may first run, on the scheduler's clock: 0 for at once, else
   * at least 1 ns ahead (a start beyond about 73 years saturates: it waits as "never").
   */
  private long dueNanos(Instant now, Instant notBefore) {
    return notBefore == null ? 0 : nanoTime() + Math.max(1, Deadline.saturatedNanos(Duration.between(now, notBefore)));
  }

  /**
   * Reserves queue room. In memory the queue is the backlog: every task needs room, or the batch is
   * refused. With a durable store the backlog is in the store (bounded by queue_capacity only when it
   * is set): tasks take room in the handler's window when there is some, and wait in the store otherwise.
   */
  private void reserve(List<Prepared> prepared) {
    Map<Pool, Integer> counts = new LinkedHashMap<>();
    for (Prepared p : prepared) {
      counts.merge(p.pool, 1, Integer::sum);
    }
    if (!ledger.durable) {
      List<Pool> done = new ArrayList<>();
      for (Map.Entry<Pool, Integer> e : counts.entrySet()) {
        if (e.getKey().reserve(e.getValue(), true) == 0) {
          for (Pool d : done) {
            d.unreserve(counts.get(d));
          }
          if (closed) {
            throw closedException(e.getKey().name);
          }
          throw e.getKey().queueFull();
        }
        done.add(e.getKey());
      }
      for (Prepared p : prepared) {
        p.local = true;
      }
      return;
    }
    for (Map.Entry<Pool, Integer> e : counts.entrySet()) {
      Pool pool = e.getKey();
      if (pool.spec.queueCapacity() != null || config.queueCapacitySet()) {
        long pending = ledger.store.countPending(pool.name);
        if (pending + e.getValue() > pool.settings.queueCapacity()) {
          throw new QueueFullException(pool.name, "handler '" + pool.name + "' queue full: " + pending
              + " tasks pending in the store, queue_capacity " + pool.settings.queueCapacity()
              + "; raise queue_capacity or instances, or submit more slowly");
        }
      }
    }
    for (Prepared p : prepared) {
      p.local = p.notBefore == null && !p.pool.backlog && p.pool.reserve(1, false) == 1;
    }
  }

  /**
   * Encodes task data once, at submit, into the bytes every attempt writes: data that cannot be
   * encoded is refused here, before it could fail on a dispatch path.
   */
  private byte[] encode(String taskType, Object taskData) {
    if (taskData instanceof RawJson raw) {
      return raw.utf8(); // checked when it was made: one value, one line
    }
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
    if (JsonText.hasLineBreak(data)) {
      // Only a raw value (@JsonRawValue, a custom serializer) can put one there: it would split the request line.
      throw new TaskDataException(taskType, "task data for '" + taskType + "' encodes to JSON with a raw line"
          + " break (from a raw value or a custom serializer), which would break the one-line request;"
          + " escape it or remove the raw value");
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

  // ---------------------------------------------------------------- the task lifecycle

  public Optional<TaskInfo> task(String id) {
    checkOpen();
    return storeCall(() -> ledger.store.find(id)).map(Ledger::info);
  }

  public List<TaskInfo> tasks(TaskQuery q) {
    checkOpen();
    List<StoredTask> rows = storeCall(() -> ledger.store.list(q));
    List<TaskInfo> out = new ArrayList<>(rows.size());
    for (StoredTask t : rows) {
      out.add(Ledger.info(t));
    }
    return out;
  }

  public CompletableFuture<Result> await(String id) {
    checkOpen();
    PendingTask t = live.get(id);
    if (t != null) {
      return followInto(new CompletableFuture<>(), t.future);
    }
    TaskFuture d = detached.get(id);
    if (d != null) {
      return followInto(new CompletableFuture<>(), d);
    }
    Optional<StoredTask> row = storeCall(() -> ledger.store.find(id));
    if (row.isEmpty()) {
      return CompletableFuture.failedFuture(new UnknownTaskException(id));
    }
    if (row.get().status().isFinal()) {
      return CompletableFuture.completedFuture(Ledger.resultOf(row.get()));
    }
    // Completed on an engine thread (the one that settles the task): its dependents run on the
    // callback executor, as a submit future's do, never there. Cancelling it stops only the wait.
    CompletableFuture<Result> f = new TaskFuture(id, callbacks);
    watchers.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(f);
    // It may have been taken, or finished, between the look-ups and the registration.
    t = live.get(id);
    if (t != null) {
      followInto(f, t.future);
    } else {
      storeCall(() -> ledger.store.find(id)).filter(r -> r.status().isFinal())
          .ifPresent(r -> settleWatchers(id, Ledger.resultOf(r)));
    }
    if (loop != null) {
      loop.wake();
    }
    return f;
  }

  /** Completes {@code target} with what {@code source} completes with; a cancelled task reads as CANCELLED. */
  private static <F extends CompletableFuture<Result>> F followInto(F target, CompletableFuture<Result> source) {
    source.whenComplete((r, e) -> {
      if (e == null) {
        target.complete(r);
      } else if (e instanceof java.util.concurrent.CancellationException) {
        target.complete(new Result.Failure("the task was cancelled", false, Result.Failure.Kind.CANCELLED));
      } else {
        target.completeExceptionally(e instanceof java.util.concurrent.CompletionException && e.getCause() != null
            ? e.getCause() : e);
      }
    });
    return target;
  }

  public boolean cancel(String id) {
    checkOpen();
    PendingTask t = live.get(id);
    if (t != null && pools.get(t.first.taskType()).cancel(t)) {
      return true;
    }
    TaskStore.CancelOutcome o = storeCall(() -> ledger.store.cancel(id, "task " + id + " was cancelled", Instant.now()));
    switch (o) {
      case CANCELLED:
        Result r = new Result.Failure("task " + id + " was cancelled", false, Result.Failure.Kind.CANCELLED);
        settleWatchers(id, r);
        return true;
      case REQUESTED:
        // Another host holds it (or this one, in passing): its owner ends it at its next lease renewal.
        if (loop != null) {
          loop.wake();
        }
        return true;
      default:
        return false;
    }
  }

  public boolean redrive(String id) {
    checkOpen();
    if (!storeCall(() -> ledger.store.redrive(id, Instant.now()))) {
      return false;
    }
    Optional<StoredTask> row = storeCall(() -> ledger.store.find(id));
    Pool p = row.map(r -> pools.get(r.taskType())).orElse(null);
    if (p == null) {
      return true; // another host's handler, or deleted meanwhile: it waits in the store
    }
    if (ledger.durable) {
      p.backlog = true;
      loop.wake();
      return true;
    }
    // In memory nothing claims from the store: the task joins the queue here at once.
    StoredTask r = row.get();
    TaskFuture f = new TaskFuture(id, callbacks, this::cancel);
    PendingTask t = new PendingTask(Task.ofJson(id, p.name, r.data(), r.attempts() + 1), r.priority(),
        seq.incrementAndGet(), f, r.maxRetries(), r.timeoutMillis() == null ? null : Duration.ofMillis(r.timeoutMillis()),
        r.retryBase());
    t.released = true;
    live.put(id, t);
    if (p.reserve(1, true) == 0) {
      p.unreserve(-1); // over queue_capacity by this one: a redrive is never refused for room
    }
    if (!p.admit(t, false, 0)) {
      abandoned(t, "the daemon closed while the task was being queued");
    }
    return true;
  }

  public boolean delete(String id) {
    checkOpen();
    PendingTask t = live.get(id);
    boolean was = t != null && pools.get(t.first.taskType()).cancel(t);
    if (!was) {
      TaskStore.CancelOutcome o = storeCall(() -> ledger.store.cancel(id, "task " + id + " was deleted", Instant.now()));
      was = o != TaskStore.CancelOutcome.UNKNOWN;
    }
    boolean removed = storeCall(() -> ledger.store.delete(id));
    settleWatchers(id, new Result.Failure("task " + id + " was deleted", false, Result.Failure.Kind.CANCELLED));
    return removed || was;
  }

  /** The store says new work may be claimable (another host enqueued or released some). */
  private void storeNotified() {
    if (loop != null) {
      for (Pool p : pools.values()) {
        p.backlog = true;
      }
      loop.wake();
    }
  }

  /** Takes one of the daemon's max_in_flight slots; always true without a cap. Any thread. */
  boolean takeInFlightSlot() {
    int cap = config.maxInFlight();
    if (cap <= 0) {
      return true;
    }
    while (true) {
      int n = inFlightTotal.get();
      if (n >= cap) {
        return false;
      }
      if (inFlightTotal.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /** An attempt ended: its slot goes back, and pools that waited for one dispatch again (off this thread). */
  void returnInFlightSlot() {
    if (config.maxInFlight() <= 0) {
      return;
    }
    inFlightTotal.decrementAndGet();
    for (Pool p : pools.values()) {
      if (p.waitingForSlot) {
        p.waitingForSlot = false;
        execute(p::dispatch);
      }
    }
  }

  void wakeStoreLoop() {
    if (loop != null) {
      loop.wake();
    }
  }

  public String storeDescription() {
    return ledger.store.describe();
  }

  private void checkOpen() {
    if (closed) {
      throw closedException(null);
    }
  }

  private <T> T storeCall(java.util.function.Supplier<T> call) {
    try {
      return call.get();
    } catch (TaskDaemonException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new StoreException("the task store (" + ledger.store.describe() + ") failed: " + e, e);
    }
  }

  // ---------------------------------------------------------------- what pools tell the store

  /** An attempt starts: its record shows it. */
  void started(PendingTask t, int attempt) {
    t.released = false;
    t.started = true;
    ledger.write(new StoreWrite.Start(t.id(), session, attempt, Instant.now()), null);
  }

  /** A failed attempt will be retried after {@code delay}. */
  void retrying(PendingTask t, Duration delay, String error) {
    Instant now = Instant.now();
    Instant due = now.plus(delay);
    if (!ledger.durable) {
      t.released = true;
      ledger.write(new StoreWrite.Release(t.id(), session, due, error, now), null);
      return;
    }
    // The task goes back to the store; its future waits here until the task ends, here or elsewhere.
    detached.put(t.id(), t.future);
    live.remove(t.id(), t);
    ledger.write(new StoreWrite.Release(t.id(), session, due, error, now), applied -> {
      pools.get(t.first.taskType()).backlog = true;
      loop.wakeAt(due);
    });
  }

  /**
   * A thread is about to wait for task {@code id}'s future (deadline in {@link System#nanoTime()},
   * {@link Long#MAX_VALUE} for none): the pool may let it read the answer itself (see {@link
   * Pool#callerRead}). In-memory store only: with a durable store the future completes on the writer
   * thread anyway.
   */
  private void callerRead(String id, long deadline) {
    PendingTask t = live.get(id);
    if (t != null) {
      Pool p = pools.get(t.first.taskType());
      if (p != null) {
        p.callerRead(t, deadline);
      }
    }
  }

  /** Records a task's outcome, then completes its future. */
  void record(PendingTask t, Task last, Result result) {
    StoreWrite.Finish f;
    Instant now = Instant.now();
    String owner = t.released ? null : session;
    if (result instanceof Result.Success s) {
      f = new StoreWrite.Finish(t.id(), owner, TaskStatus.COMPLETED, s.utf8Json(), null, null, now);
    } else {
      Result.Failure x = (Result.Failure) result;
      f = new StoreWrite.Finish(t.id(), owner, x.kind() == Result.Failure.Kind.CANCELLED ? TaskStatus.CANCELLED
          : TaskStatus.FAILED, null, x.kind().name(), x.message(), now);
    }
    ledger.write(f, applied -> {
      if (applied) {
        complete(t, last, result);
      } else {
        execute(() -> settleElsewhere(t, last, result));
      }
    });
  }

  /**
   * The outcome was not recorded: the record changed under this host (its lease ran out and another
   * host took the task, or it was cancelled or deleted). The future gets the one recorded outcome.
   */
  private void settleElsewhere(PendingTask t, Task last, Result mine) {
    Optional<StoredTask> row;
    try {
      row = ledger.store.find(t.id());
    } catch (RuntimeException e) {
      row = Optional.empty();
    }
    if (row.isPresent() && row.get().status().isFinal()) {
      complete(t, last, Ledger.resultOf(row.get()));
    } else if (row.isPresent() && ledger.durable) {
      LOG.warn("daemon '{}': task {} was taken over by another host while this one ran it; its outcome there counts",
          name, t.id());
      live.remove(t.id(), t);
      detached.put(t.id(), t.future);
      loop.wake();
    } else {
      complete(t, last, mine);
    }
  }

  private void complete(PendingTask t, Task last, Result result) {
    live.remove(t.id(), t);
    t.future.complete(result);
    events.taskCompleted(last, result);
    settleWatchers(t.id(), result);
  }

  private void settleWatchers(String id, Result result) {
    List<CompletableFuture<Result>> w = watchers.remove(id);
    if (w != null) {
      for (CompletableFuture<Result> f : w) {
        f.complete(result);
      }
    }
    TaskFuture d = detached.remove(id);
    if (d != null) {
      d.complete(result);
    }
  }

  /** A task this host held when its pool stopped. */
  void abandoned(PendingTask t, String cause) {
    live.remove(t.id(), t);
    Instant now = Instant.now();
    if (ledger.durable) {
      // A task still waiting in this host's window never ran the attempt its claim counted.
      ledger.write(new StoreWrite.Release(t.id(), session, null, null, now, !t.started), null);
      t.future.completeExceptionally(new DaemonClosedException(t.first.taskType(), cause + " (task " + t.id()
          + " stays pending in the store (" + ledger.store.describe() + ") for the next start)"));
    } else {
      ledger.write(new StoreWrite.Finish(t.id(), t.released ? null : session, TaskStatus.FAILED, null,
          Result.Failure.Kind.UNAVAILABLE.name(), cause, now), null);
      t.future.completeExceptionally(new DaemonClosedException(t.first.taskType(), cause + " (task " + t.id() + ")"));
    }
  }

  // ---------------------------------------------------------------- the store loop's rounds

  /** Fills each handler's window from the store. */
  void claimRound(boolean poll) {
    Instant now = Instant.now();
    for (Pool p : pools.values()) {
      if (!(poll || p.backlog || p.feedRequested)) {
        continue;
      }
      p.feedRequested = false;
      int room = p.reserve(config.claimBatch(), false);
      if (room == 0) {
        continue;
      }
      List<StoredTask> rows;
      try {
        rows = ledger.store.claim(p.name, p.settings.order(), room, session, now, now.plus(config.storeLease()));
      } catch (RuntimeException e) {
        p.unreserve(room);
        throw e;
      }
      p.unreserve(room - rows.size());
      p.backlog = rows.size() == room;
      for (StoredTask row : rows) {
        adopt(p, row);
      }
    }
  }

  private void adopt(Pool p, StoredTask row) {
    TaskFuture f = detached.remove(row.id());
    if (f == null) {
      f = new TaskFuture(row.id(), callbacks, this::cancel);
    }
    PendingTask t = new PendingTask(Task.ofJson(row.id(), p.name, row.data(), row.attempts()), row.priority(),
        seq.incrementAndGet(), f, row.maxRetries(),
        row.timeoutMillis() == null ? null : Duration.ofMillis(row.timeoutMillis()), row.retryBase());
    live.put(row.id(), t);
    int attempt = row.attempts() - row.retryBase();
    int max = p.maxRetriesOf(t);
    if (row.cancelRequested()) {
      t.cancelled = true;
    } else if (attempt > max + 1) {
      p.unreserve(1);
      p.finish(t, t.first, new Result.Failure("handler '" + p.name + "': task " + row.id() + " was taken from the store"
          + " for attempt " + attempt + " of " + (max + 1) + ": its earlier attempts ended when the host running them"
          + " stopped" + (row.lastError() != null ? " (last error: " + row.lastError() + ")" : "")
          + "; no attempt is left", false, Result.Failure.Kind.CRASH));
      return;
    }
    if (!p.admit(t, false, 0)) {
      abandoned(t, "the daemon closed while the task was being queued");
    }
  }

  /** Renews this host's leases and ends the tasks whose cancellation other hosts requested. */
  void renewRound() {
    ledger.store.renewLeases(session, Instant.now().plus(config.storeLease()));
    for (String id : ledger.store.cancelRequested(session)) {
      PendingTask t = live.get(id);
      if (t != null) {
        pools.get(t.first.taskType()).cancel(t);
      }
    }
  }

  /** Completes futures of tasks that ended elsewhere (another host, or after a durable retry). */
  void watchRound() {
    if (watchers.isEmpty() && detached.isEmpty()) {
      return;
    }
    java.util.Set<String> ids = new java.util.HashSet<>(watchers.keySet());
    ids.addAll(detached.keySet());
    ids.removeAll(live.keySet());
    ids.removeAll(inserting); // registered before their insert commits: not missing, only not there yet
    if (ids.isEmpty()) {
      return;
    }
    Map<String, StoredTask> found = new java.util.HashMap<>();
    for (StoredTask t : ledger.store.findAll(ids)) {
      found.put(t.id(), t);
    }
    for (String id : ids) {
      StoredTask t = found.get(id);
      if (t == null) {
        if (!live.containsKey(id)) {
          settleWatchers(id, new Result.Failure("task " + id + " was deleted", false, Result.Failure.Kind.CANCELLED));
        }
      } else if (t.status().isFinal()) {
        settleWatchers(id, Ledger.resultOf(t));
      }
    }
  }

  void purgeRound() {
    int n = ledger.store.purge(Instant.now().minus(config.store() == null ? Duration.ofDays(7)
        : config.store().retention()));
    if (n > 0) {
      LOG.debug("daemon '{}': purged {} finished tasks older than the retention", name, n);
    }
  }

  private void schedulePurge() {
    schedule(() -> execute(() -> {
      if (!closed) {
        try {
          purgeRound();
        } catch (RuntimeException e) {
          LOG.warn("daemon '{}': purging finished tasks failed", name, e);
        }
        schedulePurge();
      }
    }), Duration.ofMinutes(1));
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
      long deadline = System.nanoTime() + Deadline.saturatedNanos(config.drainTimeout());
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
    closeStore(cause);
    shutDownSchedulers();
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
    shutDownCallbacks();
    if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException ignored) {
        // the JVM is already shutting down
      }
    }
    LOG.info("daemon '{}' stopped ({})", name, cause);
  }

  private void closeStore(String cause) {
    if (loop != null) {
      loop.stop();
    }
    ledger.close(Duration.ofSeconds(10));
    DaemonClosedException closedEx = new DaemonClosedException(null, "daemon '" + name + "' closed (" + cause
        + ") before the task finished; look it up again after the next start");
    for (String id : new ArrayList<>(watchers.keySet())) {
      List<CompletableFuture<Result>> w = watchers.remove(id);
      if (w != null) {
        w.forEach(f -> f.completeExceptionally(closedEx));
      }
    }
    for (String id : new ArrayList<>(detached.keySet())) {
      TaskFuture f = detached.remove(id);
      if (f != null) {
        f.completeExceptionally(new DaemonClosedException(null, "daemon '" + name + "' closed (" + cause
            + ") before task " + id + " finished; it stays pending in the store (" + ledger.store.describe()
            + ") for the next start"));
      }
    }
    if (storeOpen) {
      try {
        ledger.store.close();
      } catch (RuntimeException e) {
        LOG.warn("daemon '{}': the task store ({}) failed to close", name, ledger.store.describe(), e);
      }
    }
  }

  private volatile boolean storeOpen;

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
      bound = Math.max(bound,
          Deadline.saturatedNanos(p.settings.stopGrace().plus(TERMINATE_WAIT).plus(KILL_BOUND)));
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

  /**
   * Schedules on the daemon's scheduler; after shutdown, quietly does nothing. A {@link Scheduler} given
   * to the builder that throws (its executor shut down before the daemon closed, a bug) must not cost
   * a timer: a timeout that never fires leaves a hung task running forever, a retry that never wakes
   * leaves it queued. Such timers run on a scheduler of the daemon's own instead.
   */
  void schedule(Runnable r, Duration delay) {
    if (ownScheduler != null) {
      ownScheduler.schedule(r, delay); // shut down with the daemon: then nothing more is to run
      return;
    }
    try {
      scheduler.schedule(r, delay);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      SystemScheduler fallback = fallbackScheduler(e);
      if (fallback != null) {
        fallback.schedule(r, delay);
      }
    }
  }

  private ExecutorService fallbackCallbacks;

  /**
   * The pool that runs callbacks the caller's executor refused, shut down with the daemon; null once
   * the daemon is closed (the caller may well have shut its executor down after the daemon).
   */
  private synchronized ExecutorService fallbackCallbacks(Executor given, Throwable cause) {
    if (callbacksShutDown) {
      return null;
    }
    if (fallbackCallbacks == null) {
      LOG.error("daemon '{}': the callback executor given to the builder ({}) threw from execute(); the callbacks"
          + " it refuses run on a pool of the daemon's own", name, given, cause);
      fallbackCallbacks = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
          Threads.factory("td-" + name + "-callback-fallback"));
    }
    return fallbackCallbacks;
  }

  private boolean callbacksShutDown;

  private synchronized void shutDownCallbacks() {
    callbacksShutDown = true;
    // Queued callbacks still run; none is waited for (a callback may be closing us).
    if (ownCallbacks != null) {
      ownCallbacks.shutdown();
    }
    if (fallbackCallbacks != null) {
      fallbackCallbacks.shutdown();
    }
  }

  private SystemScheduler fallbackScheduler;
  private boolean schedulersShutDown;

  private synchronized SystemScheduler fallbackScheduler(Throwable cause) {
    if (schedulersShutDown) {
      return null;
    }
    if (fallbackScheduler == null) {
      LOG.error("daemon '{}': the Scheduler given to the builder ({}) threw from schedule(); the timers it"
          + " refuses (timeouts, retries, restarts) run on a scheduler of the daemon's own", name, scheduler, cause);
      fallbackScheduler = new SystemScheduler("td-" + name + "-scheduler-fallback");
    }
    return fallbackScheduler;
  }

  private synchronized void shutDownSchedulers() {
    schedulersShutDown = true;
    if (ownScheduler != null) {
      ownScheduler.shutdown();
    }
    if (fallbackScheduler != null) {
      fallbackScheduler.shutdown();
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

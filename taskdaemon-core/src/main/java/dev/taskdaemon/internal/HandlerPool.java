package dev.taskdaemon.internal;

import dev.taskdaemon.DaemonClosedException;
import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.HandlerStartException;
import dev.taskdaemon.HandlerStats;
import dev.taskdaemon.QueueFullException;
import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.Result;
import dev.taskdaemon.Task;
import dev.taskdaemon.spi.HandlerProcess;
import dev.taskdaemon.spi.HandlerRuntime;
import dev.taskdaemon.spi.InstanceInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One handler's pool: its queue, its instances, and one dispatcher thread. Every field below the
 * lock is guarded by {@link #lock}; no user code (listener, selection strategy) and no blocking I/O
 * runs while it is held. See CONCURRENCY.md.
 */
final class HandlerPool {
  private static final Duration EXIT_WAIT = Duration.ofSeconds(2);
  private static final Duration KILL_BOUND = Duration.ofSeconds(10);
  private static final int MAX_PARALLEL_STARTS = 16;
  /** Requests up to this size are written by the dispatching thread itself (Linux pipes hold 64 KiB). */
  private static final int INLINE_WRITE_MAX = 16 * 1024;

  final Engine engine;
  final HandlerSpec spec;
  final PoolSettings settings;
  final HandlerRuntime runtime;
  final String name;
  final Logger log = LoggerFactory.getLogger(HandlerPool.class);
  final Logger handlerLog;

  final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final Condition changed = lock.newCondition();
  private final PriorityQueue<PendingTask> queue;
  private final Instance[] slots;
  private final int[] generations;
  private final Set<PendingTask> waitingRetry = new LinkedHashSet<>();
  private final Set<Attempt> inFlight = new LinkedHashSet<>();
  private int previousSlot = -1;
  private int alive;
  private long succeeded;
  private long failed;
  private long retried;
  private long timedOut;
  private long restarts;
  private int consecutiveDeaths;
  private int earlyDeaths;
  private String unhealthyReason;
  private boolean closing;
  private boolean stopped;
  private Thread dispatcher;

  HandlerPool(Engine engine, HandlerSpec spec, PoolSettings settings, HandlerRuntime runtime) {
    this.engine = engine;
    this.spec = spec;
    this.settings = settings;
    this.runtime = runtime;
    this.name = spec.name();
    this.handlerLog = LoggerFactory.getLogger("dev.taskdaemon.handler." + name);
    this.queue = new PriorityQueue<>(comparator(settings.order()));
    this.slots = new Instance[settings.instances()];
    this.generations = new int[settings.instances()];
  }

  private static Comparator<PendingTask> comparator(QueueOrder order) {
    switch (order) {
      case LIFO:
        return (a, b) -> Long.compare(b.seq, a.seq);
      case PRIORITY:
        return (a, b) -> a.priority != b.priority ? Integer.compare(b.priority, a.priority) : Long.compare(a.seq, b.seq);
      case FIFO:
      default:
        return (a, b) -> Long.compare(a.seq, b.seq);
    }
  }

  // ---------------------------------------------------------------- start

  /** Starts every instance in parallel and the dispatcher; throws naming the first failure. */
  void start() {
    // A bounded pool for the initial launches: the shared I/O pool would grow one thread per
    // instance and keep them idle for its keep-alive time (hundreds of threads for a large pool).
    int parallel = Math.min(slots.length, MAX_PARALLEL_STARTS);
    AtomicInteger n = new AtomicInteger();
    ExecutorService starter = Executors.newFixedThreadPool(parallel, r -> {
      Thread t = new Thread(r, "td-" + engine.name + "-" + name + "-start-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    List<CompletableFuture<Void>> starts = new ArrayList<>();
    try {
      for (int slot = 0; slot < slots.length; slot++) {
        int s = slot;
        starts.add(CompletableFuture.runAsync(() -> launchOrThrow(s), starter));
      }
      awaitStarts(starts);
    } finally {
      starter.shutdown();
    }
    dispatcher = new Thread(this::dispatchLoop, "td-" + engine.name + "-" + name + "-dispatch");
    dispatcher.setDaemon(true);
    dispatcher.start();
  }

  private void awaitStarts(List<CompletableFuture<Void>> starts) {
    List<String> failures = new ArrayList<>();
    for (CompletableFuture<Void> f : starts) {
      try {
        f.get(engine.config.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        String msg = c.getMessage() != null ? c.getMessage() : c.toString();
        if (!failures.contains(msg)) {
          failures.add(msg);
        }
      } catch (TimeoutException e) {
        failures.add("instance did not start within " + Engine.seconds(engine.config.startTimeout()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failures.add("interrupted while starting");
      }
    }
    if (!failures.isEmpty()) {
      throw new HandlerStartException(name, "handler '" + name + "' (runtime \"" + spec.runtime()
          + "\") could not start its instances: " + String.join("; ", failures));
    }
  }

  private void launchOrThrow(int slot) {
    try {
      launch(slot);
    } catch (Exception e) {
      throw new HandlerStartException(name, e.getMessage() != null ? e.getMessage() : e.toString(), e);
    }
  }

  /** Starts an instance in {@code slot}. Blocking; never called with the lock held. */
  private void launch(int slot) throws Exception {
    int generation;
    lock.lock();
    try {
      if (stopped) {
        return;
      }
      generation = ++generations[slot];
    } finally {
      lock.unlock();
    }
    InstanceInfo info = new InstanceInfo(engine.name, engine.session, name, slot, generation);
    HandlerProcess process = runtime.launch(spec, info);
    Instance inst = new Instance(this, info, process, settings.maxLineBytes(), handlerLog, engine.nanoTime());
    boolean keep;
    lock.lock();
    try {
      keep = !stopped;
      if (keep) {
        // Threads start under the lock so that stop() either sees this instance in its slot and
        // stops it, or this launch sees stopped and never starts them.
        inst.startThreads(engine.name);
        slots[slot] = inst;
        alive++;
        if (generation > 1) {
          restarts++;
        }
        work.signal();
      }
    } finally {
      lock.unlock();
    }
    if (!keep) {
      // Started while the daemon stopped: nobody will read its streams; just make sure it is gone.
      process.kill(KILL_BOUND);
      return;
    }
    log.debug("handler '{}' instance {} started ({})", name, inst.name, process.describe());
    engine.events.instanceStarted(name, inst.name);
    engine.schedule(() -> healthCheck(inst), settings.healthWindow());
  }

  /** An instance that has lived through the health window proves the handler can start. */
  private void healthCheck(Instance inst) {
    lock.lock();
    try {
      if (inst.state != Instance.State.DEAD) {
        earlyDeaths = 0;
        if (unhealthyReason != null) {
          log.info("handler '{}' is healthy again: instance {} is running", name, inst.name);
          unhealthyReason = null;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private void scheduleReplacement(int slot, Duration delay) {
    Runnable r = () -> engine.execute(() -> {
      try {
        launch(slot);
      } catch (Exception e) {
        String reason = e.getMessage() != null ? e.getMessage() : e.toString();
        log.warn("handler '{}' could not start an instance in slot {}: {}", name, slot, reason);
        onLaunchFailed(slot, reason);
      }
    });
    if (delay.isZero()) {
      r.run();
    } else {
      engine.schedule(r, delay);
    }
  }

  private void onLaunchFailed(int slot, String reason) {
    List<PendingTask> toFail = List.of();
    Duration delay;
    lock.lock();
    try {
      if (stopped) {
        return;
      }
      consecutiveDeaths++;
      earlyDeaths++;
      toFail = maybeUnhealthy("the instance could not be started: " + reason);
      delay = restartDelay();
    } finally {
      lock.unlock();
    }
    failUnhealthy(toFail);
    scheduleReplacement(slot, delay);
  }

  // ---------------------------------------------------------------- submit and dispatch

  void submit(PendingTask t) {
    Result unhealthy = null;
    lock.lock();
    try {
      if (closing) {
        t.future.completeExceptionally(engine.closedException(name));
        return;
      }
      if (unhealthyReason != null) {
        unhealthy = new Result.Failure(unhealthyReason, false, Result.Failure.Kind.UNAVAILABLE);
      } else if (queue.size() >= settings.queueCapacity()) {
        t.future.completeExceptionally(new QueueFullException(name, "handler '" + name + "' queue full ("
            + stateLocked() + "); raise queue_capacity or instances, or submit more slowly"));
        return;
      } else {
        queue.add(t);
      }
    } finally {
      lock.unlock();
    }
    Task task = t.task(1);
    engine.events.taskSubmitted(task);
    if (unhealthy != null) {
      finish(t, task, unhealthy);
      return;
    }
    // Dispatch on this thread: handing the task to the dispatcher costs a thread wake-up per task.
    dispatchAvailable();
  }

  /**
   * Dispatches queued tasks to idle instances until either runs out, on the calling thread. Any
   * thread may call it (submitter, stdout reader, dispatcher); the claim is re-checked under the
   * lock, so concurrent callers never hand one instance two tasks. The selection strategy runs with
   * the lock released.
   */
  private void dispatchAvailable() {
    while (true) {
      int[] idle;
      int prev;
      lock.lock();
      try {
        if (stopped || queue.isEmpty()) {
          return;
        }
        idle = idleSlots();
        if (idle.length == 0) {
          return;
        }
        prev = previousSlot;
      } finally {
        lock.unlock();
      }
      // One idle instance leaves nothing to choose: skip the strategy (the common case under load).
      int slot = idle.length == 1 ? idle[0] : select(idle, prev);
      Attempt attempt = claim(slot);
      if (attempt != null) {
        send(attempt);
      }
    }
  }

  /** Gives the head of the queue to the instance in {@code slot} if it is still idle; else null. */
  private Attempt claim(int slot) {
    lock.lock();
    try {
      Instance inst = slots[slot];
      if (stopped || inst == null || inst.state != Instance.State.IDLE || queue.isEmpty()) {
        return null;
      }
      PendingTask t = queue.poll();
      previousSlot = slot;
      Task task = t.task(t.attempt);
      Attempt attempt = new Attempt(t, task, inst, engine.nanoTime(), inst.stdoutBytes());
      attempt.deadlineNanos = attempt.startNanos + settings.timeout().toNanos();
      inst.state = Instance.State.BUSY;
      inst.current = attempt;
      inFlight.add(attempt);
      armWatchdogLocked(inst);
      return attempt;
    } finally {
      lock.unlock();
    }
  }

  /**
   * One timer per instance instead of one per attempt: scheduling and cancelling a timeout for every
   * task woke the scheduler thread once per task (the new timeout was always the earliest). The
   * watchdog fires at the deadline of the attempt that armed it and re-arms itself for a later one.
   * Lock held.
   */
  private void armWatchdogLocked(Instance inst) {
    if (!inst.watchdogArmed) {
      inst.watchdogArmed = true;
      long delay = Math.max(0, inst.current.deadlineNanos - engine.nanoTime());
      engine.schedule(() -> watchdog(inst), Duration.ofNanos(delay));
    }
  }

  private void watchdog(Instance inst) {
    Attempt due = null;
    lock.lock();
    try {
      inst.watchdogArmed = false;
      Attempt a = inst.current;
      if (a == null || a.ended || inst.state == Instance.State.DEAD) {
        return; // idle: the next attempt arms it again
      }
      if (engine.nanoTime() - a.deadlineNanos >= 0) {
        due = a;
      } else {
        armWatchdogLocked(inst);
      }
    } finally {
      lock.unlock();
    }
    if (due != null) {
      onTimeout(due);
    }
  }

  /** Pool state for messages; call with the lock held. */
  private String stateLocked() {
    return "capacity=" + settings.queueCapacity() + ", queued=" + queue.size() + ", instances=" + slots.length
        + ", alive=" + alive + ", busy=" + inFlight.size();
  }

  private void dispatchLoop() {
    // Woken only when an instance (re)starts or a retry is queued; submitters and stdout readers
    // dispatch on their own threads.
    while (true) {
      lock.lock();
      try {
        while (!stopped && (queue.isEmpty() || idleSlots().length == 0)) {
          work.awaitUninterruptibly();
        }
        if (stopped) {
          return;
        }
      } finally {
        lock.unlock();
      }
      dispatchAvailable();
    }
  }

  private int[] idleSlots() {
    int n = 0;
    for (Instance i : slots) {
      if (i != null && i.state == Instance.State.IDLE) {
        n++;
      }
    }
    int[] idle = new int[n];
    n = 0;
    for (int s = 0; s < slots.length; s++) {
      if (slots[s] != null && slots[s].state == Instance.State.IDLE) {
        idle[n++] = s;
      }
    }
    return idle;
  }

  private int select(int[] idle, int prev) {
    int chosen;
    try {
      chosen = settings.selection().select(idle.clone(), slots.length, prev);
    } catch (RuntimeException e) {
      log.warn("handler '{}': selection strategy {} threw; using slot {}", name, settings.selection(), idle[0], e);
      return idle[0];
    }
    for (int s : idle) {
      if (s == chosen) {
        return chosen;
      }
    }
    log.warn("handler '{}': selection strategy {} chose slot {}, which is not idle; using slot {}",
        name, settings.selection(), chosen, idle[0]);
    return idle[0];
  }

  private void send(Attempt a) {
    engine.events.attemptStarted(a.task, a.instance.name);
    byte[] line = Codec.encode(a.task);
    if (line.length <= INLINE_WRITE_MAX) {
      // The instance is idle, so its stdin pipe is empty: a line this short fits the pipe buffer and
      // the write returns at once. Handing it to an I/O thread cost a thread wake-up per task.
      write(a, line);
    } else {
      engine.execute(() -> write(a, line));
    }
  }

  private void write(Attempt a, byte[] line) {
    try {
      a.instance.process.stdin().write(line);
      a.instance.process.stdin().flush();
    } catch (Exception e) {
      // The instance is gone or closed its stdin; the stdout reader will see the end and report
      // the crash with the exit code. Kill it in case it lingers with stdin closed.
      log.debug("handler '{}' instance {}: writing the request failed: {}", name, a.instance.name, e.toString());
      engine.execute(() -> a.instance.process.kill(KILL_BOUND));
    }
  }

  // ---------------------------------------------------------------- attempt outcomes

  void onResponse(Instance inst, Result result, boolean answeredTwice) {
    Attempt a;
    boolean stray;
    lock.lock();
    try {
      if (stopped) {
        return; // the pool is gone; whatever was in flight has been failed already
      }
      a = inst.current;
      stray = a == null;
      if (a != null) {
        endAttemptLocked(a);
        inst.responses++;
        consecutiveDeaths = 0;
        earlyDeaths = 0;
        if (answeredTwice) {
          retireLocked(inst, "answered twice for one task (out of sync)");
        } else if (inst.state != Instance.State.DEAD) {
          inst.state = Instance.State.IDLE;
        }
      } else if (inst.state != Instance.State.DEAD) {
        retireLocked(inst, "answered while idle (out of sync)");
      }
    } finally {
      lock.unlock();
    }
    if (stray) {
      log.warn("handler '{}' instance {} wrote a response while no task was in flight; it is out of sync"
          + " and is replaced", name, inst.name);
      afterRetire(inst);
      return;
    }
    if (answeredTwice) {
      log.warn("handler '{}' instance {} answered twice for task {}; the second answer is dropped and the"
          + " instance is replaced", name, inst.name, a.task.taskId());
      afterRetire(inst);
    }
    // Give the instance its next task before completing this one: the handler works while the
    // submitter wakes up.
    dispatchAvailable();
    afterAttempt(a, result);
  }

  void onLineTooLong(Instance inst) {
    Attempt a;
    lock.lock();
    try {
      a = inst.current;
      if (a != null) {
        endAttemptLocked(a);
      }
      retireLocked(inst, "wrote a line longer than max_line_bytes");
    } finally {
      lock.unlock();
    }
    afterRetire(inst);
    String msg = "handler '" + name + "' instance " + inst.name + " wrote a stdout line longer than max_line_bytes ("
        + settings.maxLineBytes() + " bytes); the line was dropped and the instance replaced."
        + " Raise max_line_bytes or send large results another way";
    log.warn(msg);
    if (a != null) {
      afterAttempt(a, new Result.Failure(msg + " (" + attemptOf(a) + ")", false, Result.Failure.Kind.PROTOCOL));
    }
    // Keep reading nothing more: the instance is being killed; make sure its exit is recorded.
    onStdoutClosed(inst);
  }

  void onTimeout(Attempt a) {
    Instance inst = a.instance;
    lock.lock();
    try {
      if (a.ended) {
        return;
      }
      endAttemptLocked(a);
      timedOut++;
      retireLocked(inst, "timed out");
    } finally {
      lock.unlock();
    }
    afterRetire(inst);
    StringBuilder msg = new StringBuilder()
        .append("handler '").append(name).append("' instance ").append(inst.name)
        .append(" timed out after ").append(Engine.seconds(settings.timeout()))
        .append(" (").append(attemptOf(a)).append("); the instance was killed and replaced");
    if (inst.stdoutBytes() == a.stdoutBytesAtStart) {
      msg.append(". It wrote nothing to stdout during the attempt: if it did answer, make it flush stdout"
          + " after each line (e.g. print(..., flush=True), System.out.flush(), fflush(stdout))");
    }
    afterAttempt(a, new Result.Failure(msg.toString(), true, Result.Failure.Kind.TIMEOUT));
  }

  /** stdout reached its end: the instance exited, crashed, or was killed. Called once per instance. */
  void onStdoutClosed(Instance inst) {
    Integer code = null;
    try {
      code = inst.process.onExit().get(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // stdout closed but the process lives on: it is no use any more.
      inst.process.kill(KILL_BOUND);
    }
    inst.awaitStderr(Duration.ofSeconds(1));
    String exit = code == null ? "closed its stdout" : describeExit(inst, code);

    Attempt a;
    boolean planned;
    boolean early;
    List<PendingTask> toFail = List.of();
    Duration delay = Duration.ZERO;
    boolean replace;
    lock.lock();
    try {
      a = inst.current;
      if (a != null) {
        endAttemptLocked(a);
      }
      planned = inst.retiredFor != null;
      early = !planned && inst.responses == 0
          && engine.nanoTime() - inst.startedNanos < settings.healthWindow().toNanos();
      if (!planned) {
        retireLocked(inst, exit);
        consecutiveDeaths++;
        if (early) {
          earlyDeaths++;
          toFail = maybeUnhealthy("instances exit as soon as they start (" + earlyDeaths
              + " in a row; the last " + exit + "); " + inst.stderrTail.describe());
        }
        delay = restartDelay();
      }
      replace = !planned && !stopped;
    } finally {
      lock.unlock();
    }
    if (!planned) {
      log.warn("handler '{}' instance {} {}{}", name, inst.name, exit,
          a != null ? " during task " + a.task.taskId() : "");
      engine.events.instanceExited(name, inst.name, exit);
    }
    if (a != null) {
      String msg = "handler '" + name + "' instance " + inst.name + " " + exit + " during the task ("
          + attemptOf(a) + "); " + inst.stderrTail.describe();
      afterAttempt(a, new Result.Failure(msg, true, Result.Failure.Kind.CRASH));
    }
    failUnhealthy(toFail);
    if (replace) {
      scheduleReplacement(inst.info.slot(), delay);
    }
  }

  private static String describeExit(Instance inst, int code) {
    String extra = inst.process.describeExit(code);
    return "exited with code " + code + (extra != null ? " (" + extra + ")" : "");
  }

  /** Marks a running attempt (an instance's current one, or one not yet {@code ended}) ended. Lock held. */
  private void endAttemptLocked(Attempt a) {
    a.ended = true;
    inFlight.remove(a);
    if (a.instance.current == a) {
      a.instance.current = null;
    }
    changed.signalAll();
  }

  /** Takes an instance out of service because the engine decided so. Lock held. */
  private void retireLocked(Instance inst, String reason) {
    if (inst.state == Instance.State.DEAD) {
      return;
    }
    if (inst.retiredFor == null) {
      inst.retiredFor = reason;
    }
    inst.state = Instance.State.DEAD;
    alive--;
    if (slots[inst.info.slot()] == inst) {
      slots[inst.info.slot()] = null;
    }
    changed.signalAll();
  }

  /** Kills a retired instance and starts its replacement. Never with the lock held. */
  private void afterRetire(Instance inst) {
    boolean replace;
    lock.lock();
    try {
      replace = !stopped;
    } finally {
      lock.unlock();
    }
    engine.events.instanceExited(name, inst.name, inst.retiredFor);
    engine.execute(() -> inst.process.kill(KILL_BOUND));
    if (replace) {
      // Retired by the engine, not dead on its own: nothing suggests the next one will fail too.
      scheduleReplacement(inst.info.slot(), Duration.ZERO);
    }
  }

  private Duration restartDelay() {
    if (consecutiveDeaths <= 1) {
      return Duration.ZERO;
    }
    return settings.restartBackoff().delay(consecutiveDeaths - 1);
  }

  /** Declares the pool unhealthy when no instance survives; returns the queued tasks to fail. Lock held. */
  private List<PendingTask> maybeUnhealthy(String why) {
    if (earlyDeaths < settings.unhealthyAfter() || alive > 0) {
      return List.of();
    }
    String reason = "handler '" + name + "' is unhealthy: " + why;
    if (unhealthyReason == null) {
      log.error(reason);
    }
    unhealthyReason = reason;
    List<PendingTask> all = new ArrayList<>(queue);
    queue.clear();
    changed.signalAll();
    return all;
  }

  private void failUnhealthy(List<PendingTask> tasks) {
    if (tasks.isEmpty()) {
      return;
    }
    String reason;
    lock.lock();
    try {
      reason = unhealthyReason;
    } finally {
      lock.unlock();
    }
    for (PendingTask t : tasks) {
      finish(t, t.task(t.attempt), new Result.Failure(reason, false, Result.Failure.Kind.UNAVAILABLE));
    }
  }

  private String attemptOf(Attempt a) {
    return "attempt " + a.task.attempt() + " of " + (settings.maxRetries() + 1);
  }

  /** Reports an ended attempt, then retries or completes the task. Never with the lock held. */
  private void afterAttempt(Attempt a, Result outcome) {
    Duration elapsed = Duration.ofNanos(engine.nanoTime() - a.startNanos);
    engine.events.attemptEnded(a.task, a.instance.name, outcome, elapsed);
    PendingTask t = a.pending;
    if (outcome instanceof Result.Failure err && err.retryable() && retryAllowed(err.kind())
        && a.task.attempt() <= settings.maxRetries()) {
      Duration delay = settings.retryBackoff().delay(a.task.attempt());
      boolean scheduled;
      lock.lock();
      try {
        scheduled = !stopped && !t.finished;
        if (scheduled) {
          retried++;
          t.attempt = a.task.attempt() + 1;
          waitingRetry.add(t);
        }
      } finally {
        lock.unlock();
      }
      if (scheduled) {
        engine.events.retryScheduled(a.task, err, delay);
        if (delay.isZero()) {
          requeue(t);
        } else {
          engine.schedule(() -> requeue(t), delay);
        }
        return;
      }
    }
    finish(t, a.task, outcome);
  }

  private boolean retryAllowed(Result.Failure.Kind kind) {
    switch (kind) {
      case TIMEOUT:
        return settings.retryOnTimeout();
      case CRASH:
        return settings.retryOnCrash();
      default:
        return true;
    }
  }

  private void requeue(PendingTask t) {
    Result unhealthy = null;
    lock.lock();
    try {
      if (!waitingRetry.remove(t)) {
        return; // failed by shutdownNow meanwhile
      }
      if (unhealthyReason != null) {
        unhealthy = new Result.Failure(unhealthyReason, false, Result.Failure.Kind.UNAVAILABLE);
      } else {
        queue.add(t); // admitted already: a retry is never refused for capacity
        work.signal();
      }
    } finally {
      lock.unlock();
    }
    if (unhealthy != null) {
      finish(t, t.task(t.attempt), unhealthy);
    }
  }

  /**
   * Completes a task once; later calls do nothing. Counters move before the future completes, so
   * {@code stats()} read after {@code get()} already includes the task.
   */
  private void finish(PendingTask t, Task last, Result result) {
    lock.lock();
    try {
      if (t.finished) {
        return;
      }
      t.finished = true;
      if (result.isSuccess()) {
        succeeded++;
      } else {
        failed++;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    t.future.complete(result);
    engine.events.taskCompleted(last, result);
  }

  // ---------------------------------------------------------------- shutdown

  /** Stops accepting tasks. */
  void beginClose() {
    lock.lock();
    try {
      closing = true;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until nothing is queued, waiting for retry or in flight; false if the deadline passed. */
  boolean awaitDrained(long deadlineNanos) throws InterruptedException {
    lock.lock();
    try {
      while (!queue.isEmpty() || !waitingRetry.isEmpty() || !inFlight.isEmpty()) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        changed.awaitNanos(left);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops the pool: fails whatever is still pending with {@code cause}, stops the dispatcher, and
   * returns the instances to stop.
   */
  List<Instance> stop(String cause) {
    List<PendingTask> pending = new ArrayList<>();
    List<Instance> instances = new ArrayList<>();
    lock.lock();
    try {
      closing = true;
      stopped = true;
      pending.addAll(queue);
      queue.clear();
      pending.addAll(waitingRetry);
      waitingRetry.clear();
      for (Attempt a : new ArrayList<>(inFlight)) {
        pending.add(a.pending);
        endAttemptLocked(a);
      }
      pending.removeIf(t -> t.finished);
      for (PendingTask t : pending) {
        t.finished = true;
        failed++;
      }
      for (int s = 0; s < slots.length; s++) {
        Instance inst = slots[s];
        if (inst != null) {
          if (inst.retiredFor == null) {
            inst.retiredFor = "stopped with the daemon";
          }
          inst.state = Instance.State.DEAD;
          alive--;
          slots[s] = null;
          instances.add(inst);
        }
      }
      work.signalAll();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    for (PendingTask t : pending) {
      t.future.completeExceptionally(new DaemonClosedException(name, cause));
    }
    return instances;
  }

  void joinDispatcher(long deadlineNanos) throws InterruptedException {
    if (dispatcher != null) {
      dispatcher.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
    }
  }

  HandlerStats stats() {
    lock.lock();
    try {
      return new HandlerStats(name, queue.size() + waitingRetry.size(), inFlight.size(), succeeded, failed,
          retried, timedOut, alive, restarts, unhealthyReason == null);
    } finally {
      lock.unlock();
    }
  }
}

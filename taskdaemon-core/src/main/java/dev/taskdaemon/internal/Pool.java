package dev.taskdaemon.internal;

import dev.taskdaemon.DaemonClosedException;
import dev.taskdaemon.HandlerPool;
import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.HandlerStats;
import dev.taskdaemon.InstanceState;
import dev.taskdaemon.InstanceStatus;
import dev.taskdaemon.QueueFullException;
import dev.taskdaemon.Result;
import dev.taskdaemon.spi.HandlerRuntime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One handler's pool: coordinates its {@link TaskQueue}, its {@link InstanceSlots}, its {@link
 * RetryPolicy} and its {@link HealthTracker}, dispatches tasks to instances and handles what they
 * answer and how they die; {@link InstanceLifecycle} starts, proves and replaces them. Every field below
 * the lock is guarded by {@link #lock}; no user code (listener, selection strategy, future callback)
 * and no blocking I/O runs while it is held. See CONCURRENCY.md.
 */
final class Pool implements HandlerPool {
  static final Duration KILL_BOUND = Duration.ofSeconds(10);
  private static final Duration EXIT_WAIT = Duration.ofSeconds(2);
  /** How long stdout may stay open after the process exited before a child holding it is killed. */
  private static final Duration STDOUT_AFTER_EXIT = Duration.ofMillis(250);
  /** Requests up to this size are written by the dispatching thread itself (Linux pipes hold 64 KiB). */
  private static final int INLINE_WRITE_MAX = 16 * 1024;
  /**
   * How long an answer the submitting thread was expected to read may wait for it before the
   * instance's own reader thread takes over (see {@link #sweep}).
   */
  static final Duration CALLER_GRACE = Duration.ofMillis(1);
  /**
   * A timed wait reads for itself only when it outlasts the attempt's timeout by this much: the
   * watchdog, the kill and the end of stdout that ends the caller's read all fit in it.
   */
  static final Duration CALLER_READ_MARGIN = Duration.ofSeconds(5);
  /** This thread waited for the outcome of a task it had just submitted: it will likely do so again. */
  private static final ThreadLocal<Boolean> WAITS_FOR_ITS_TASKS = new ThreadLocal<>();

  final Engine engine;
  final HandlerSpec spec;
  final PoolSettings settings;
  final HandlerRuntime runtime;
  final String name;
  final Logger log = LoggerFactory.getLogger(Pool.class);
  final Logger handlerLog;
  private final byte[] quotedType;
  private final RetryPolicy retry;

  final ReentrantLock lock = new ReentrantLock();
  final Condition changed = lock.newCondition();
  final TaskQueue queue;
  final InstanceSlots slots;
  final HealthTracker health;
  private final Set<Attempt> inFlight = new LinkedHashSet<>();
  final Set<Integer> launching = new HashSet<>();
  int target;
  private int previousSlot = -1;
  private long succeeded;
  private long failed;
  private long retried;
  private long timedOut;
  long restarts;
  boolean closing;
  boolean stopped;
  /** A dispatch found the daemon's max_in_flight reached. */
  volatile boolean waitingForSlot;
  /** With a durable store: the store may hold tasks for this handler beyond its window. */
  volatile boolean backlog;
  /** The window ran low while {@link #backlog} was set: the store loop should claim. */
  volatile boolean feedRequested;
  /** A sweep of answers waiting for their callers is scheduled. */
  private boolean sweepArmed;
  /** A dispatch is scheduled for this scheduler time (the earliest waiting retry). */
  private long retryWakeAt = Long.MAX_VALUE;
  /** The rolling restart in progress: completes when the standby of its slot took over, or failed. */
  CompletableFuture<Void> swap;
  private final InstanceLifecycle lifecycle;

  Pool(Engine engine, HandlerSpec spec, PoolSettings settings, HandlerRuntime runtime) {
    this.engine = engine;
    this.spec = spec;
    this.settings = settings;
    this.runtime = runtime;
    this.name = spec.name();
    this.handlerLog = LoggerFactory.getLogger("dev.taskdaemon.handler." + name);
    this.quotedType = Codec.jsonString(name);
    this.retry = new RetryPolicy(settings.maxRetries(), settings.retryBackoff(), settings.retryOnTimeout(),
        settings.retryOnCrash());
    // With a durable store the backlog lives in the store: locally only a window of claimed tasks waits.
    this.queue = new MemoryTaskQueue(settings.order(),
        engine.ledger.durable ? engine.config.claimBatch() : settings.queueCapacity());
    this.slots = new InstanceSlots(settings.instances());
    this.health = new HealthTracker(settings.unhealthyAfter(), settings.restartBackoff());
    this.target = settings.instances();
    this.lifecycle = new InstanceLifecycle(this);
  }

  @Override
  public String name() {
    return name;
  }

  // ---------------------------------------------------------------- submit and dispatch

  /**
   * Reserves queue room for {@code n} new tasks: all or nothing when {@code all} (the in-memory store:
   * the queue is the backlog and queue_capacity bounds it), or as many as fit (a durable store's
   * window). Returns how many; 0 once the pool is closing.
   */
  int reserve(int n, boolean all) {
    lock.lock();
    try {
      return closing ? 0 : queue.reserve(n, all);
    } finally {
      lock.unlock();
    }
  }

  void unreserve(int n) {
    if (n > 0) {
      lock.lock();
      try {
        queue.unreserve(n);
      } finally {
        lock.unlock();
      }
    }
  }

  /** Why queue room could not be reserved, for the refusal. */
  QueueFullException queueFull() {
    lock.lock();
    try {
      return new QueueFullException(name, "handler '" + name + "' queue full (" + stateLocked()
          + "); raise queue_capacity or instances, or submit more slowly");
    } finally {
      lock.unlock();
    }
  }

  /**
   * Admits a stored task into room reserved for it, ready at once or (a delayed task) at {@code
   * dueNanos}; {@code announce} emits taskSubmitted. False when the pool is closing: the caller decides
   * what becomes of the task.
   */
  boolean admit(PendingTask t, boolean announce, long dueNanos) {
    String unhealthy = null;
    boolean cancelled;
    lock.lock();
    try {
      if (closing) {
        queue.unreserve(1);
        return false;
      }
      cancelled = t.cancelled;
      if (cancelled) {
        queue.unreserve(1);
      } else {
        unhealthy = queueReservedLocked(t, dueNanos);
      }
      if (announce) {
        // Emitted under the lock so that no event of this task can be delivered before it.
        engine.events.taskSubmitted(t.first);
      }
    } finally {
      lock.unlock();
    }
    if (cancelled) {
      finish(t, t.first, cancelledFailure(t));
      return true;
    }
    if (unhealthy != null) {
      finish(t, t.first, new Result.Failure(unhealthy, false, Result.Failure.Kind.UNAVAILABLE));
      return true;
    }
    // Dispatch on this thread: handing the task to another thread costs a thread wake-up per task.
    dispatch();
    return true;
  }

  /**
   * Queues a task into room reserved for it, ready now or (a delayed task, waiting with the retries)
   * at {@code dueNanos}; returns why the handler is unhealthy instead, giving the room back. Lock held.
   */
  private String queueReservedLocked(PendingTask t, long dueNanos) {
    String unhealthy = health.unhealthyReason();
    if (unhealthy != null) {
      queue.unreserve(1);
    } else if (dueNanos != 0) {
      t.dueNanos = dueNanos;
      queue.retry(t);
    } else {
      queue.offerReserved(t);
    }
    return unhealthy;
  }

  enum Offer { ADMITTED, FULL, CLOSED }

  /**
   * Reserves room for one new task and admits it, under one acquisition of the lock: the in-memory
   * store's hot path. A task the pool cannot take is left to the caller.
   */
  Offer offer(PendingTask t, long dueNanos) {
    String unhealthy;
    lock.lock();
    try {
      if (closing) {
        return Offer.CLOSED;
      }
      if (queue.reserve(1, true) == 0) {
        return Offer.FULL;
      }
      unhealthy = queueReservedLocked(t, dueNanos);
      // Emitted under the lock so that no event of this task can be delivered before it.
      engine.events.taskSubmitted(t.first);
    } finally {
      lock.unlock();
    }
    if (unhealthy != null) {
      finish(t, t.first, new Result.Failure(unhealthy, false, Result.Failure.Kind.UNAVAILABLE));
      return Offer.ADMITTED;
    }
    dispatch(t);
    return Offer.ADMITTED;
  }

  Result.Failure cancelledFailure(PendingTask t) {
    return new Result.Failure("task " + t.id() + " was cancelled", false, Result.Failure.Kind.CANCELLED);
  }

  /**
   * Dispatches ready tasks to idle instances until either runs out, on the calling thread. Any thread
   * may call it (submitter, stdout reader, I/O thread); the claim is re-checked under the lock, so
   * concurrent callers never hand one instance two tasks. The selection strategy runs with the lock
   * released.
   */
  void dispatch() {
    dispatch(null);
  }

  /**
   * {@link #dispatch()} on the thread that submits {@code mine}: if this thread is in the habit of
   * waiting for its tasks, {@code mine}'s answer is left in the pipe for it to read (see {@link #send}).
   */
  private void dispatch(PendingTask mine) {
    while (true) {
      int[] idle;
      int prev;
      int size;
      lock.lock();
      try {
        if (stopped || !hasReadyLocked()) {
          armRetryWakeLocked();
          return;
        }
        idle = slots.idle();
        if (idle.length == 0) {
          return;
        }
        prev = previousSlot;
        size = slots.size();
      } finally {
        lock.unlock();
      }
      // One idle instance leaves nothing to choose: skip the strategy (the common case under load).
      int slot = idle.length == 1 ? idle[0] : select(idle, size, prev);
      Attempt attempt = claim(slot);
      if (attempt != null) {
        send(attempt, mine != null && attempt.pending == mine && WAITS_FOR_ITS_TASKS.get() != null);
      } else if (waitingForSlot) {
        return;
      }
    }
  }

  private boolean hasReadyLocked() {
    if (queue.ready() > 0) {
      return true;
    }
    long due = queue.nextDueNanos();
    // Long.MAX_VALUE means no retry waits; subtracting it from a clock below zero (System.nanoTime's
    // origin is arbitrary, and a Scheduler's may be anything) would overflow to "due".
    return due != Long.MAX_VALUE && engine.nanoTime() - due >= 0;
  }

  /** Makes sure a dispatch runs when the earliest waiting retry becomes due. Lock held. */
  private void armRetryWakeLocked() {
    long due = queue.nextDueNanos();
    if (due == Long.MAX_VALUE || due >= retryWakeAt || stopped) {
      return;
    }
    retryWakeAt = due;
    long delay = Math.max(0, due - engine.nanoTime());
    engine.schedule(() -> engine.execute(() -> {
      lock.lock();
      try {
        if (retryWakeAt == due) {
          retryWakeAt = Long.MAX_VALUE;
        }
      } finally {
        lock.unlock();
      }
      dispatch();
    }), Duration.ofNanos(delay));
  }

  /** Gives the next ready task to the instance in {@code slot} if it is still idle; else null. */
  private Attempt claim(int slot) {
    lock.lock();
    try {
      Instance inst = slots.get(slot);
      if (stopped || inst == null || inst.state != InstanceState.IDLE) {
        return null;
      }
      long now = engine.nanoTime();
      if (!hasReadyLocked()) {
        return null;
      }
      if (!engine.takeInFlightSlot()) {
        // max_in_flight reached: dispatched again when an attempt ends anywhere. The flag is set
        // before trying once more, so a slot returned in between is never missed.
        waitingForSlot = true;
        if (!engine.takeInFlightSlot()) {
          return null;
        }
        waitingForSlot = false;
      }
      PendingTask t = queue.poll(now);
      if (t == null) {
        engine.returnInFlightSlot();
        return null;
      }
      previousSlot = slot;
      if (backlog && !feedRequested && queue.ready() <= engine.config.claimBatch() / 2 && engine.ledger.durable) {
        feedRequested = true;
        engine.wakeStoreLoop();
      }
      slots.move(inst, InstanceState.IDLE, InstanceState.BUSY);
      Attempt attempt = new Attempt(t, t.task(t.attempt), inst, now);
      attempt.deadlineNanos = now + Deadline.saturatedNanos(timeoutOf(t));
      inst.current = attempt;
      t.running = attempt;
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
      if (a == null || a.ended || inst.state != InstanceState.BUSY) {
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
      Attempt a = due;
      // The scheduler thread must not block: killing and retrying happen on an I/O thread.
      engine.execute(() -> onTimeout(a));
    }
  }

  /** Pool state for messages; call with the lock held. */
  private String stateLocked() {
    return "capacity=" + queue.capacity() + ", queued=" + (queue.ready() + queue.waiting()) + ", instances="
        + target + ", alive=" + slots.alive() + ", busy=" + inFlight.size();
  }

  private int select(int[] idle, int size, int prev) {
    int chosen;
    try {
      chosen = settings.selection().select(idle.clone(), size, prev);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
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

  private void send(Attempt a, boolean callerWillRead) {
    try {
      Instance inst = a.instance;
      boolean own = false;
      // PARKED is set under the lock before the instance went idle, so the claim saw it: only then is
      // the lock taken again (async traffic never parks a reader and pays nothing here).
      if (inst.callerReads && inst.stdoutOwner == Instance.PARKED) {
        lock.lock();
        try {
          // Nobody reads an idle instance whose last caller read for itself: this thread takes the
          // role for as long as it checks the pipe and writes, then hands it on.
          if (inst.stdoutOwner == Instance.PARKED && inst.current == a && !a.ended) {
            inst.stdoutOwner = Instance.SENDING;
            own = true;
          }
        } finally {
          lock.unlock();
        }
      }
      long mark;
      if (own) {
        // Whatever the instance wrote while idle and nobody read is still in the pipe. A complete
        // line there is idle output, handled as it always was (out of sync if it is a response),
        // never this task's answer or its failure: the task goes back and another instance (or this
        // one, once its reader has read the line) takes it.
        // One look at the pipe in the common case (nothing buffered, nothing written): each look is
        // two system calls, and asking again for the mark cost two more per task.
        int unread = inst.unreadInPipe();
        if (unread == 0 && !inst.hasUnconsumedOutput()) {
          mark = inst.receivedBytes();
        } else {
          if (inst.pipeHoldsLine()) {
            giveBack(a);
            return;
          }
          mark = inst.receivedBytes() + inst.unreadInPipe();
        }
      } else {
        mark = inst.receivedBytes();
      }
      engine.events.attemptStarted(a.task, inst.name);
      engine.started(a.pending, a.task.attempt());
      byte[] line = Codec.request(a.task.taskId(), quotedType, a.task.taskDataBytes(), a.task.attempt());
      // Whatever the instance wrote before this point can never be this attempt's answer.
      a.mark = mark;
      if (own) {
        handOnStdout(a, callerWillRead);
      }
      if (line.length <= INLINE_WRITE_MAX) {
        // The instance is idle, so its stdin pipe is empty: a line this short fits the pipe buffer and
        // the write returns at once. Handing it to an I/O thread cost a thread wake-up per task.
        write(a, line);
      } else {
        engine.execute(() -> write(a, line));
      }
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      // Not expected (the data was encoded at submit), but the attempt must end and the task with it.
      log.error("handler '{}' instance {}: could not send task {}", name, a.instance.name, a.task.taskId(), e);
      Instance inst = a.instance;
      lock.lock();
      try {
        if (inst.stdoutOwner == Instance.SENDING) {
          giveToThreadLocked(inst);
        }
        if (a.ended) {
          return;
        }
        endAttemptLocked(a);
        retireLocked(inst, "the engine could not send it a request");
      } finally {
        lock.unlock();
      }
      afterRetire(inst, false);
      afterAttempt(a, new Result.Failure("handler '" + name + "': the engine could not send task " + a.task.taskId()
          + " to instance " + inst.name + ": " + e, false, Result.Failure.Kind.PROTOCOL));
    }
  }

  /**
   * The request of {@code a} is about to be written (its mark set) by the thread that holds the stdout
   * role ({@link Instance#SENDING}): leaves the answer for the submitting thread when it is expected to
   * wait for it (and arms the sweep that hands it on if it does not come), else wakes the instance's
   * reader thread.
   */
  private void handOnStdout(Attempt a, boolean callerWillRead) {
    Instance inst = a.instance;
    lock.lock();
    try {
      if (callerWillRead && !stopped && inst.state == InstanceState.BUSY && inst.current == a && !a.ended) {
        inst.stdoutOwner = Instance.AWAITING_CALLER;
        inst.awaitingSince = engine.nanoTime();
        armSweepLocked();
      } else {
        // A task nobody will read for: the instance's answers go back to its reader thread, which
        // stays in read() between tasks, until a caller asks again.
        inst.callerWanted = false;
        giveToThreadLocked(inst);
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * An attempt claimed but never sent (its instance had idle output nobody had read yet): not an
   * attempt at all. The task goes back to its place in the queue; the instance's reader thread reads
   * the idle output, and the instance takes tasks again once it has (see {@link #strayRead}).
   */
  private void giveBack(Attempt a) {
    Instance inst = a.instance;
    boolean back = false;
    lock.lock();
    try {
      if (!a.ended && inst.current == a) {
        endAttemptLocked(a);
        if (inst.state == InstanceState.BUSY) {
          slots.move(inst, InstanceState.BUSY, InstanceState.IDLE);
        }
        queue.putBack(a.pending);
        back = true;
      }
      inst.strayPending = true;
      inst.callerWanted = false;
      giveToThreadLocked(inst);
    } finally {
      lock.unlock();
    }
    log.debug("handler '{}' instance {}: idle output waits in its stdout; read before it gets task {}", name,
        inst.name, a.task.taskId());
    if (back) {
      dispatch();
    }
  }

  /**
   * The reader thread has read a line while idle output was pending; once no complete line is left the
   * instance takes tasks again (a partial line left stays what it is: output from before any later
   * request, never its answer). Reader thread.
   */
  void strayRead(Instance inst) {
    if (inst.bufferHoldsLine()) {
      return;
    }
    lock.lock();
    try {
      inst.strayPending = false;
    } finally {
      lock.unlock();
    }
    dispatch();
  }

  /** The instance's reader thread takes the stdout role; it may be parked. Lock held (unpark does not block). */
  private void giveToThreadLocked(Instance inst) {
    inst.stdoutOwner = Instance.BY_THREAD;
    if (inst.stdoutThread != null) {
      LockSupport.unpark(inst.stdoutThread);
    }
  }

  /** A parked or waiting stdout goes back to the reader thread: the instance ends or the pool stops. Lock held. */
  private void reclaimStdoutLocked(Instance inst) {
    if (inst.stdoutOwner == Instance.PARKED || inst.stdoutOwner == Instance.AWAITING_CALLER) {
      giveToThreadLocked(inst);
    }
  }

  private void armSweepLocked() {
    if (!sweepArmed) {
      sweepArmed = true;
      engine.schedule(this::sweep, CALLER_GRACE);
    }
  }

  /**
   * Hands answers that their submitting threads did not come to read within {@link #CALLER_GRACE}
   * (the thread went on to other work: it dropped the future or chained a callback) to the instances'
   * reader threads, and stops expecting callers there. One timer per pool, re-armed only while such
   * answers are young, so a steady stream of waiting callers costs one scheduler wake-up per grace
   * period, not one per task. Scheduler thread: takes the lock and unparks, never blocks.
   */
  private void sweep() {
    lock.lock();
    try {
      sweepArmed = false;
      long now = engine.nanoTime();
      boolean young = false;
      for (Instance inst : slots.all()) {
        if (inst.stdoutOwner == Instance.AWAITING_CALLER) {
          if (now - inst.awaitingSince >= CALLER_GRACE.toNanos()) {
            inst.callerWanted = false;
            giveToThreadLocked(inst);
          } else {
            young = true;
          }
        }
      }
      if (young && !stopped) {
        armSweepLocked();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * A thread is about to wait for task {@code t} (deadline in {@link System#nanoTime()}, {@link
   * Long#MAX_VALUE} for none). If the task's answer was left for it, it reads the instance's stdout
   * itself until the attempt ends (the raw loop's two thread wake-ups per task instead of three). It
   * declines when it could not honour its wait: an interrupted thread, a virtual thread (a pipe read
   * would pin its carrier), a fork-join worker, a thread already reading stdout, or a timed wait shorter than the attempt's timeout plus {@link
   * #CALLER_READ_MARGIN} (the read cannot be cut short). Otherwise it marks the instance so that the
   * next answer is left for a caller.
   */
  void callerRead(PendingTask t, long deadline) {
    Thread me = Thread.currentThread();
    Attempt a;
    Instance take = null;
    lock.lock();
    try {
      a = t.running;
      if (a == null || a.ended || stopped || !a.instance.callerReads) {
        return;
      }
      Instance inst = a.instance;
      // A fork-join worker blocked in a read would not be compensated for, as join() compensates it.
      boolean fits = !me.isInterrupted() && !isVirtual(me) && !(me instanceof ForkJoinWorkerThread)
          && Instance.READING.get() == null
          && (deadline == Long.MAX_VALUE || deadline - System.nanoTime()
              - Math.max(0, a.deadlineNanos - engine.nanoTime()) >= CALLER_READ_MARGIN.toNanos());
      if (!fits) {
        if (inst.stdoutOwner == Instance.AWAITING_CALLER && inst.current == a) {
          giveToThreadLocked(inst);
        }
        return;
      }
      if (inst.stdoutOwner == Instance.AWAITING_CALLER && inst.current == a) {
        inst.stdoutOwner = Instance.BY_CALLER;
        take = inst;
      } else if (queue.ready() == 0) {
        // Not while tasks queue up: a busy instance goes from one task to the next, and its reader
        // thread, already in read(), reads those answers for one wake-up each.
        inst.callerWanted = true;
      }
    } finally {
      lock.unlock();
    }
    if (WAITS_FOR_ITS_TASKS.get() == null) {
      WAITS_FOR_ITS_TASKS.set(Boolean.TRUE);
    }
    if (take != null) {
      take.readFor(a);
    }
  }

  private static boolean isVirtual(Thread t) {
    // Thread.isVirtual() is not in Java 17.
    return t.getClass().getName().equals("java.lang.VirtualThread");
  }

  /**
   * A caller's read has ended (its attempt ended, or it met what only the reader thread handles). The
   * role stays unowned while the instance is idle and callers read for themselves, else it goes back
   * to the reader thread. Caller's thread, holding the role.
   */
  void releaseStdout(Instance inst) {
    lock.lock();
    try {
      if (!stopped && inst.state == InstanceState.IDLE && inst.callerWanted && !inst.hasUnconsumedOutput()) {
        inst.stdoutOwner = Instance.PARKED;
      } else {
        if (inst.state == InstanceState.BUSY) {
          inst.callerWanted = false; // it went on to a queued task: saturated, its reader thread serves best
        }
        giveToThreadLocked(inst);
      }
    } finally {
      lock.unlock();
    }
  }

  private void write(Attempt a, byte[] line) {
    try {
      a.instance.process.stdin().write(line);
      a.instance.process.stdin().flush();
    } catch (Exception e) {
      // The instance is gone or closed its stdin; its death (noticed through the process and its
      // stdout) ends the attempt as a crash. Kill it in case it lingers with stdin closed.
      log.debug("handler '{}' instance {}: writing the request failed: {}", name, a.instance.name, e.toString());
      engine.execute(() -> a.instance.process.kill(KILL_BOUND));
    }
  }

  // ---------------------------------------------------------------- what instances write

  /**
   * A response line that starts at stdout offset {@code at}, read by the instance's reader thread
   * ({@code readerThread}) or by a caller holding the stdout role.
   */
  void onResponse(Instance inst, Codec.Response response, long at, int len, boolean readerThread) {
    Attempt a = null;
    String outOfSync = null;
    boolean startup = false;
    boolean retireNow = false;
    boolean unprovenOutOfSync = false;
    lock.lock();
    try {
      if (stopped) {
        return; // the pool is gone; whatever was in flight has been failed already
      }
      switch (inst.state) {
        case STARTING:
          startup = true;
          break;
        case IDLE:
          outOfSync = "wrote a response while it had no task";
          break;
        case BUSY:
          a = inst.current;
          if (at < a.mark) {
            outOfSync = "wrote a response that was already in its stdout before task " + a.task.taskId()
                + " was sent, so it is not that task's answer";
          } else if (response.taskId() != null && !response.taskId().equals(a.task.taskId())) {
            outOfSync = "answered for task_id '" + shorten(response.taskId()) + "' while task " + a.task.taskId()
                + " was in flight";
          }
          endAttemptLocked(a);
          if (outOfSync == null) {
            inst.served++;
            health.answered();
            if (inst.retireWhenIdle) {
              retireLocked(inst, inst.retireWhenIdleReason);
              retireNow = true;
            } else {
              slots.move(inst, InstanceState.BUSY, InstanceState.IDLE);
              if (readerThread && inst.callerWanted && inst.stdoutOwner == Instance.BY_THREAD
                  && queue.ready() == 0 && !inst.hasUnconsumedOutput()) {
                // A caller read for itself lately: leave the idle pipe unread, so that the next
                // caller can read its answer (the reader parks instead of reading).
                inst.stdoutOwner = Instance.PARKED;
              }
            }
          }
          break;
        default:
          return; // a retired instance's late output counts for nothing
      }
      if (outOfSync != null) {
        retireLocked(inst, "out of sync: it " + outOfSync);
        if (a != null) {
          health.taskDeath();
        } else if (inst.proven) {
          health.idleFailure();
        } else {
          unprovenOutOfSync = true; // counted as a start failure below, outside the lock
        }
      }
    } finally {
      lock.unlock();
    }
    if (startup) {
      log.warn("handler '{}' instance {} printed a response before it was sent any request; start-up output"
          + " is never an answer and was skipped", name, inst.name);
      return;
    }
    if (outOfSync != null) {
      log.warn("handler '{}' instance {} is out of sync: it {}; it is replaced", name, inst.name, outOfSync);
      if (unprovenOutOfSync) {
        // A fresh instance that answers nobody is no better than one that dies at start.
        lifecycle.onStartFailure("its instances write responses while they have no task, before they prove themselves"
            + " (the last, " + inst.name + ", " + outOfSync + "); start-up output must come before settle_time ("
            + Engine.seconds(settings.settleTime()) + ") ends, or go to stderr");
      }
      afterRetire(inst, true);
      if (a != null) {
        afterAttempt(a, new Result.Failure("handler '" + name + "' instance " + inst.name + " is out of sync: it "
            + outOfSync + " (" + attemptOf(a, Result.Failure.Kind.PROTOCOL)
            + "); the instance was replaced. Make the handler echo task_id in its responses",
            true, Result.Failure.Kind.PROTOCOL));
      }
      return;
    }
    if (retireNow) {
      afterRetire(inst, false);
    }
    // Give the instance its next task before completing this one: the handler works while the
    // submitter wakes up.
    dispatch();
    afterAttempt(a, response.result());
  }

  /** A line that is not a response, starting at stdout offset {@code at}. Reader thread. */
  void onSkipped(Instance inst, Codec.Skipped skipped, String preview, long at) {
    lock.lock();
    try {
      Attempt a = inst.current;
      if (a != null && !a.ended && at >= a.mark && a.firstSkipped == null) {
        a.firstSkipped = "'" + preview + "' (" + skipped.why() + ")";
      }
    } finally {
      lock.unlock();
    }
  }

  void onLineTooLong(Instance inst) {
    Attempt a;
    lock.lock();
    try {
      if (inst.state == InstanceState.RETIRING || inst.state == InstanceState.DEAD) {
        return;
      }
      a = inst.current;
      if (a != null && !a.ended) {
        endAttemptLocked(a);
        health.taskDeath();
      } else {
        a = null;
        health.idleFailure();
      }
      retireLocked(inst, "wrote a line longer than max_line_bytes");
    } finally {
      lock.unlock();
    }
    afterRetire(inst, true);
    String msg = "handler '" + name + "' instance " + inst.name + " wrote a stdout line longer than max_line_bytes ("
        + settings.maxLineBytes() + " bytes); the line was dropped and the instance replaced."
        + " Raise max_line_bytes or send large results another way";
    log.warn(msg);
    if (a != null) {
      afterAttempt(a, new Result.Failure(msg + " (" + attemptOf(a, Result.Failure.Kind.PROTOCOL)
          + ")", false, Result.Failure.Kind.PROTOCOL));
    }
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
      health.taskDeath();
      retireLocked(inst, "timed out");
    } finally {
      lock.unlock();
    }
    afterRetire(inst, true);
    StringBuilder msg = new StringBuilder()
        .append("handler '").append(name).append("' instance ").append(inst.name)
        .append(" timed out after ").append(Engine.seconds(timeoutOf(a.pending)))
        .append(" (").append(attemptOf(a, Result.Failure.Kind.TIMEOUT))
        .append("); the instance was killed and replaced");
    if (a.firstSkipped != null) {
      msg.append(". It wrote no response, only lines that are not responses; the first was ").append(a.firstSkipped);
    } else {
      msg.append(TimeoutHint.forSilence(inst.process, a.mark, inst.receivedBytes()));
    }
    afterAttempt(a, new Result.Failure(msg.toString(), true, Result.Failure.Kind.TIMEOUT));
  }

  // ---------------------------------------------------------------- deaths

  /** The process ended (JDK process-reaper thread or the runtime's own): must not block. */
  void onProcessExit(Instance inst, Integer code) {
    lock.lock();
    try {
      reclaimStdoutLocked(inst); // the reader thread reads what is left, then the end
    } finally {
      lock.unlock();
    }
    engine.execute(() -> {
      if (!inst.awaitStdout(STDOUT_AFTER_EXIT)) {
        // The handler is gone but its stdout is still open: a child of its inherited it. Answers
        // already in the pipe are read first; then the child is killed with the handler's group.
        log.debug("handler '{}' instance {} exited but its stdout is still open; stopping what it left behind",
            name, inst.name);
        inst.process.kill(KILL_BOUND);
        inst.awaitStdout(Duration.ofSeconds(1));
      }
      onDeath(inst, code);
    });
  }

  /** stdout reached its end (or its reader failed). Reader thread. */
  void onStdoutEnd(Instance inst) {
    Integer code = null;
    try {
      code = inst.process.onExit().get(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // stdout closed but the process lives on: it is no use any more. Its death is recorded as what
      // it is before the kill, whose exit code would otherwise tell the story.
      onDeath(inst, null);
      inst.process.kill(KILL_BOUND);
      return;
    }
    onDeath(inst, code);
  }

  /** An instance ended. Runs once per instance, whichever of its exit and its stdout's end comes first. */
  private void onDeath(Instance inst, Integer code) {
    lock.lock();
    try {
      if (inst.deathHandled) {
        return;
      }
      inst.deathHandled = true;
    } finally {
      lock.unlock();
    }
    inst.awaitStderr(Duration.ofSeconds(1));
    String exit = code == null ? "closed its stdout" : describeExit(inst, code);
    Attempt a;
    boolean planned;
    boolean replace;
    boolean startFailure = false;
    lock.lock();
    try {
      planned = inst.state == InstanceState.RETIRING || stopped;
      a = inst.current;
      if (a != null && !a.ended) {
        endAttemptLocked(a);
      } else {
        a = null;
      }
      slots.move(inst, inst.state, InstanceState.DEAD);
      if (!planned) {
        inst.retiredFor = exit;
        if (a != null) {
          health.taskDeath();
        } else if (!inst.proven) {
          startFailure = true;
        } else {
          health.idleFailure();
        }
      }
      trimLocked();
      replace = !planned && !stopped && slots.get(inst.info.slot()) == null;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (!planned) {
      // Whatever the handler left behind (children in its process group, a container) goes too.
      engine.execute(() -> inst.process.kill(KILL_BOUND));
      log.warn("handler '{}' instance {} {}{}", name, inst.name, exit,
          a != null ? " during task " + a.task.taskId() : inst.proven ? " while idle" : " before it was given a task");
      engine.events.instanceExited(name, inst.name, exit);
    }
    lifecycle.failSwap(inst, exit);
    if (a != null) {
      String msg = "handler '" + name + "' instance " + inst.name + " " + exit + " during the task ("
          + attemptOf(a, Result.Failure.Kind.CRASH) + "); " + inst.stderrTail.describe();
      afterAttempt(a, new Result.Failure(msg, true, Result.Failure.Kind.CRASH));
    }
    if (startFailure) {
      int inARow;
      lock.lock();
      try {
        inARow = health.startFailuresInARow() + 1;
      } finally {
        lock.unlock();
      }
      lifecycle.onStartFailure("its instances die before they are given any task (" + inARow + " in a row; the last "
          + exit + "); " + inst.stderrTail.describe());
    }
    if (replace) {
      lifecycle.scheduleReplacement(inst.info.slot());
    }
  }

  private static String describeExit(Instance inst, int code) {
    String extra = inst.process.describeExit(code);
    return "exited with code " + code + (extra != null ? " (" + extra + ")" : "");
  }

  /** Marks a running attempt ended. Lock held. */
  private void endAttemptLocked(Attempt a) {
    a.ended = true;
    inFlight.remove(a);
    engine.returnInFlightSlot();
    if (a.instance.current == a) {
      a.instance.current = null;
    }
    if (a.pending.running == a) {
      a.pending.running = null;
    }
    changed.signalAll();
  }

  /** Takes an instance out of service because the engine decided so. Lock held. */
  void retireLocked(Instance inst, String reason) {
    if (inst.retiredFor == null) {
      inst.retiredFor = reason;
    }
    slots.move(inst, inst.state, InstanceState.RETIRING);
    reclaimStdoutLocked(inst); // its reader drains it to its end
    int slot = inst.info.slot();
    Instance next = slots.standby(slot);
    if (next != null && next.proven && slots.promote(slot) != null) {
      // The proven standby of a rolling restart takes over the slot.
      next.probe = false;
      slots.move(next, InstanceState.STARTING, InstanceState.IDLE);
      if (swap != null) {
        CompletableFuture<Void> s = swap;
        engine.execute(() -> s.complete(null));
      }
    }
    changed.signalAll();
  }

  /** Stops a retired instance and starts its replacement (after back-off). Never with the lock held. */
  void afterRetire(Instance inst, boolean replace) {
    engine.events.instanceExited(name, inst.name, inst.retiredFor);
    engine.execute(() -> inst.process.kill(KILL_BOUND));
    if (replace) {
      lifecycle.scheduleReplacement(inst.info.slot());
    } else {
      dispatch(); // a standby may have taken the slot
    }
  }

  /** Drops slots above the target once they are empty. Lock held. */
  void trimLocked() {
    if (slots.size() > target) {
      slots.resize(Math.max(target, slots.usedLength()));
    }
  }

  // ---------------------------------------------------------------- outcomes

  /** Reports an ended attempt, then retries or completes the task. Never with the lock held. */
  private void afterAttempt(Attempt a, Result outcome) {
    Duration elapsed = Duration.ofNanos(engine.nanoTime() - a.startNanos);
    engine.events.attemptEnded(a.task, a.instance.name, outcome, elapsed);
    PendingTask t = a.pending;
    if (outcome instanceof Result.Failure f) {
      Duration delay = retry.retryDelay(a.task.attempt() - t.retryBase, maxRetriesOf(t), f);
      if (delay != null) {
        boolean scheduled;
        boolean cancelled;
        String unhealthy;
        boolean durable = engine.ledger.durable;
        if (!durable) {
          // Recorded before the retry is queued, so that its next start always comes after it.
          engine.retrying(t, delay, f.message());
        }
        lock.lock();
        try {
          unhealthy = health.unhealthyReason();
          cancelled = t.cancelled;
          scheduled = !stopped && !t.finished && !cancelled && unhealthy == null;
          if (scheduled) {
            retried++;
            if (durable) {
              // The retry goes back to the store, where its next claim commits the next attempt number
              // before the request is written (by this host or another).
              t.finished = true;
            } else {
              t.attempt = a.task.attempt() + 1;
              t.dueNanos = engine.nanoTime() + Deadline.saturatedNanos(delay);
              queue.retry(t);
            }
          }
        } finally {
          lock.unlock();
        }
        if (scheduled) {
          engine.events.retryScheduled(a.task, f, delay);
          if (durable) {
            engine.retrying(t, delay, f.message());
          }
          dispatch();
          return;
        }
        if (cancelled) {
          finish(t, a.task, cancelledFailure(t));
          return;
        }
        if (unhealthy != null) {
          finish(t, a.task, new Result.Failure(unhealthy, false, Result.Failure.Kind.UNAVAILABLE));
          return;
        }
      }
      // A final outcome is never retryable: the engine has made every attempt it will make.
      finish(t, a.task, f.asFinal());
      return;
    }
    finish(t, a.task, outcome);
  }

  /**
   * Completes a task once; later calls do nothing. Counters move before the outcome is recorded, so
   * {@code stats()} read after {@code get()} already includes the task; the future completes once the
   * store has committed the outcome.
   */
  void finish(PendingTask t, dev.taskdaemon.Task last, Result result) {
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
    engine.record(t, last, result);
  }

  /**
   * Cancels a task this pool holds: one waiting in the queue leaves it, a running one has its
   * instance stopped and replaced; either ends {@code CANCELLED}. One not admitted yet is marked so
   * that its admission ends it. False when the task already reached its outcome here.
   */
  boolean cancel(PendingTask t) {
    Attempt running = null;
    lock.lock();
    try {
      if (t.finished) {
        return false;
      }
      if (t.cancelled) {
        return true;
      }
      if (!queue.remove(t)) {
        for (Attempt a : inFlight) {
          if (a.pending == t) {
            running = a;
            break;
          }
        }
        if (running == null) {
          // Between states (being admitted, or between an attempt and its retry): whoever moves it
          // next sees the mark and ends it.
          t.cancelled = true;
          return true;
        }
        endAttemptLocked(running);
        retireLocked(running.instance, "its task " + t.id() + " was cancelled");
      }
      t.cancelled = true;
    } finally {
      lock.unlock();
    }
    if (running != null) {
      afterRetire(running.instance, true);
      engine.events.attemptEnded(running.task, running.instance.name, cancelledFailure(t),
          Duration.ofNanos(engine.nanoTime() - running.startNanos));
    }
    finish(t, running != null ? running.task : t.task(t.attempt), cancelledFailure(t));
    return true;
  }

  // ---------------------------------------------------------------- run-time control

  @Override
  public HandlerStats stats() {
    lock.lock();
    try {
      return new HandlerStats(name, queue.ready() + queue.waiting(), inFlight.size(), succeeded, failed,
          retried, timedOut, slots.alive(), restarts, health.unhealthyReason() == null);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<InstanceStatus> instances() {
    long now = System.currentTimeMillis();
    lock.lock();
    try {
      List<InstanceStatus> all = new ArrayList<>();
      for (Instance i : slots.all()) {
        all.add(i.statusLocked(now));
      }
      return all;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int size() {
    lock.lock();
    try {
      return target;
    } finally {
      lock.unlock();
    }
  }

  /** Starts every instance in parallel; throws naming the failures. */
  void start() {
    lifecycle.start();
  }

  @Override
  public void resize(int instances) {
    lifecycle.resize(instances);
  }

  @Override
  public CompletableFuture<Void> restart() {
    return lifecycle.restart();
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

  /** Wakes {@link #awaitDrained} so that it sees an abort. */
  void wake() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Waits until nothing is queued, waiting for retry or in flight; false if the deadline passed or aborted. */
  boolean awaitDrained(long deadlineNanos, BooleanSupplier abort) throws InterruptedException {
    lock.lock();
    try {
      while (!queue.isEmpty() || !inFlight.isEmpty()) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0 || abort.getAsBoolean()) {
          return false;
        }
        changed.awaitNanos(left);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Stops the pool: fails whatever is still pending with {@code cause} and returns the instances to stop. */
  List<Instance> stop(String cause) {
    List<PendingTask> pending = new ArrayList<>();
    List<Instance> instances;
    lock.lock();
    try {
      closing = true;
      stopped = true;
      pending.addAll(queue.drain());
      for (Attempt a : new ArrayList<>(inFlight)) {
        pending.add(a.pending);
        endAttemptLocked(a);
      }
      pending.removeIf(t -> t.finished);
      for (PendingTask t : pending) {
        t.finished = true;
        failed++;
      }
      instances = slots.all();
      for (Instance inst : instances) {
        if (inst.retiredFor == null) {
          inst.retiredFor = "stopped with the daemon";
        }
        if (inst.state != InstanceState.RETIRING && inst.state != InstanceState.DEAD) {
          slots.move(inst, inst.state, InstanceState.RETIRING);
        }
        reclaimStdoutLocked(inst);
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    for (PendingTask t : pending) {
      engine.abandoned(t, cause);
    }
    return instances;
  }

  Duration timeoutOf(PendingTask t) {
    return t.timeout != null ? t.timeout : settings.timeout();
  }

  int maxRetriesOf(PendingTask t) {
    return t.maxRetries != null ? t.maxRetries : settings.maxRetries();
  }

  /** "attempt 2 of 4", counted within the task's retry budget (which a redrive restarts). */
  private String attemptOf(Attempt a, Result.Failure.Kind kind) {
    return retry.attemptOf(a.task.attempt() - a.pending.retryBase, maxRetriesOf(a.pending), kind);
  }

  private static String shorten(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "…";
  }

  @Override
  public String toString() {
    return "HandlerPool[" + name + "]";
  }
}

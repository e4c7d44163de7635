package dev.taskdaemon.testkit;

import dev.taskdaemon.Result;
import dev.taskdaemon.Task;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * An in-process stand-in for a handler program. Install it with {@link Fakes#stub(String,
 * FakeHandler)}: the daemon then runs the fake's instances on in-memory pipes and talks to them with
 * the real wire protocol, so the daemon's codec, pool, queue, retries and timeouts all run for real.
 *
 * <p>For each attempt the fake uses, in order: the replies and faults queued with {@link
 * #enqueue(Reply...)} and {@link #inject(Fault, int)}, one per attempt in the order they were added;
 * then the fault set with {@link #injectAlways(Fault)}; then its function.
 *
 * <pre>{@code
 * FakeHandler resize = FakeHandler.replying(task -> Reply.success(Map.of("width", task.taskData().get("width"))));
 * resize.inject(Fault.RETRYABLE_ERROR, 2);
 * ... submit a task, wait for it ...
 * resize.assertReceived().hasCount(3).hasAttempts(1, 2, 3).areAttemptsOfOneTask();
 * }</pre>
 *
 * <p>Thread-safe. The function runs on the fake instance's own thread, one attempt at a time per
 * instance, so several instances call it concurrently.
 */
public final class FakeHandler {
  /** The delay of {@link Fault#SLOW} unless changed with {@link #slowDelay(Duration)}. */
  public static final Duration DEFAULT_SLOW_DELAY = Duration.ofMillis(200);
  /** How long {@link #takeTask()} waits. */
  public static final Duration DEFAULT_TAKE_TIMEOUT = Duration.ofSeconds(5);
  /** The stdout lines of {@link Fault#NOISE}: text, JSON that is not a response, a blank line. */
  public static final List<String> NOISE_LINES = List.of(
      "fake handler: starting work (plain text, not a response)",
      "{\"progress\":0.5}",
      "{\"status\":\"working\"}",
      "");

  private final Function<Task, Reply> function;
  private final Object lock = new Object();
  // Guarded by lock.
  private final Deque<Function<Task, Reply>> steps = new ArrayDeque<>();
  private Fault always;
  private Duration slowDelay = DEFAULT_SLOW_DELAY;
  private String handler;

  private final List<Task> received = new CopyOnWriteArrayList<>();
  private final LinkedBlockingQueue<Task> untaken = new LinkedBlockingQueue<>();
  private final List<FakeHandlerException> failures = new CopyOnWriteArrayList<>();

  private FakeHandler(Function<Task, Reply> function) {
    this.function = function;
  }

  /**
   * A fake whose answer to each attempt is {@code function}'s result. Return {@link Result.Failure} to
   * answer with a handler error; a function that throws is a bug in the test (see {@link #failures()}).
   */
  public static FakeHandler answering(Function<Task, Result> function) {
    Objects.requireNonNull(function, "function");
    return new FakeHandler(task -> {
      Result r = function.apply(task);
      return r == null ? null : Reply.of(r);
    });
  }

  /** A fake whose behaviour for each attempt is {@code function}'s reply (an answer, a crash, a hang). */
  public static FakeHandler replying(Function<Task, Reply> function) {
    return new FakeHandler(Objects.requireNonNull(function, "function"));
  }

  /** A fake that answers every attempt with a success carrying {@code result} (serialized by Jackson). */
  public static FakeHandler returning(Object result) {
    Reply reply = Reply.success(result);
    return new FakeHandler(task -> reply);
  }

  /** A fake that answers every attempt with a success whose result is the task's {@code task_data}. */
  public static FakeHandler echoing() {
    return new FakeHandler(task -> Reply.success(task.taskData()));
  }

  /**
   * A fake that answers only from its queue ({@link #enqueue(Reply...)}). An attempt that finds the
   * queue empty is answered with a permanent error and recorded in {@link #failures()}.
   */
  public static FakeHandler queued() {
    return new FakeHandler(null);
  }

  /**
   * The stand-in for a handler left without a fake under {@link Unstubbed#FAIL_TASKS}: every attempt
   * is answered with a permanent error and recorded as a failure.
   */
  static FakeHandler refusing(String name) {
    FakeHandler[] self = new FakeHandler[1];
    self[0] = new FakeHandler(task -> {
      String msg = "handler '" + name + "' has no FakeHandler and unstubbed handlers fail their tasks"
          + " (Unstubbed.FAIL_TASKS), yet attempt " + task.attempt() + " of task " + task.taskId()
          + " was submitted to it; stub it with fakes.stub(\"" + name + "\", FakeHandler...)";
      self[0].failures.add(new FakeHandlerException(name, msg, null));
      return Reply.error(msg, false);
    });
    self[0].bind(name);
    return self[0];
  }

  /** Queues replies, one per coming attempt, used before the function. */
  public FakeHandler enqueue(Reply... replies) {
    synchronized (lock) {
      for (Reply r : replies) {
        Objects.requireNonNull(r, "reply");
        steps.addLast(task -> r);
      }
    }
    return this;
  }

  /** Makes the next attempt meet {@code fault}. */
  public FakeHandler inject(Fault fault) {
    return inject(fault, 1);
  }

  /** Makes the next {@code times} attempts meet {@code fault}, then behaves normally again. */
  public FakeHandler inject(Fault fault, int times) {
    Objects.requireNonNull(fault, "fault");
    if (times < 1) {
      throw new IllegalArgumentException("times must be at least 1, was " + times);
    }
    synchronized (lock) {
      for (int i = 0; i < times; i++) {
        steps.addLast(task -> faulty(fault, task));
      }
    }
    return this;
  }

  /** Makes every attempt meet {@code fault} (once the queue is used up) until {@link #clearFaults()}. */
  public FakeHandler injectAlways(Fault fault) {
    synchronized (lock) {
      always = Objects.requireNonNull(fault, "fault");
    }
    return this;
  }

  /** Drops queued replies and faults and the fault set by {@link #injectAlways(Fault)}. */
  public FakeHandler clearFaults() {
    synchronized (lock) {
      steps.clear();
      always = null;
    }
    return this;
  }

  /** The delay of {@link Fault#SLOW} (default 200 ms). */
  public FakeHandler slowDelay(Duration delay) {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative, was " + delay);
    }
    synchronized (lock) {
      slowDelay = delay;
    }
    return this;
  }

  /**
   * The next attempt received and not yet taken, waiting up to {@code timeout} for one. Attempts are
   * taken in the order they arrived.
   *
   * @throws AssertionError if none arrives in time
   */
  public Task takeTask(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    Task t;
    try {
      t = untaken.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(describe() + ": interrupted while waiting for a task", e);
    }
    if (t == null) {
      throw new AssertionError(describe() + " received no task within " + Durations.format(timeout)
          + " (" + received.size() + " received in all, all taken)");
    }
    return t;
  }

  /** Like {@link #takeTask(Duration)}, waiting up to 5 s. */
  public Task takeTask() {
    return takeTask(DEFAULT_TAKE_TIMEOUT);
  }

  /** Every attempt received so far, in arrival order, taken or not. */
  public List<Task> received() {
    return List.copyOf(received);
  }

  /** How many attempts were received so far. */
  public int receivedCount() {
    return received.size();
  }

  /** Assertions on the attempts received so far. */
  public ReceivedAssert assertReceived() {
    return new ReceivedAssert(describe(), received());
  }

  /** What went wrong inside this fake so far (empty in a correct test). */
  public List<FakeHandlerException> failures() {
    return List.copyOf(failures);
  }

  /** Forgets received attempts, failures, queued replies and faults; keeps the function. */
  public void reset() {
    clearFaults();
    received.clear();
    untaken.clear();
    failures.clear();
  }

  /** The handler this fake stands in for, or {@code null} before {@link Fakes#stub(String, FakeHandler)}. */
  public String handler() {
    synchronized (lock) {
      return handler;
    }
  }

  @Override
  public String toString() {
    return describe() + " (" + received.size() + " attempts received)";
  }

  // ---------------------------------------------------------------- used by the fake instances

  void bind(String name) {
    synchronized (lock) {
      if (handler != null && !handler.equals(name)) {
        throw new IllegalArgumentException("this FakeHandler already stands in for '" + handler
            + "'; create another FakeHandler for '" + name + "'");
      }
      handler = name;
    }
  }

  /** Records an attempt and decides what to do with it. Runs on the instance's thread. */
  Reply next(Task task) {
    received.add(task);
    untaken.add(task);
    Function<Task, Reply> step;
    synchronized (lock) {
      step = steps.pollFirst();
      if (step == null && always != null) {
        Fault f = always;
        step = t -> faulty(f, t);
      }
    }
    return apply(step != null ? step : this::normal, task);
  }

  /** Records a failure that is not about one attempt's function (e.g. a malformed request). */
  void fail(String message, Throwable cause) {
    failures.add(new FakeHandlerException(handler(), message, cause));
  }

  private Reply normal(Task task) {
    if (function == null) {
      String msg = describe() + " has no reply queued for attempt " + task.attempt() + " of task " + task.taskId()
          + "; enqueue one with enqueue(Reply...) or build the fake with replying(...)";
      failures.add(new FakeHandlerException(handler(), msg, null));
      return Reply.error(msg, false);
    }
    return function.apply(task);
  }

  private Reply apply(Function<Task, Reply> step, Task task) {
    Reply r;
    try {
      r = step.apply(task);
    } catch (RuntimeException | Error e) {
      String msg = describe() + " threw on attempt " + task.attempt() + " of task " + task.taskId() + ": " + e;
      failures.add(new FakeHandlerException(handler(), msg, e));
      return Reply.error(msg, false);
    }
    if (r == null) {
      String msg = describe() + " returned no reply for attempt " + task.attempt() + " of task " + task.taskId();
      failures.add(new FakeHandlerException(handler(), msg, null));
      return Reply.error(msg, false);
    }
    return r;
  }

  private Reply faulty(Fault fault, Task task) {
    switch (fault) {
      case RETRYABLE_ERROR:
        return Reply.error(Fault.RETRYABLE_MESSAGE, true);
      case PERMANENT_ERROR:
        return Reply.error(Fault.PERMANENT_MESSAGE, false);
      case CRASH:
        return Reply.crash().withStderr(Fault.CRASH_STDERR);
      case HANG:
        return Reply.hang();
      case NOISE:
        return apply(this::normal, task).withNoise(NOISE_LINES.toArray(new String[0]));
      case SLOW: {
        Duration d;
        synchronized (lock) {
          d = slowDelay;
        }
        return apply(this::normal, task).after(d);
      }
      default:
        throw new IllegalStateException("unknown fault " + fault);
    }
  }

  private String describe() {
    String h = handler();
    return h == null ? "fake handler" : "fake handler '" + h + "'";
  }
}

package dev.taskdaemon.testkit;

import dev.taskdaemon.Backoff;
import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.spi.HandlerRuntime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Puts {@link FakeHandler}s in place of chosen handlers of a daemon configured as in production,
 * typically from the real {@code handlers.toml}:
 *
 * <pre>{@code
 * FakeHandler resize = FakeHandler.returning(Map.of("url", "s3://thumbs/cat.png"));
 * Fakes fakes = Fakes.create()
 *     .stub("resize", resize)
 *     .timeout(Duration.ofMillis(100));
 * try (TaskDaemon daemon = fakes.start(TaskDaemon.builder().fromToml(Path.of("handlers.toml")))) {
 *   ... exercise the code that submits "resize" tasks ...
 * }
 * }</pre>
 *
 * <p>{@link #install(TaskDaemon.Builder)} registers the fake runtime ({@value #RUNTIME}) with the
 * builder and points each stubbed handler at it, keeping every other setting of the handler
 * (instances, retries, queue, selection). What happens to handlers without a fake is chosen with
 * {@link #unstubbed(Unstubbed)}. Unless {@link #keepBackoff()} is called, it also sets zero retry and
 * restart back-off, so a retry test takes milliseconds.
 *
 * <p>A stubbed handler keeps its runtime-specific keys (docker's {@code cpus}, {@code memory_limit},
 * its {@code image}); the fake runtime accepts and ignores them, so the real file loads unchanged. It
 * does not check them: the real runtime does that when the daemon starts for real.
 *
 * <p>One {@code Fakes} may serve several daemons in turn; each fake instance runs on a thread named
 * {@value #THREAD_NAME_PREFIX}{@code <daemon>-<instance>}, and none outlives its daemon's {@code
 * close()}.
 */
public final class Fakes {
  /** The name of the fake runtime, as handlers name it in {@code runtime = "..."}. */
  public static final String RUNTIME = "fake";
  /** The prefix of the name of every thread the testkit starts. */
  public static final String THREAD_NAME_PREFIX = "taskdaemon-fake-";

  private final Map<String, FakeHandler> stubs = new ConcurrentHashMap<>();
  /** What the runtime launches: the stubs, plus refusing stand-ins under FAIL_TASKS. */
  private final Map<String, FakeHandler> launchable = new ConcurrentHashMap<>();
  private final FakeRuntime runtime = new FakeRuntime(launchable);
  private volatile Unstubbed unstubbed = Unstubbed.FAIL_START;
  private volatile Duration timeout;
  private volatile boolean keepBackoff;

  private Fakes() {}

  /** No fakes yet; unstubbed handlers fail at start; zero back-off. */
  public static Fakes create() {
    return new Fakes();
  }

  /**
   * Makes {@code fake} stand in for the handler {@code handler}, which must be defined in the builder
   * given to {@link #install(TaskDaemon.Builder)}.
   *
   * @throws IllegalArgumentException if {@code fake} already stands in for another handler
   */
  public Fakes stub(String handler, FakeHandler fake) {
    Objects.requireNonNull(handler, "handler");
    Objects.requireNonNull(fake, "fake");
    fake.bind(handler);
    stubs.put(handler, fake);
    launchable.put(handler, fake);
    return this;
  }

  /** What happens to handlers without a fake (default {@link Unstubbed#FAIL_START}). */
  public Fakes unstubbed(Unstubbed policy) {
    this.unstubbed = Objects.requireNonNull(policy, "policy");
    return this;
  }

  /**
   * The per-attempt timeout of every stubbed handler, replacing the configured one (by default the
   * configured timeout stays). A test of {@link Fault#HANG} wants this short: 50 to 200 ms.
   */
  public Fakes timeout(Duration perAttempt) {
    Objects.requireNonNull(perAttempt, "perAttempt");
    if (perAttempt.isNegative() || perAttempt.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, was " + perAttempt);
    }
    this.timeout = perAttempt;
    return this;
  }

  /** Keeps the configured retry and restart back-off instead of setting it to zero. */
  public Fakes keepBackoff() {
    this.keepBackoff = true;
    return this;
  }

  /** The fake standing in for {@code handler}, or {@code null}. */
  public FakeHandler fake(String handler) {
    return stubs.get(handler);
  }

  /** The stubbed handlers and their fakes, by handler name. */
  public Map<String, FakeHandler> stubs() {
    return new TreeMap<>(stubs);
  }

  /**
   * The fake runtime, for a {@code handlers.toml} made for tests that names it itself ({@code runtime
   * = "fake"}): {@code builder.runtime(fakes.runtime())}. {@link #install} registers it too.
   */
  public HandlerRuntime runtime() {
    return runtime;
  }

  /**
   * Points the stubbed handlers of {@code builder} (and, unless {@link Unstubbed#REAL}, all the
   * others) at the fake runtime and registers it. Call it after the handlers are defined ({@code
   * fromToml}, {@code handler(...)}) and before {@code start()}; handlers defined afterwards run for real.
   *
   * @return {@code builder}
   * @throws IllegalArgumentException if a stubbed handler is not defined in {@code builder}
   */
  public TaskDaemon.Builder install(TaskDaemon.Builder builder) {
    Objects.requireNonNull(builder, "builder");
    Map<String, HandlerSpec> defined = new TreeMap<>(builder.handlers());
    List<String> unknown = new ArrayList<>(new TreeSet<>(stubs.keySet()));
    unknown.removeAll(defined.keySet());
    if (!unknown.isEmpty()) {
      String name = unknown.get(0);
      throw new IllegalArgumentException("fakes.stub(\"" + name + "\", ...): no handler '" + name
          + "' is defined in the builder; handlers: " + defined.keySet() + ". Load handlers.toml or define"
          + " the handler (builder.handler(\"" + name + "\", h -> h.instances(1))) before install()");
    }
    Map<String, HandlerSpec> redirected = new LinkedHashMap<>();
    for (Map.Entry<String, HandlerSpec> e : defined.entrySet()) {
      String name = e.getKey();
      boolean stubbed = stubs.containsKey(name);
      if (!stubbed && unstubbed == Unstubbed.FAIL_TASKS) {
        launchable.computeIfAbsent(name, FakeHandler::refusing);
      }
      if (stubbed || unstubbed != Unstubbed.REAL) {
        redirected.put(name, e.getValue());
      }
    }
    Duration perAttempt = timeout;
    boolean zeroBackoff = !keepBackoff;
    for (Map.Entry<String, HandlerSpec> e : redirected.entrySet()) {
      runtime.acceptOptionKeys(e.getValue().options().keySet());
      boolean stubbed = stubs.containsKey(e.getKey());
      builder.modifyHandler(e.getKey(), h -> {
        h.runtime(RUNTIME);
        // A fake prints nothing before its first request: no settle time is needed, and none is waited
        // for on a ManualScheduler that a test moves by hand.
        h.settleTime(Duration.ZERO);
        if (stubbed && perAttempt != null) {
          h.timeout(perAttempt);
        }
      });
    }
    if (zeroBackoff) {
      for (String name : defined.keySet()) {
        builder.modifyHandler(name, h -> h.retryBackoff(Backoff.NONE));
      }
      builder.retryBackoff(Backoff.NONE).restartBackoff(Backoff.NONE);
    }
    return builder.runtime(runtime);
  }

  /** {@link #install(TaskDaemon.Builder)}, then {@code start()}. */
  public TaskDaemon start(TaskDaemon.Builder builder) {
    return install(builder).start();
  }

  /** What went wrong inside the fakes so far, by handler name (empty in a correct test). */
  public List<FakeHandlerException> failures() {
    List<FakeHandlerException> all = new ArrayList<>();
    for (FakeHandler f : new TreeMap<>(launchable).values()) {
      all.addAll(f.failures());
    }
    return all;
  }

  /** Resets every fake: received attempts, failures, queued replies and faults. */
  public void reset() {
    for (FakeHandler f : launchable.values()) {
      f.reset();
    }
  }

  @Override
  public String toString() {
    return "Fakes[" + new TreeMap<>(stubs).keySet() + ", unstubbed=" + unstubbed + "]";
  }
}

package dev.taskdaemon.testkit;

import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.spi.HandlerProcess;
import dev.taskdaemon.spi.HandlerRuntime;
import dev.taskdaemon.spi.InstanceInfo;
import dev.taskdaemon.spi.RuntimeContext;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime behind {@link Fakes}: launches {@link FakeProcess}es for the handlers that have a fake,
 * and refuses, at {@code start()}, handlers that were pointed at it without one.
 */
final class FakeRuntime implements HandlerRuntime {
  /** How long {@link #close(RuntimeContext)} waits for a fake instance's thread to end. */
  private static final Duration FIRST_JOIN = Duration.ofSeconds(1);
  private static final Duration JOIN_BOUND = Duration.ofSeconds(5);
  private static final Logger LOG = LoggerFactory.getLogger(FakeRuntime.class);

  private final Map<String, FakeHandler> fakes;
  private final Set<String> optionKeys = ConcurrentHashMap.newKeySet();
  /** Every instance launched, by daemon session, from the daemon's start until it closes. */
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();

  FakeRuntime(Map<String, FakeHandler> fakes) {
    this.fakes = fakes;
  }

  /** Runtime-specific keys of the handlers pointed here (docker's {@code cpus}, ...): accepted and ignored. */
  void acceptOptionKeys(Set<String> keys) {
    optionKeys.addAll(keys);
  }

  @Override
  public String name() {
    return Fakes.RUNTIME;
  }

  @Override
  public Set<String> optionKeys() {
    return Set.copyOf(optionKeys);
  }

  @Override
  public List<ConfigProblem> validate(HandlerSpec spec) {
    if (fakes.containsKey(spec.name())) {
      return List.of();
    }
    return List.of(ConfigProblem.of("runtime", "no FakeHandler stands in for '" + spec.name()
        + "' and unstubbed handlers fail at start (Unstubbed.FAIL_START); stub it with fakes.stub(\""
        + spec.name() + "\", FakeHandler...), or choose fakes.unstubbed(Unstubbed.FAIL_TASKS) or"
        + " fakes.unstubbed(Unstubbed.REAL)"));
  }

  @Override
  public void open(RuntimeContext context, List<HandlerSpec> handlers) {
    sessions.put(context.session(), new Session());
  }

  @Override
  public HandlerProcess launch(HandlerSpec spec, InstanceInfo instance) throws IOException {
    FakeHandler fake = fakes.get(spec.name());
    if (fake == null) {
      throw new IOException("no FakeHandler stands in for '" + spec.name() + "'");
    }
    Session session = sessions.get(instance.session());
    FakeProcess p = new FakeProcess(fake, instance);
    // A replacement may be launched while its daemon closes; refusing it once the session is closed
    // keeps every thread the testkit starts inside the daemon's lifetime.
    if (session == null || !session.add(p)) {
      throw new IOException("daemon '" + instance.daemon() + "' is closed; not starting fake instance "
          + instance.name());
    }
    p.start();
    return p;
  }

  /** Makes sure no fake thread of the closing daemon outlives it. */
  @Override
  public void close(RuntimeContext context) {
    Session session = sessions.remove(context.session());
    if (session == null) {
      return;
    }
    for (FakeProcess p : session.close()) {
      // The engine has stopped every instance already; this only waits for threads that are finishing.
      if (!p.join(FIRST_JOIN)) {
        p.kill(JOIN_BOUND);
        if (p.thread().isAlive()) {
          LOG.warn("fake instance thread {} did not end within {}; it is blocked in the fake's function",
              p.thread().getName(), JOIN_BOUND);
        }
      }
    }
  }

  /** The instances of one daemon run. */
  private static final class Session {
    private final List<FakeProcess> processes = new ArrayList<>();
    private boolean closed;

    synchronized boolean add(FakeProcess p) {
      if (closed) {
        return false;
      }
      processes.add(p);
      return true;
    }

    synchronized List<FakeProcess> close() {
      closed = true;
      return new ArrayList<>(processes);
    }
  }
}

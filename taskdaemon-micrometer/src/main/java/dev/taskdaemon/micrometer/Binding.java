package dev.taskdaemon.micrometer;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The meters of one registry: every one registered (so that {@code close()} can remove them) and the
 * timers, which, unlike the counters, are created as their first value comes.
 */
final class Binding {
  final MeterRegistry registry;
  final Tags tags;
  final List<Meter> meters = new CopyOnWriteArrayList<>();
  private final ConcurrentHashMap<String, Timer> attempt = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Timer> queueWait = new ConcurrentHashMap<>();
  private volatile boolean closed;

  Binding(MeterRegistry registry, Tags tags) {
    this.registry = registry;
    this.tags = tags;
  }

  <M extends Meter> M add(M meter) {
    meters.add(meter);
    return meter;
  }

  /** The attempt timer of a handler and outcome, registered on first use; null once closed. */
  Timer attempt(String handler, String outcome) {
    Timer t = attempt.get(handler + '\n' + outcome);
    return t != null ? t : timer(attempt, handler + '\n' + outcome, Meters.ATTEMPT,
        Tags.of("handler", handler, "outcome", outcome), "Duration of one attempt of a task on an instance");
  }

  /** The queue-wait timer of a handler, registered on first use; null once closed. */
  Timer queueWait(String handler) {
    Timer t = queueWait.get(handler);
    return t != null ? t : timer(queueWait, handler, Meters.QUEUE_WAIT, Tags.of("handler", handler),
        "Time from a task's submission to the start of its first attempt");
  }

  /**
   * Registers a timer on first use; null once closed. Under the binding's monitor so that no timer is
   * registered after {@link #close()} removed the others: it would stay in the registry for good.
   */
  private synchronized Timer timer(ConcurrentHashMap<String, Timer> cache, String key, String name, Tags own,
      String description) {
    if (closed) {
      return null;
    }
    return cache.computeIfAbsent(key,
        k -> add(Timer.builder(name).description(description).tags(tags).tags(own).register(registry)));
  }

  synchronized void close() {
    closed = true;
    for (Meter m : meters) {
      registry.remove(m);
    }
    meters.clear();
    attempt.clear();
    queueWait.clear();
  }
}

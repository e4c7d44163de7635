package dev.taskdaemon.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.TreeMap;

/** Reads meters of a registry for assertions. */
final class Read {
  private final MeterRegistry registry;

  Read(MeterRegistry registry) {
    this.registry = registry;
  }

  double count(String name, String... tags) {
    return registry.get(name).tags(tags).functionCounter().count();
  }

  double gauge(String name, String... tags) {
    return registry.get(name).tags(tags).gauge().value();
  }

  /** taskdaemon.tasks.completed of one handler, by outcome. */
  Map<String, Double> completed(String handler) {
    Map<String, Double> m = new TreeMap<>();
    for (FunctionCounter c : registry.get("taskdaemon.tasks.completed").tag("handler", handler).functionCounters()) {
      m.put(c.getId().getTag("outcome"), c.count());
    }
    return m;
  }

  /** How many values each timer of one handler recorded, by outcome. */
  Map<String, Long> timerCounts(String name, String handler) {
    Map<String, Long> m = new TreeMap<>();
    for (Meter meter : registry.find(name).tag("handler", handler).meters()) {
      m.put(meter.getId().getTag("outcome"), ((Timer) meter).count());
    }
    return m;
  }
}

package dev.taskdaemon.micrometer;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the events counted, by handler. Kept apart from any registry, so that events before {@code
 * bindTo} count, and every registry bound reads the same numbers.
 */
final class EventCounts {
  /** Tasks submitted to any handler. */
  final LongAdder received = new LongAdder();
  private final ConcurrentHashMap<String, Handler> handlers = new ConcurrentHashMap<>();

  Handler of(String handler) {
    return handlers.computeIfAbsent(handler, h -> new Handler());
  }

  /** One handler's counts. */
  static final class Handler {
    final LongAdder submitted = new LongAdder();
    final LongAdder retried = new LongAdder();
    private final ConcurrentHashMap<String, LongAdder> completed = new ConcurrentHashMap<>();

    LongAdder completed(String outcome) {
      return completed.computeIfAbsent(outcome, o -> new LongAdder());
    }
  }
}

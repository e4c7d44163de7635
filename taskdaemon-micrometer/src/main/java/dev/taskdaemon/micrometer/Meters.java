package dev.taskdaemon.micrometer;

import dev.taskdaemon.InstanceState;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/** The names of the meters and their registration; {@code docs/metrics.md} lists the same. */
final class Meters {
  static final String SUBMITTED = "taskdaemon.tasks.submitted";
  static final String COMPLETED = "taskdaemon.tasks.completed";
  static final String RETRIED = "taskdaemon.tasks.retried";
  static final String ATTEMPT = "taskdaemon.task.attempt";
  static final String QUEUE_WAIT = "taskdaemon.task.queue.wait";
  static final String QUEUE_SIZE = "taskdaemon.queue.size";
  static final String INSTANCES = "taskdaemon.instances";
  static final String RESTARTS = "taskdaemon.instance.restarts";
  static final String HEALTHY = "taskdaemon.handler.healthy";

  /** The original TaskDaemon's names, for dashboards and alerts written against it. */
  static final String ORIGINAL_RECEIVED = "tasks_received";
  static final String ORIGINAL_QUEUE_SIZE = "queue_size";
  static final String ORIGINAL_ACTIVE = "container_pool_active";
  static final String ORIGINAL_IDLE = "container_pool_idle";

  /** The instance states the {@code state} tag takes. */
  static final List<InstanceState> STATES = List.of(InstanceState.BUSY, InstanceState.IDLE, InstanceState.STARTING);

  private Meters() {}

  /** Registers every meter but the timers (which come with their first value). */
  static void register(Binding b, TaskDaemonMetrics.Pools pools, EventCounts counts, TaskDaemonMetrics.Options options) {
    for (PoolView view : pools.views()) {
      String h = view.handler;
      EventCounts.Handler c = counts.of(h);
      counter(b, SUBMITTED, c.submitted, "Tasks accepted by submit", "handler", h);
      counter(b, RETRIED, c.retried, "Attempts that were followed by a retry", "handler", h);
      for (String outcome : Outcomes.all()) {
        counter(b, COMPLETED, c.completed(outcome), "Tasks that reached their final outcome", "handler", h,
            "outcome", outcome);
      }
      b.add(Gauge.builder(QUEUE_SIZE, view, PoolView::queued).strongReference(true).tags(b.tags).tag("handler", h)
          .description("Tasks waiting in the handler's queue, retries waiting out their back-off included")
          .register(b.registry));
      for (InstanceState state : STATES) {
        b.add(Gauge.builder(INSTANCES, view, v -> v.instances(state)).strongReference(true).tags(b.tags)
            .tag("handler", h).tag("state", state.name().toLowerCase(Locale.ROOT))
            .description("Instances of the handler's pool in the state").register(b.registry));
      }
      b.add(FunctionCounter.builder(RESTARTS, view, PoolView::restarts).tags(b.tags).tag("handler", h)
          .description("Instances started to replace one that exited or was killed").register(b.registry));
      b.add(Gauge.builder(HEALTHY, view, PoolView::healthy).strongReference(true).tags(b.tags).tag("handler", h)
          .description("1 while the handler is healthy, 0 while its instances die whenever they start")
          .register(b.registry));
    }
    if (options.originalNames()) {
      counter(b, ORIGINAL_RECEIVED, counts.received, "Tasks received");
      b.add(Gauge.builder(ORIGINAL_QUEUE_SIZE, pools, Meters::queuedInAll).strongReference(true).tags(b.tags)
          .description("Tasks waiting in the queues of all handlers").register(b.registry));
      for (PoolView view : pools.views()) {
        b.add(Gauge.builder(ORIGINAL_ACTIVE, view, v -> v.instances(InstanceState.BUSY)).strongReference(true)
            .tags(b.tags).tag("handler", view.handler).description("Instances running a task")
            .register(b.registry));
        b.add(Gauge.builder(ORIGINAL_IDLE, view, v -> v.instances(InstanceState.IDLE)).strongReference(true)
            .tags(b.tags).tag("handler", view.handler).description("Instances waiting for a task")
            .register(b.registry));
      }
    }
  }

  private static void counter(Binding b, String name, LongAdder count, String description, String... tags) {
    b.add(FunctionCounter.builder(name, count, LongAdder::sum).tags(b.tags).tags(tags).description(description)
        .register(b.registry));
  }

  private static double queuedInAll(TaskDaemonMetrics.Pools pools) {
    double sum = 0;
    for (PoolView v : pools.views()) {
      sum += v.queued();
    }
    return sum;
  }
}

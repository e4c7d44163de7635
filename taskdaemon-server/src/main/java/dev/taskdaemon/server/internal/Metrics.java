package dev.taskdaemon.server.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.taskdaemon.HandlerStats;
import dev.taskdaemon.InstanceState;
import dev.taskdaemon.InstanceStatus;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.micrometer.TaskDaemonMetrics;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;

/**
 * The server's metrics: {@code taskdaemon-micrometer}'s meters, with the original daemon's four
 * names ({@code tasks_received_total}, {@code queue_size}, {@code container_pool_active{handler}},
 * {@code container_pool_idle{handler}}), in a Prometheus registry that {@code /metrics} scrapes;
 * {@code /api/metrics} shows the same totals as JSON beside each handler's counters.
 *
 * <p>Made in two steps because the binder counts the daemon's events: {@link #listener()} goes to the
 * builder before {@code start()}, {@link #bind(TaskDaemon)} follows it.
 */
public final class Metrics implements AutoCloseable {
  /** The Prometheus text exposition format, version 0.0.4. */
  static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final TaskDaemonMetrics binder =
      new TaskDaemonMetrics(TaskDaemonMetrics.Options.defaults().originalNames(true));
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private TaskDaemon daemon;

  /** The listener to give the daemon's builder. */
  public TaskDaemonMetrics listener() {
    return binder;
  }

  /** Binds the meters to the started daemon (the one the listener was given to). */
  public Metrics bind(TaskDaemon started) {
    binder.monitor(started).bindTo(registry);
    this.daemon = started;
    return this;
  }

  String prometheus() {
    return registry.scrape();
  }

  ObjectNode json() {
    ObjectNode root = Json.object();
    root.put("tasks_received", (long) value("tasks_received"));
    root.put("queue_size", (long) value("queue_size"));
    ObjectNode handlers = root.putObject("handlers");
    for (Map.Entry<String, HandlerStats> e : daemon.stats().entrySet()) {
      HandlerStats s = e.getValue();
      int busy = 0;
      int idle = 0;
      for (InstanceStatus i : daemon.pool(e.getKey()).instances()) {
        busy += i.state() == InstanceState.BUSY ? 1 : 0;
        idle += i.state() == InstanceState.IDLE ? 1 : 0;
      }
      ObjectNode h = handlers.putObject(e.getKey());
      h.put("queued", s.queued());
      h.put("in_flight", s.inFlight());
      h.put("succeeded", s.succeeded());
      h.put("failed", s.failed());
      h.put("retried", s.retried());
      h.put("timed_out", s.timedOut());
      h.put("instances_alive", s.instancesAlive());
      h.put("active", busy);
      h.put("idle", idle);
      h.put("restarts", s.restarts());
      h.put("healthy", s.healthy());
    }
    return root;
  }

  /** The first measurement of the meter of that name (0 when there is none). */
  private double value(String name) {
    Meter m = registry.find(name).meter();
    if (m == null) {
      return 0;
    }
    for (Measurement x : m.measure()) {
      return Double.isNaN(x.getValue()) ? 0 : x.getValue();
    }
    return 0;
  }

  /** Removes the meters; the registry is not used afterwards. */
  @Override
  public void close() {
    binder.close();
    registry.close();
  }
}

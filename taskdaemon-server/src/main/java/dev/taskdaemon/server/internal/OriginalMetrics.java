package dev.taskdaemon.server.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.taskdaemon.HandlerStats;
import dev.taskdaemon.InstanceState;
import dev.taskdaemon.InstanceStatus;
import dev.taskdaemon.TaskDaemon;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The original daemon's four metrics, rendered from the daemon's counters: {@code
 * tasks_received_total}, {@code queue_size}, {@code container_pool_active{handler}} and {@code
 * container_pool_idle{handler}}, as Prometheus text ({@code /metrics}) and as JSON ({@code
 * /api/metrics}). Kept in this one class so that a Micrometer registry can take its place without
 * touching the routes.
 */
final class OriginalMetrics {
  /** The Prometheus text exposition format, version 0.0.4. */
  static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final TaskDaemon daemon;
  private final AtomicLong received = new AtomicLong();

  OriginalMetrics(TaskDaemon daemon) {
    this.daemon = daemon;
  }

  /** Counts tasks accepted by {@code POST /queue}. */
  void received(int tasks) {
    received.addAndGet(tasks);
  }

  /** One handler's instance counts: [busy, idle]. */
  private int[] instances(String handler) {
    int busy = 0;
    int idle = 0;
    for (InstanceStatus s : daemon.pool(handler).instances()) {
      if (s.state() == InstanceState.BUSY) {
        busy++;
      } else if (s.state() == InstanceState.IDLE) {
        idle++;
      }
    }
    return new int[] {busy, idle};
  }

  String prometheus() {
    Map<String, HandlerStats> stats = daemon.stats();
    long queued = 0;
    for (HandlerStats s : stats.values()) {
      queued += s.queued();
    }
    StringBuilder sb = new StringBuilder(512);
    sb.append("# HELP tasks_received_total Tasks accepted by POST /queue since the server started.\n")
        .append("# TYPE tasks_received_total counter\n")
        .append("tasks_received_total ").append(received.get()).append('\n');
    sb.append("# HELP queue_size Tasks waiting in the queues of all handlers.\n")
        .append("# TYPE queue_size gauge\n")
        .append("queue_size ").append(queued).append('\n');
    StringBuilder idle = new StringBuilder();
    sb.append("# HELP container_pool_active Instances running a task, by handler.\n")
        .append("# TYPE container_pool_active gauge\n");
    idle.append("# HELP container_pool_idle Instances waiting for a task, by handler.\n")
        .append("# TYPE container_pool_idle gauge\n");
    for (String h : stats.keySet()) {
      int[] n = instances(h);
      sb.append("container_pool_active{handler=\"").append(label(h)).append("\"} ").append(n[0]).append('\n');
      idle.append("container_pool_idle{handler=\"").append(label(h)).append("\"} ").append(n[1]).append('\n');
    }
    return sb.append(idle).toString();
  }

  ObjectNode json() {
    ObjectNode root = Json.object();
    Map<String, HandlerStats> stats = daemon.stats();
    long queued = 0;
    ObjectNode handlers = Json.object();
    for (HandlerStats s : stats.values()) {
      queued += s.queued();
      int[] n = instances(s.handler());
      ObjectNode h = handlers.putObject(s.handler());
      h.put("queued", s.queued());
      h.put("in_flight", s.inFlight());
      h.put("succeeded", s.succeeded());
      h.put("failed", s.failed());
      h.put("retried", s.retried());
      h.put("timed_out", s.timedOut());
      h.put("instances_alive", s.instancesAlive());
      h.put("active", n[0]);
      h.put("idle", n[1]);
      h.put("restarts", s.restarts());
      h.put("healthy", s.healthy());
    }
    root.put("tasks_received", received.get());
    root.put("queue_size", queued);
    root.set("handlers", handlers);
    return root;
  }

  /** A label value with the three characters the format escapes escaped. */
  private static String label(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}

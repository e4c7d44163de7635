package dev.taskdaemon.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.HandlerPool;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskFuture;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gauges follow the pools: instances busy, idle and starting, the queue, and stay readable after close. */
class PoolGaugesTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void busyIdleAndQueued_followTasksThatBlockUntilReleased(@TempDir Path dir) throws Exception {
    Path release = dir.resolve("release");
    MeterRegistry registry = new SimpleMeterRegistry();
    TaskDaemonMetrics metrics = new TaskDaemonMetrics(TaskDaemonMetrics.Options.defaults().originalNames(true));
    try (TaskDaemon daemon = TaskDaemon.builder().name("gauges")
        .handler(Sh.blocking("block", release).instances(2).build())
        .handler(Sh.handler("echo", Sh.ECHO).instances(1).build())
        .listener(metrics)
        .start()) {
      metrics.monitor(daemon).bindTo(registry);
      Read m = new Read(registry);
      Awaitility.await().atMost(WAIT).until(() -> m.gauge("taskdaemon.instances", "handler", "block", "state", "idle") == 2);
      assertThat(m.gauge("taskdaemon.instances", "handler", "block", "state", "busy")).isZero();
      assertThat(m.gauge("taskdaemon.queue.size", "handler", "block")).isZero();

      List<TaskFuture> tasks = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        tasks.add(daemon.submit("block", Map.of("n", i)));
      }
      Awaitility.await().atMost(WAIT).until(() -> m.gauge("taskdaemon.instances", "handler", "block", "state", "busy") == 2);
      assertThat(m.gauge("taskdaemon.instances", "handler", "block", "state", "idle")).isZero();
      assertThat(m.gauge("taskdaemon.instances", "handler", "block", "state", "starting")).isZero();
      assertThat(m.gauge("taskdaemon.queue.size", "handler", "block")).isEqualTo(1);
      assertThat(m.gauge("taskdaemon.queue.size", "handler", "echo")).isZero();
      assertThat(m.gauge("container_pool_active", "handler", "block")).isEqualTo(2);
      assertThat(m.gauge("container_pool_idle", "handler", "block")).isZero();
      assertThat(m.gauge("queue_size")).isEqualTo(1);
      Awaitility.await().atMost(WAIT).until(() -> m.count("tasks_received") == 3);
      assertThat(m.gauge("container_pool_idle", "handler", "echo")).isEqualTo(1);

      Files.createFile(release);
      for (TaskFuture f : tasks) {
        assertThat(Sh.get(f).isSuccess()).isTrue();
      }
      Awaitility.await().atMost(WAIT).until(() -> m.gauge("taskdaemon.instances", "handler", "block", "state", "idle") == 2);
      assertThat(m.gauge("taskdaemon.instances", "handler", "block", "state", "busy")).isZero();
      assertThat(m.gauge("taskdaemon.queue.size", "handler", "block")).isZero();
      assertThat(m.gauge("queue_size")).isZero();
      assertThat(m.gauge("taskdaemon.handler.healthy", "handler", "block")).isEqualTo(1);
      assertThat(m.count("taskdaemon.instance.restarts", "handler", "block")).isZero();
    }
  }

  @Test
  void instancesInTheirSettleTime_countAsStarting(@TempDir Path dir) throws Exception {
    MeterRegistry registry = new SimpleMeterRegistry();
    TaskDaemonMetrics metrics = new TaskDaemonMetrics();
    try (TaskDaemon daemon = TaskDaemon.builder().name("starting")
        .handler(Sh.handler("echo", Sh.ECHO).instances(3).settleTime(Duration.ofSeconds(10)).build())
        .listener(metrics)
        .start()) {
      metrics.monitor(daemon).bindTo(registry);
      Read m = new Read(registry);
      assertThat(m.gauge("taskdaemon.instances", "handler", "echo", "state", "starting")).isEqualTo(3);
      assertThat(m.gauge("taskdaemon.instances", "handler", "echo", "state", "idle")).isZero();
      TaskFuture f = daemon.submit("echo", Map.of());
      Awaitility.await().atMost(WAIT).until(() -> m.gauge("taskdaemon.queue.size", "handler", "echo") == 1);
      Result r = Sh.get(f);
      assertThat(r.isSuccess()).isTrue();
      Awaitility.await().atMost(WAIT).until(() -> m.gauge("taskdaemon.instances", "handler", "echo", "state", "idle") == 3);
      assertThat(m.gauge("taskdaemon.instances", "handler", "echo", "state", "starting")).isZero();
    }
  }

  @Test
  void gaugesOfAClosedDaemon_readWithoutThrowing() throws Exception {
    MeterRegistry registry = new SimpleMeterRegistry();
    TaskDaemonMetrics metrics = new TaskDaemonMetrics(TaskDaemonMetrics.Options.defaults().originalNames(true));
    TaskDaemon daemon = TaskDaemon.builder().name("closed")
        .handler(Sh.handler("echo", Sh.ECHO).instances(2).build())
        .listener(metrics)
        .start();
    metrics.monitor(daemon).bindTo(registry);
    assertThat(Sh.get(daemon.submit("echo", Map.of())).isSuccess()).isTrue();
    daemon.close();
    Read m = new Read(registry);
    // a stopped pool has no instance in service and nothing queued
    assertThat(m.gauge("taskdaemon.instances", "handler", "echo", "state", "idle")).isZero();
    assertThat(m.gauge("taskdaemon.instances", "handler", "echo", "state", "busy")).isZero();
    assertThat(m.gauge("taskdaemon.queue.size", "handler", "echo")).isZero();
    assertThat(m.gauge("queue_size")).isZero();
    assertThat(m.gauge("container_pool_idle", "handler", "echo")).isZero();
    assertThat(m.count("taskdaemon.tasks.completed", "handler", "echo", "outcome", "success")).isEqualTo(1);
    for (io.micrometer.core.instrument.Meter meter : registry.getMeters()) {
      meter.measure().forEach(ms -> assertThat(ms.getValue()).as(meter.getId() + " " + ms.getStatistic()).isNotNaN());
    }
  }

  @Test
  void theRegistry_doesNotKeepAClosedDaemonInMemory() throws Exception {
    MeterRegistry registry = new SimpleMeterRegistry();
    WeakReference<HandlerPool> pool = closedDaemonBoundTo(registry);
    Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
      System.gc();
      return pool.get() == null;
    });
    Read m = new Read(registry);
    // nothing left to read: a gauge says so with NaN, and never throws
    assertThat(m.gauge("taskdaemon.instances", "handler", "echo", "state", "idle")).isNaN();
    assertThat(m.gauge("taskdaemon.queue.size", "handler", "echo")).isNaN();
    assertThat(m.gauge("taskdaemon.handler.healthy", "handler", "echo")).isNaN();
  }

  /** Everything but the registry is unreachable once this returns, except by the weak reference. */
  private static WeakReference<HandlerPool> closedDaemonBoundTo(MeterRegistry registry) throws Exception {
    TaskDaemonMetrics metrics = new TaskDaemonMetrics();
    try (TaskDaemon daemon = TaskDaemon.builder().name("forgotten")
        .handler(Sh.handler("echo", Sh.ECHO).instances(1).build())
        .listener(metrics)
        .start()) {
      metrics.monitor(daemon).bindTo(registry);
      assertThat(Sh.get(daemon.submit("echo", Map.of())).isSuccess()).isTrue();
      return new WeakReference<>(daemon.pool("echo"));
    }
  }
}

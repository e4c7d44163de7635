package dev.taskdaemon.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskFuture;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a Prometheus scrape shows, as text: the original daemon's names beside the standard ones, with
 * the values of a known moment (two tasks running, one queued, four received).
 */
class PrometheusOutputTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void scrape_showsTheOriginalNamesWithTheirValues(@TempDir Path dir) throws Exception {
    Path release = dir.resolve("release");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    TaskDaemonMetrics metrics = new TaskDaemonMetrics(TaskDaemonMetrics.Options.defaults().originalNames(true));
    try (TaskDaemon daemon = TaskDaemon.builder().name("prom")
        .handler(Sh.blocking("block", release).instances(2).build())
        .handler(Sh.handler("echo", Sh.ECHO).instances(1).build())
        .listener(metrics)
        .start()) {
      metrics.monitor(daemon).bindTo(registry);
      List<TaskFuture> tasks = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        tasks.add(daemon.submit("block", Map.of("n", i)));
      }
      assertThat(Sh.get(daemon.submit("echo", Map.of())).isSuccess()).isTrue();
      Awaitility.await().atMost(WAIT).until(() -> lines(registry).contains("container_pool_active{handler=\"block\"} 2.0")
          && lines(registry).contains("tasks_received_total 4.0"));
      assertThat(lines(registry)).containsSubsequence(
          "# TYPE container_pool_active gauge",
          "container_pool_active{handler=\"block\"} 2.0",
          "container_pool_active{handler=\"echo\"} 0.0",
          "# TYPE container_pool_idle gauge",
          "container_pool_idle{handler=\"block\"} 0.0",
          "container_pool_idle{handler=\"echo\"} 1.0",
          "# TYPE queue_size gauge",
          "queue_size 1.0");
      assertThat(lines(registry)).containsSubsequence(
          "# TYPE tasks_received_total counter",
          "tasks_received_total 4.0");
      assertThat(lines(registry)).contains(
          "taskdaemon_instances{handler=\"block\",state=\"busy\"} 2.0",
          "taskdaemon_queue_size{handler=\"block\"} 1.0",
          "taskdaemon_tasks_submitted_total{handler=\"block\"} 3.0",
          "taskdaemon_tasks_completed_total{handler=\"echo\",outcome=\"success\"} 1.0",
          "taskdaemon_task_attempt_seconds_count{handler=\"echo\",outcome=\"success\"} 1");

      Files.createFile(release);
      for (TaskFuture f : tasks) {
        assertThat(Sh.get(f).isSuccess()).isTrue();
      }
      Awaitility.await().atMost(WAIT).until(
          () -> lines(registry).contains("taskdaemon_tasks_completed_total{handler=\"block\",outcome=\"success\"} 3.0"));
      assertThat(lines(registry)).contains(
          "tasks_received_total 4.0",
          "queue_size 0.0",
          "container_pool_active{handler=\"block\"} 0.0",
          "container_pool_idle{handler=\"block\"} 2.0");
    }
  }

  @Test
  void withoutTheOption_noOriginalNameIsPublished() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    TaskDaemonMetrics metrics = new TaskDaemonMetrics();
    try (TaskDaemon daemon = TaskDaemon.builder().name("prom-std")
        .handler(Sh.handler("echo", Sh.ECHO).instances(1).build())
        .listener(metrics)
        .start()) {
      metrics.monitor(daemon).bindTo(registry);
      assertThat(Sh.get(daemon.submit("echo", Map.of())).isSuccess()).isTrue();
      String scrape = registry.scrape();
      assertThat(scrape).contains("taskdaemon_tasks_submitted_total{handler=\"echo\"}");
      assertThat(scrape).doesNotContain("tasks_received", "\nqueue_size", "container_pool");
    }
  }

  private static List<String> lines(PrometheusMeterRegistry registry) {
    return registry.scrape().lines().toList();
  }
}

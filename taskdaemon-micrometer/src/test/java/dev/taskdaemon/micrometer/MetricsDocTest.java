package dev.taskdaemon.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskFuture;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/metrics.md says what runs: its Java snippets are the code of this class's tests, verbatim; its
 * tables list exactly the meters a binder registers; its Prometheus lines are what a scrape shows.
 */
class MetricsDocTest {
  private static final Path SOURCE = Path.of("src/test/java/dev/taskdaemon/micrometer/MetricsDocTest.java");

  @Test
  void bindSnippet_runsAndCounts() throws Exception {
    // doc: metrics-bind
    MeterRegistry registry = new SimpleMeterRegistry(); // or your application's registry
    TaskDaemonMetrics metrics = new TaskDaemonMetrics();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(HandlerSpec.builder("echo")
            .command("sh", "-c", "while read -r line; do echo '{\"status\":\"success\",\"result\":1}'; done")
            .build())
        .listener(metrics) // 1. before start(): it counts the events
        .start()) {
      metrics.monitor(daemon).bindTo(registry); // 2. after start(): the gauges read the pools
      daemon.submit("echo", Map.of("n", 1)).get();
    }
    double done = registry.get("taskdaemon.tasks.completed").tags("handler", "echo", "outcome", "success")
        .functionCounter().count(); // 1.0
    // doc: end
    assertThat(done).isEqualTo(1.0);
    assertThat(registry.get("taskdaemon.task.attempt").tags("handler", "echo", "outcome", "success").timer().count())
        .isEqualTo(1);
    metrics.close();
    assertThat(registry.getMeters()).isEmpty();
  }

  @Test
  void optionsSnippet_tagsEveryMeter_andAddsTheOriginalNames() throws Exception {
    // doc: metrics-options
    TaskDaemonMetrics metrics = new TaskDaemonMetrics(TaskDaemonMetrics.Options.defaults()
        .tags("daemon", "thumbnails")
        .originalNames(true)); // also the original TaskDaemon's names, see below
    // doc: end
    MeterRegistry registry = new SimpleMeterRegistry();
    try (TaskDaemon daemon = TaskDaemon.builder().handler(Sh.handler("echo", Sh.ECHO).instances(1).build())
        .listener(metrics).start()) {
      metrics.monitor(daemon).bindTo(registry);
      assertThat(daemon.submit("echo", Map.of()).get().isSuccess()).isTrue();
    }
    assertThat(registry.getMeters()).isNotEmpty()
        .allSatisfy(m -> assertThat(m.getId().getTag("daemon")).as(m.getId().toString()).isEqualTo("thumbnails"));
    assertThat(registry.get("tasks_received").functionCounter().count()).isEqualTo(1.0);
  }

  @Test
  void javaSnippets_areTheCodeOfTheseTests() throws Exception {
    Doc doc = Doc.metrics();
    for (String marker : List.of("metrics-bind", "metrics-options")) {
      assertThat(doc.code(marker)).as("docs/metrics.md snippet " + marker).isEqualTo(Doc.region(SOURCE, marker));
    }
  }

  @Test
  void mavenSnippet_namesThisModule() throws Exception {
    String snippet = Doc.metrics().code("metrics-maven");
    String pom = Files.readString(Path.of("pom.xml"));
    assertThat(snippet).isEqualTo("<dependency>\n  <groupId>dev.taskdaemon</groupId>\n"
        + "  <artifactId>taskdaemon-micrometer</artifactId>\n</dependency>\n");
    assertThat(pom).contains("<artifactId>taskdaemon-micrometer</artifactId>");
    assertThat(Files.readString(Doc.root().resolve("taskdaemon-bom/pom.xml")))
        .as("the version comes from the BOM").contains("<artifactId>taskdaemon-micrometer</artifactId>");
  }

  @Test
  void meterTables_listExactlyTheMetersRegistered() throws Exception {
    MeterRegistry registry = new SimpleMeterRegistry();
    TaskDaemonMetrics metrics = new TaskDaemonMetrics(TaskDaemonMetrics.Options.defaults().originalNames(true));
    try (TaskDaemon daemon = TaskDaemon.builder().handler(Sh.handler("echo", Sh.ECHO).instances(1).build())
        .listener(metrics).start()) {
      metrics.monitor(daemon).bindTo(registry);
      assertThat(daemon.submit("echo", Map.of()).get().isSuccess()).isTrue();
    } // the timers exist once their first values are in
    Set<String> registered = new TreeSet<>();
    for (Meter m : registry.getMeters()) {
      List<String> tags = new ArrayList<>();
      m.getId().getTags().forEach(t -> tags.add(t.getKey()));
      registered.add(m.getId().getName() + " " + type(m) + " " + tags);
    }
    Set<String> documented = new TreeSet<>();
    Doc doc = Doc.metrics();
    for (List<String> row : doc.table("metrics-meters")) {
      assertThat(row).hasSize(4).allSatisfy(c -> assertThat(c).isNotBlank());
      documented.add(unquote(row.get(0)) + " " + row.get(1) + " " + tags(row.get(2)));
    }
    for (List<String> row : doc.table("metrics-original")) {
      assertThat(row).hasSize(5);
      assertThat(row.get(4)).isNotBlank();
      documented.add(unquote(row.get(1)) + " " + row.get(2) + " " + tags(row.get(3)));
    }
    assertThat(documented).isEqualTo(registered);
  }

  @Test
  void prometheusLines_areWhatAScrapeShows(@TempDir Path dir) throws Exception {
    Path release = dir.resolve("release");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    TaskDaemonMetrics metrics = new TaskDaemonMetrics(TaskDaemonMetrics.Options.defaults().originalNames(true));
    List<String> shown = Doc.metrics().code("metrics-prometheus-text").lines().toList();
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(Sh.blocking("block", release).instances(2).build())
        .handler(Sh.handler("echo", Sh.ECHO).instances(1).build())
        .listener(metrics).start()) {
      metrics.monitor(daemon).bindTo(registry);
      List<TaskFuture> blocked = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        blocked.add(daemon.submit("block", Map.of()));
      }
      assertThat(Sh.get(daemon.submit("echo", Map.of())).isSuccess()).isTrue();
      Awaitility.await().atMost(Duration.ofSeconds(30))
          .until(() -> registry.scrape().lines().toList().containsAll(shown));
      // nothing moves while the blocked tasks wait: the page's order is the scrape's
      assertThat(registry.scrape().lines().toList()).containsSubsequence(shown);
      // the Prometheus names of the original table, exactly
      for (List<String> row : Doc.metrics().table("metrics-original")) {
        assertThat(registry.scrape()).contains("\n" + unquote(row.get(0)) + (row.get(3).isEmpty() ? " " : "{"));
      }
      Files.createFile(release);
      for (TaskFuture f : blocked) {
        assertThat(Sh.get(f).isSuccess()).isTrue();
      }
    }
  }

  private static String type(Meter m) {
    return m.getId().getType().name().toLowerCase(Locale.ROOT);
  }

  private static String unquote(String cell) {
    return cell.replace("`", "");
  }

  private static List<String> tags(String cell) {
    List<String> tags = new ArrayList<>();
    for (String t : unquote(cell).split(",")) {
      if (!t.isBlank()) {
        tags.add(t.trim());
      }
    }
    return tags;
  }
}

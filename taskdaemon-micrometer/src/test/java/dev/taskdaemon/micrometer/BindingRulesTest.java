package dev.taskdaemon.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskdaemon.TaskDaemon;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each way of wiring the binder wrongly fails at once with a message that says what to do. */
class BindingRulesTest {

  private static TaskDaemon echoDaemon(String name, TaskDaemonMetrics listener) {
    TaskDaemon.Builder b = TaskDaemon.builder().name(name).handler(Sh.handler("echo", Sh.ECHO).instances(1).build());
    if (listener != null) {
      b.listener(listener);
    }
    return b.start();
  }

  @Test
  void bindToBeforeMonitor_saysToCallMonitorFirst() {
    TaskDaemonMetrics metrics = new TaskDaemonMetrics();
    assertThatThrownBy(() -> metrics.bindTo(new SimpleMeterRegistry()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("call monitor(daemon) before bindTo(registry): the gauges read the daemon's pools, "
            + "e.g. metrics.monitor(daemon).bindTo(registry)");
  }

  @Test
  void monitorOfADaemonItDoesNotListenTo_saysToRegisterItWithTheBuilder() {
    TaskDaemonMetrics metrics = new TaskDaemonMetrics();
    try (TaskDaemon daemon = echoDaemon("unheard", null)) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> metrics.monitor(daemon))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("TaskDaemonMetrics has received no event from daemon 'unheard' (handlers [echo]) within 5 s "
              + "of monitor(): give it to the builder before start(), TaskDaemon.builder()...listener(metrics).start(), "
              + "so that it sees the tasks");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(4));
    }
  }

  @Test
  void oneBinderForTwoDaemons_isRefused_andMonitoringTheSameDaemonAgainIsHarmless() {
    TaskDaemonMetrics metrics = new TaskDaemonMetrics();
    try (TaskDaemon first = echoDaemon("first", metrics); TaskDaemon second = echoDaemon("second", metrics)) {
      assertThat(metrics.monitor(first)).isSameAs(metrics);
      assertThat(metrics.monitor(first)).isSameAs(metrics);
      assertThatThrownBy(() -> metrics.monitor(second))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("this TaskDaemonMetrics already monitors daemon 'first'; one TaskDaemonMetrics serves one "
              + "daemon: create another for daemon 'second' and give it to that daemon's builder with listener(...)");
    }
  }

  @Test
  void aSecondBinderWithTheSameMeters_isRefused_andTheFirstKeepsCounting() throws Exception {
    MeterRegistry registry = new SimpleMeterRegistry();
    TaskDaemonMetrics a = new TaskDaemonMetrics();
    TaskDaemonMetrics b = new TaskDaemonMetrics();
    TaskDaemonMetrics c = new TaskDaemonMetrics(TaskDaemonMetrics.Options.defaults().tags("daemon", "c"));
    try (TaskDaemon da = echoDaemon("a", a); TaskDaemon db = echoDaemon("b", b); TaskDaemon dc = echoDaemon("c", c)) {
      a.monitor(da).bindTo(registry);
      int meters = registry.getMeters().size();
      assertThatThrownBy(() -> b.monitor(db).bindTo(registry))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("the registry already has meter taskdaemon.tasks.submitted{handler=echo} from "
              + "another binder, which would be reported in this one's place: close() the TaskDaemonMetrics that "
              + "registered it, or tell the two apart with Options.tags(...)");
      assertThat(registry.getMeters()).as("the refused binder left nothing behind").hasSize(meters);
      c.monitor(dc).bindTo(registry);
      assertThat(registry.getMeters()).as("tagged apart, both are bound").hasSize(2 * meters);

      assertThat(Sh.get(da.submit("echo", Map.of())).isSuccess()).isTrue();
      assertThat(Sh.get(db.submit("echo", Map.of())).isSuccess()).isTrue();
    } // close() delivers every event
    assertThat(registry.get("taskdaemon.tasks.submitted").tags(Tags.of("handler", "echo")).functionCounters())
          .extracting(m -> m.getId().getTag("daemon") + "=" + m.count())
        .containsExactlyInAnyOrder("null=1.0", "c=0.0");
  }

  @Test
  void tasksThatEndedBeforeBindTo_areCounted() throws Exception {
    MeterRegistry registry = new SimpleMeterRegistry();
    TaskDaemonMetrics metrics = new TaskDaemonMetrics();
    try (TaskDaemon daemon = echoDaemon("early", metrics)) {
      assertThat(Sh.get(daemon.submit("echo", Map.of())).isSuccess()).isTrue();
      assertThat(Sh.get(daemon.submit("echo", Map.of())).isSuccess()).isTrue();
      metrics.monitor(daemon).bindTo(registry);
    }
    Read m = new Read(registry);
    assertThat(m.count("taskdaemon.tasks.submitted", "handler", "echo")).isEqualTo(2);
    assertThat(m.count("taskdaemon.tasks.completed", "handler", "echo", "outcome", "success")).isEqualTo(2);
  }

  @Test
  void bindingTheSameRegistryTwice_registersOnce() {
    MeterRegistry registry = new SimpleMeterRegistry();
    TaskDaemonMetrics metrics = new TaskDaemonMetrics();
    try (TaskDaemon daemon = echoDaemon("twice", metrics)) {
      metrics.monitor(daemon).bindTo(registry);
      int meters = registry.getMeters().size();
      metrics.bindTo(registry);
      assertThat(registry.getMeters()).hasSize(meters);
    }
  }

  @Test
  void close_removesEveryMeterFromEveryRegistry_andRefusesLaterBinding() throws Exception {
    MeterRegistry one = new SimpleMeterRegistry();
    MeterRegistry two = new SimpleMeterRegistry();
    TaskDaemonMetrics metrics = new TaskDaemonMetrics(TaskDaemonMetrics.Options.defaults().originalNames(true));
    TaskDaemon daemon = echoDaemon("closing", metrics);
    try {
      metrics.monitor(daemon).bindTo(one);
      metrics.bindTo(two);
      assertThat(Sh.get(daemon.submit("echo", Map.of())).isSuccess()).isTrue();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
          .until(() -> one.find("taskdaemon.task.attempt").timer() != null);
      assertThat(one.getMeters()).hasSizeGreaterThan(10);
      metrics.close();
      assertThat(one.getMeters()).isEmpty();
      assertThat(two.getMeters()).isEmpty();
      // the daemon's events still reach the closed binder: they must register nothing
      assertThat(Sh.get(daemon.submit("echo", Map.of())).isSuccess()).isTrue();
      daemon.close();
      assertThat(one.getMeters()).isEmpty();
      assertThatThrownBy(() -> metrics.bindTo(one)).isInstanceOf(IllegalStateException.class)
          .hasMessage("this TaskDaemonMetrics is closed");
    } finally {
      daemon.close();
    }
  }

  @Test
  void options_refuseTagsTheBinderSetsItself_andOddKeyValueLists() {
    TaskDaemonMetrics.Options o = TaskDaemonMetrics.Options.defaults();
    assertThatThrownBy(() -> o.tags("handler", "x")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tag 'handler' is set by TaskDaemonMetrics itself; choose another key, e.g. 'daemon'");
    assertThatThrownBy(() -> o.tags("daemon")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tags come in key, value pairs; got 1 strings");
    assertThat(o.tags("daemon", "a").originalNames(true).toString())
        .isEqualTo("Options[tags=[tag(daemon=a)], originalNames=true]");
    assertThat(o.originalNames()).isFalse();
  }
}

package dev.taskdaemon.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.spi.HandlerProcess;
import dev.taskdaemon.spi.InstanceInfo;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Container start time and the round-trip rate of one warm instance, printed as {@code MEASURE}
 * lines (in target/surefire-reports/dev.taskdaemon.docker.DockerMeasurementsTest-output.txt). The
 * assertions check that every answer was right; the figures are for people, not thresholds.
 */
@DockerTest
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"cli", "api"})
class DockerMeasurementsTest {
  /** The docker_transport every handler of this run uses. */
  @Parameter
  String transport;

  private HandlerSpec.Builder handler(String name) {
    return Busybox.handler(name).option("docker_transport", transport);
  }

  private HandlerSpec.Builder script(String name, String script) {
    return Busybox.script(name, script).option("docker_transport", transport);
  }


  @Test
  void containerStartTime_launchToFirstResponse() throws Exception {
    DockerRuntime runtime = new DockerRuntime();
    HandlerSpec spec = handler("measure").build();
    assertThat(runtime.usesApi(spec)).isEqualTo(transport.equals("api"));
    String session = Busybox.daemonName("m").substring(2);
    int runs = 5;
    double[] ms = new double[runs];
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      HandlerProcess p = runtime.launch(spec, new InstanceInfo("dt-measure", session, "measure", 0, i + 1));
      try {
        OutputStream in = p.stdin();
        in.write(("{\"task_id\":\"t" + i + "\",\"task_type\":\"measure\",\"task_data\":{},\"attempt\":1}\n")
            .getBytes(StandardCharsets.UTF_8));
        in.flush();
        String line = new BufferedReader(new InputStreamReader(p.stdout(), StandardCharsets.UTF_8)).readLine();
        ms[i] = (System.nanoTime() - t0) / 1e6;
        assertThat(line).startsWith("{\"status\":\"success\"").contains("\"task_id\":\"t" + i + "\"");
      } finally {
        p.kill(Duration.ofSeconds(10));
      }
    }
    Arrays.sort(ms);
    System.out.printf(Locale.ROOT, "MEASURE [%s] container start (launch to first response), %d runs:"
        + " median %.0f ms, min %.0f ms, max %.0f ms%n", transport, runs, ms[runs / 2], ms[0], ms[runs - 1]);
    assertThat(Busybox.sessionContainers(session)).isEmpty();
  }

  @Test
  void roundTripRate_oneWarmInstance() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder().name(Busybox.daemonName("dt-rate"))
        .handler(handler("rate").instances(1).build())
        .start()) {
      long s0 = System.nanoTime();
      assertThat(daemon.submit("rate", Map.of("warm", 0)).get(30, TimeUnit.SECONDS).isSuccess()).isTrue();
      double firstMs = (System.nanoTime() - s0) / 1e6;
      for (int i = 0; i < 200; i++) {
        daemon.submit("rate", Map.of("warm", i)).get(30, TimeUnit.SECONDS);
      }

      int n = 2000;
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        Result r = daemon.submit("rate", Map.of("i", i)).get(30, TimeUnit.SECONDS);
        assertThat(r.json().get("request").get("task_data").get("i").asInt()).isEqualTo(i);
      }
      double sequential = n / ((System.nanoTime() - t0) / 1e9);

      List<CompletableFuture<Result>> futures = new ArrayList<>(n);
      t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        futures.add(daemon.submit("rate", Map.of("i", i)));
      }
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
      double queued = n / ((System.nanoTime() - t0) / 1e9);
      for (int i = 0; i < n; i++) {
        assertThat(futures.get(i).get().json().get("request").get("task_data").get("i").asInt()).isEqualTo(i);
      }
      System.out.printf(Locale.ROOT, "MEASURE [%s] first task on a just-started daemon: %.0f ms%n", transport, firstMs);
      System.out.printf(Locale.ROOT, "MEASURE [%s] one warm instance: %.0f round trips/s submitting one at a time"
          + " (submit().get()), %.0f/s with %d tasks queued at once%n", transport, sequential, queued, n);
    }
  }
}

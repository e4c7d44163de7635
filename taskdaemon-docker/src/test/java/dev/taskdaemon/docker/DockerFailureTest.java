package dev.taskdaemon.docker;

import static dev.taskdaemon.docker.Busybox.containers;
import static dev.taskdaemon.docker.Busybox.docker;
import static dev.taskdaemon.docker.Busybox.op;
import static dev.taskdaemon.docker.Busybox.sessionContainers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.HandlerStats;
import dev.taskdaemon.Result;
import dev.taskdaemon.Task;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskListener;
import dev.taskdaemon.docker.internal.Endpoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/** Memory limits, timeouts, kills, noisy stderr and shutdown, in real containers. */
@DockerTest
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"cli", "api"})
class DockerFailureTest {
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
  void memoryLimit_handlerOverItIsKilled_andTheTaskErrorNamesMemoryLimit() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder().name(Busybox.daemonName("dt-oom"))
        .handler(handler("hungry").memoryLimit("16m").maxRetries(0).build())
        .start()) {
      Result r = daemon.submit("hungry", op("alloc")).get(60, TimeUnit.SECONDS);
      assertThat(r.isFailure()).isTrue();
      // The engine reports the OOM kill as an event; when it misses one (it can, right after a
      // container starts), a SIGKILL that docker did not send is named as the likely cause.
      String prefix = "handler 'hungry' instance hungry-0 exited with code 137 (";
      String suffix = "; raise memory_limit or make the handler use less memory) during the task (attempt 1 of 1); ";
      assertThat(r.asFailure().message()).satisfiesAnyOf(
          e -> assertThat(e).startsWith(prefix + "out of memory: the container exceeded its memory_limit of 16m"
              + " and the kernel killed it" + suffix),
          e -> assertThat(e).startsWith(prefix + "killed with SIGKILL, not by docker: most likely out of memory,"
              + " over its memory_limit of 16m" + suffix));
      // The replacement serves the next task.
      assertThat(daemon.submit("hungry", Map.of("n", 1)).get(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
  }

  @Test
  void timeout_killsTheContainer_notOnlyTheClient() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder().name(Busybox.daemonName("dt-timeout"))
        .handler(handler("slow").timeout(Duration.ofSeconds(1)).maxRetries(0).build())
        .start()) {
      Result r = daemon.submit("slow", Map.of("op", "sleep", "seconds", 300)).get(30, TimeUnit.SECONDS);
      assertThat(r.asFailure().message())
          .isEqualTo("handler 'slow' instance slow-0 timed out after 1s (attempt 1 of 1); the instance was killed"
              + " and replaced. It wrote nothing to stdout during the attempt: if it did answer, make it flush"
              + " stdout after each line (e.g. print(..., flush=True), System.out.flush(), fflush(stdout))");
      // Gone from the engine, not just detached from us.
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
          assertThat(containers(Endpoint.fromEnvironment(), true, "dev.taskdaemon.session=" + daemon.session(),
              "dev.taskdaemon.instance=slow-0")).isEmpty());
      // Its replacement works.
      assertThat(daemon.submit("slow", Map.of("n", 1)).get(30, TimeUnit.SECONDS).json().get("instance").asText())
          .isEqualTo("slow-0.2");
    }
  }

  @Test
  void megabytesOnStderr_doNotStallTheTask_andReachTheLog() throws Exception {
    Path log = Path.of("target/test.log");
    try (TaskDaemon daemon = TaskDaemon.builder().name(Busybox.daemonName("dt-stderr"))
        .handler(handler("noisy").timeout(Duration.ofSeconds(60)).build())
        .start()) {
      Result r = daemon.submit("noisy", op("stderr")).get(60, TimeUnit.SECONDS);
      assertThat(r.json().asText()).isEqualTo("after-stderr");
      await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(log)
          && Files.readString(log, StandardCharsets.UTF_8).contains("[noisy-0] F1 marker: all stderr written"));
    }
  }

  @Test
  void dockerKillOfOneContainer_retriesOnlyItsTask_andTheOtherIsUnaffected() throws Exception {
    List<String> failedAttempts = new CopyOnWriteArrayList<>();
    CountDownLatch bothRunning = new CountDownLatch(2);
    TaskListener listener = new TaskListener() {
      @Override
      public void attemptStarted(Task task, String instance) {
        bothRunning.countDown();
      }

      @Override
      public void attemptEnded(Task task, String instance, Result outcome, Duration elapsed) {
        if (outcome.isFailure()) {
          failedAttempts.add(instance + ": " + outcome.asFailure().message());
        }
      }
    };
    try (TaskDaemon daemon = TaskDaemon.builder().name(Busybox.daemonName("dt-kill"))
        .listener(listener)
        .handler(handler("work").instances(2).build())
        .start()) {
      CompletableFuture<Result> a = daemon.submit("work", Map.of("op", "sleep", "seconds", 5));
      CompletableFuture<Result> b = daemon.submit("work", Map.of("op", "sleep", "seconds", 5));
      assertThat(bothRunning.await(30, TimeUnit.SECONDS)).isTrue();
      // A request can be written before the engine has created the container: wait for it.
      String victim = "td_" + daemon.name() + "_work-0_" + daemon.session();
      await().atMost(Duration.ofSeconds(30)).until(() ->
          containers(Endpoint.fromEnvironment(), false, "dev.taskdaemon.session=" + daemon.session())
              .contains(victim));
      docker("kill", victim);

      JsonNode ra = a.get(60, TimeUnit.SECONDS).json();
      JsonNode rb = b.get(60, TimeUnit.SECONDS).json();
      JsonNode retried = ra.get("request").get("attempt").asInt() == 2 ? ra : rb;
      JsonNode untouched = retried == ra ? rb : ra;
      assertThat(retried.get("request").get("attempt").asInt()).isEqualTo(2);
      assertThat(untouched.get("request").get("attempt").asInt()).isEqualTo(1);
      assertThat(untouched.get("instance").asText()).isEqualTo("work-1");
      assertThat(failedAttempts).hasSize(1);
      assertThat(failedAttempts.get(0)).startsWith("work-0: handler 'work' instance work-0 exited with code 137"
          + " (killed with SIGKILL (docker kill, docker rm -f or the engine)) during the task (attempt 1 of 4)");
      // Counters are updated just after a future completes: poll them.
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
        HandlerStats s = daemon.stats("work");
        assertThat(s.succeeded()).isEqualTo(2);
        assertThat(s.retried()).isEqualTo(1);
        assertThat(s.restarts()).isEqualTo(1);
        assertThat(s.instancesAlive()).isEqualTo(2);
      });
    }
  }

  @Test
  void imageGoneWhileRunning_replacementsFailWithTheEnginesReason_andNoTaskWaitsForever() throws Exception {
    // A tag of our own: removing it leaves the image (and everyone else's use of it) alone.
    String tag = "taskdaemon-test/busybox:gone-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    docker("tag", Busybox.IMAGE, tag);
    try (TaskDaemon daemon = TaskDaemon.builder().name(Busybox.daemonName("dt-noimg"))
        .handler(handler("img").image(tag).maxRetries(0).build())
        .start()) {
      assertThat(daemon.submit("img", Map.of("k", 0)).get(30, TimeUnit.SECONDS).isSuccess()).isTrue();
      docker("rmi", tag);
      docker("kill", "td_" + daemon.name() + "_img-0_" + daemon.session());
      List<CompletableFuture<Result>> later = List.of(daemon.submit("img", Map.of("k", 1)),
          daemon.submit("img", Map.of("k", 2)), daemon.submit("img", Map.of("k", 3)));
      for (CompletableFuture<Result> f : later) {
        Result r = f.get(120, TimeUnit.SECONDS);
        assertThat(r.isFailure()).as(String.valueOf(r)).isTrue();
        assertThat(r.asFailure().message()).satisfiesAnyOf(
            e -> assertThat(e).contains("No such image: " + tag),
            // the task that met the killed instance
            e -> assertThat(e).contains("exited with code 137"));
      }
      assertThat(later.get(2).get().asFailure().message()).contains("No such image: " + tag);
    } finally {
      Busybox.CLI.run(Endpoint.fromEnvironment(), Duration.ofSeconds(30), "rmi", tag);
    }
  }

  @Test
  void close_stopsContainersThatIgnoreEofAndSigterm_boundedAndWithoutLeftovers() throws Exception {
    TaskDaemon daemon = TaskDaemon.builder().name(Busybox.daemonName("dt-close"))
        .stopGrace(Duration.ofMillis(500))
        .handler(script("stubborn", Busybox.STUBBORN).instances(2).build())
        .start();
    String session = daemon.session();
    assertThat(daemon.submit("stubborn", Map.of()).get(30, TimeUnit.SECONDS).json().asText()).isEqualTo("ok");
    assertThat(sessionContainers(session)).hasSize(2);
    long t0 = System.nanoTime();
    daemon.close();
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    // stop_grace 0.5 s, then docker stop, 2 s, then docker kill + rm -f: far below this bound.
    assertThat(took).isLessThan(Duration.ofSeconds(30));
    assertThat(sessionContainers(session)).isEmpty();
  }
}

package dev.taskdaemon.testkit.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.taskdaemon.ConfigException;
import dev.taskdaemon.DaemonClosedException;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.testkit.FakeHandler;
import dev.taskdaemon.testkit.FakeHandlerException;
import dev.taskdaemon.testkit.Fakes;
import dev.taskdaemon.testkit.Fault;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs small test classes that use the extension through the JUnit launcher, and checks which of
 * their tests pass or fail, and why. The inner classes only run from here: the build leaves out their
 * tag, and elsewhere (an IDE) the system property keeps them from running.
 */
class TaskDaemonExtensionTest {
  private static final String INNER = "taskdaemon.testkit.inner";
  /** Excluded from the build's own test run (see pom.xml), so the inner classes never show as skipped. */
  static final String INNER_TAG = "run-by-extension-test";

  /** The outcome of each test method of a class, in execution order. */
  record Outcome(String test, TestExecutionResult result) {
    Throwable error() {
      return result.getThrowable().orElse(null);
    }
  }

  private static List<Outcome> run(Class<?> testClass) {
    List<Outcome> outcomes = new ArrayList<>();
    Launcher launcher = LauncherFactory.create();
    System.setProperty(INNER, "true");
    try {
      launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build(),
          new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
              if (id.isTest() || result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                outcomes.add(new Outcome(id.getDisplayName(), result));
              }
            }
          });
    } finally {
      System.clearProperty(INNER);
    }
    return outcomes;
  }

  private static TaskDaemon.Builder resizeHandler() {
    return TaskDaemon.builder().name("ext").handler("resize", h -> h.instances(1).maxRetries(0));
  }

  private static void assertNoFakeThreads() {
    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(
        t -> t.isAlive() && t.getName().startsWith(Fakes.THREAD_NAME_PREFIX));
  }

  // ---------------------------------------------------------------- a daemon per test

  static final List<TaskDaemon> perTestDaemons = new CopyOnWriteArrayList<>();

  @Tag(INNER_TAG)
  @EnabledIfSystemProperty(named = INNER, matches = "true")
  static class PerTest {
    final FakeHandler resize = FakeHandler.echoing();

    @RegisterExtension
    final TaskDaemonExtension taskdaemon = TaskDaemonExtension.of(
        TaskDaemonExtensionTest::resizeHandler, Fakes.create().stub("resize", resize));

    @Test
    void first() throws Exception {
      perTestDaemons.add(taskdaemon.daemon());
      assertThat(taskdaemon.daemon().submit("resize", Map.of("n", 1)).get(5, TimeUnit.SECONDS).isSuccess()).isTrue();
      resize.assertReceived().hasCount(1);
    }

    @Test
    void second() throws Exception {
      perTestDaemons.add(taskdaemon.daemon());
      assertThat(taskdaemon.daemon().submit("resize", Map.of("n", 2)).get(5, TimeUnit.SECONDS).isSuccess()).isTrue();
      resize.assertReceived().hasCount(1);
    }
  }

  @Test
  void perTest_eachTestGetsItsOwnDaemon_closedAfterIt() {
    perTestDaemons.clear();

    List<Outcome> outcomes = run(PerTest.class);

    assertThat(outcomes).extracting(o -> o.result().getStatus())
        .containsExactly(TestExecutionResult.Status.SUCCESSFUL, TestExecutionResult.Status.SUCCESSFUL);
    assertThat(perTestDaemons).hasSize(2);
    assertThat(perTestDaemons.get(0).session()).isNotEqualTo(perTestDaemons.get(1).session());
    for (TaskDaemon d : perTestDaemons) {
      assertThat(d.submit("resize", Map.of())).failsWithin(1, TimeUnit.SECONDS)
          .withThrowableOfType(java.util.concurrent.ExecutionException.class)
          .withCauseInstanceOf(DaemonClosedException.class);
    }
    assertNoFakeThreads();
  }

  // ---------------------------------------------------------------- a task left unfinished

  static final List<CompletableFuture<Result>> abandoned = new CopyOnWriteArrayList<>();

  @Tag(INNER_TAG)
  @EnabledIfSystemProperty(named = INNER, matches = "true")
  static class LeavesATaskRunning {
    final FakeHandler resize = FakeHandler.echoing().injectAlways(Fault.HANG);

    @RegisterExtension
    final TaskDaemonExtension taskdaemon = TaskDaemonExtension.of(
        TaskDaemonExtensionTest::resizeHandler, Fakes.create().stub("resize", resize));

    @Test
    void submitsAndDoesNotWait() {
      abandoned.add(taskdaemon.daemon().submit("resize", Map.of()));
      resize.takeTask();
    }
  }

  @Test
  void aTestThatLeavesATaskUnfinished_fails_andTheDaemonIsShutDownAtOnce() {
    abandoned.clear();
    long t0 = System.nanoTime();

    List<Outcome> outcomes = run(LeavesATaskRunning.class);

    assertThat(outcomes).hasSize(1);
    assertThat(outcomes.get(0).result().getStatus()).isEqualTo(TestExecutionResult.Status.FAILED);
    assertThat(outcomes.get(0).error()).isInstanceOf(AssertionError.class)
        .hasMessage("1 task was unfinished when the test ended (resize: 0 queued, 1 in flight); the daemon was shut"
            + " down and they failed. Wait for every task the test submits, e.g. future.get(5, TimeUnit.SECONDS)");
    assertThat(abandoned.get(0)).isCompletedExceptionally();
    // Not held up by the 30 s task timeout nor the 30 s drain timeout.
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(20);
    assertNoFakeThreads();
  }

  // ---------------------------------------------------------------- a fake that threw

  @Tag(INNER_TAG)
  @EnabledIfSystemProperty(named = INNER, matches = "true")
  static class FakeFunctionThrows {
    final FakeHandler resize = FakeHandler.replying(t -> {
      throw new IllegalStateException("boom");
    });

    @RegisterExtension
    final TaskDaemonExtension taskdaemon = TaskDaemonExtension.of(
        TaskDaemonExtensionTest::resizeHandler, Fakes.create().stub("resize", resize));

    @Test
    void getsAnErrorAndIgnoresIt() throws Exception {
      assertThat(taskdaemon.daemon().submit("resize", Map.of()).get(5, TimeUnit.SECONDS).isFailure()).isTrue();
    }
  }

  @Test
  void aTestWhoseFakeThrew_fails_withTheFakesException() {
    List<Outcome> outcomes = run(FakeFunctionThrows.class);

    assertThat(outcomes).hasSize(1);
    Throwable e = outcomes.get(0).error();
    assertThat(e).isInstanceOf(AssertionError.class);
    assertThat(e.getMessage()).matches("the fakes reported 1 problem during the test:\n"
        + "  - fake handler 'resize' threw on attempt 1 of task [0-9a-f-]{36}: java.lang.IllegalStateException: boom");
    assertThat(e.getSuppressed()).hasSize(1);
    assertThat(e.getSuppressed()[0]).isInstanceOf(FakeHandlerException.class)
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  // ---------------------------------------------------------------- a daemon per class

  static final List<String> perClassSessions = new CopyOnWriteArrayList<>();
  static final List<Integer> receivedAtStart = new CopyOnWriteArrayList<>();
  static TaskDaemon perClassDaemon;

  @Tag(INNER_TAG)
  @EnabledIfSystemProperty(named = INNER, matches = "true")
  @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
  static class PerClass {
    static final FakeHandler resize = FakeHandler.echoing();

    @RegisterExtension
    static final TaskDaemonExtension taskdaemon = TaskDaemonExtension.of(
        TaskDaemonExtensionTest::resizeHandler, Fakes.create().stub("resize", resize));

    @Test
    @Order(1)
    void first() throws Exception {
      perClassDaemon = taskdaemon.daemon();
      step();
      resize.inject(Fault.PERMANENT_ERROR); // left over on purpose: reset() drops it
    }

    @Test
    @Order(2)
    void second() throws Exception {
      step();
    }

    private static void step() throws Exception {
      perClassSessions.add(taskdaemon.daemon().session());
      receivedAtStart.add(resize.receivedCount());
      assertThat(taskdaemon.daemon().submit("resize", Map.of()).get(5, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
  }

  @Test
  void perClass_oneDaemonForAllTests_fakesResetBetweenThem_closedAfterTheClass() {
    perClassSessions.clear();
    receivedAtStart.clear();

    List<Outcome> outcomes = run(PerClass.class);

    assertThat(outcomes).extracting(o -> o.result().getStatus())
        .containsExactly(TestExecutionResult.Status.SUCCESSFUL, TestExecutionResult.Status.SUCCESSFUL);
    assertThat(perClassSessions).hasSize(2).containsOnly(perClassSessions.get(0));
    assertThat(receivedAtStart).containsExactly(0, 0);
    assertThat(perClassDaemon.submit("resize", Map.of())).isCompletedExceptionally();
    assertNoFakeThreads();
  }

  // ---------------------------------------------------------------- a daemon that cannot start

  @Tag(INNER_TAG)
  @EnabledIfSystemProperty(named = INNER, matches = "true")
  static class Unstubbed {
    @RegisterExtension
    final TaskDaemonExtension taskdaemon = TaskDaemonExtension.of(TaskDaemonExtensionTest::resizeHandler,
        Fakes.create());

    @Test
    void neverRuns() {
      taskdaemon.daemon();
    }
  }

  @Test
  void aDaemonThatCannotStart_failsTheTestWithTheReason() {
    List<Outcome> outcomes = run(Unstubbed.class);

    assertThat(outcomes).hasSize(1);
    assertThat(outcomes.get(0).error()).isInstanceOf(ConfigException.class)
        .hasMessageContaining("handlers.resize.runtime: no FakeHandler stands in for 'resize'");
  }
}

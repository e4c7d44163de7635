package dev.taskdaemon.testkit.junit;

import dev.taskdaemon.HandlerStats;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.testkit.FakeHandlerException;
import dev.taskdaemon.testkit.Fakes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a {@link TaskDaemon} with {@link Fakes} installed for each test, closes it after the test,
 * and fails the test if it left tasks unfinished or a fake reported a problem (its function threw,
 * it had no reply queued, a task went to a handler without a fake under {@link
 * dev.taskdaemon.testkit.Unstubbed#FAIL_TASKS}).
 *
 * <p>Register it on an instance field for a daemon per test:
 *
 * <pre>{@code
 * class ThumbnailServiceTest {
 *   final FakeHandler resize = FakeHandler.returning(Map.of("url", "s3://thumbs/cat.png"));
 *
 *   @RegisterExtension
 *   final TaskDaemonExtension taskdaemon = TaskDaemonExtension.of(
 *       () -> TaskDaemon.builder().fromToml(Path.of("handlers.toml")),
 *       Fakes.create().stub("resize", resize));
 *
 *   @Test
 *   void makesAThumbnail() {
 *     ThumbnailService service = new ThumbnailService(taskdaemon.daemon());
 *     ...
 *   }
 * }
 * }</pre>
 *
 * <p>On a {@code static} field it starts one daemon per test class, closes it after the last test,
 * checks for unfinished tasks after each test and then {@linkplain Fakes#reset() resets} the fakes
 * (their function stays). A test that leaves tasks unfinished has the daemon shut down at once (its
 * tasks fail); in per-class mode the next test gets a new daemon. Not meant for test methods of one
 * class running concurrently.
 */
public final class TaskDaemonExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

  private final Supplier<TaskDaemon.Builder> configuration;
  private final Fakes fakes;
  private TaskDaemon daemon;
  private boolean perClass;

  private TaskDaemonExtension(Supplier<TaskDaemon.Builder> configuration, Fakes fakes) {
    this.configuration = configuration;
    this.fakes = fakes;
  }

  /**
   * A daemon configured by {@code configuration} (called for each start, so it returns a new builder
   * each time) with {@code fakes} installed.
   */
  public static TaskDaemonExtension of(Supplier<TaskDaemon.Builder> configuration, Fakes fakes) {
    return new TaskDaemonExtension(Objects.requireNonNull(configuration, "configuration"),
        Objects.requireNonNull(fakes, "fakes"));
  }

  /** A daemon configured by {@code configuration}, with no fakes: every handler runs for real. */
  public static TaskDaemonExtension of(Supplier<TaskDaemon.Builder> configuration) {
    return new TaskDaemonExtension(Objects.requireNonNull(configuration, "configuration"), null);
  }

  /**
   * The running daemon.
   *
   * @throws IllegalStateException outside a test (or a {@code @BeforeEach}/{@code @AfterEach} method)
   */
  public TaskDaemon daemon() {
    TaskDaemon d = daemon;
    if (d == null) {
      throw new IllegalStateException("no daemon is running: TaskDaemonExtension starts one before each test"
          + " (or before all tests, on a static field) and closes it after");
    }
    return d;
  }

  /** The fakes installed in each daemon, or {@code null} when created without. */
  public Fakes fakes() {
    return fakes;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    perClass = true;
    start();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (daemon == null) {
      start();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    List<String> problems = new ArrayList<>();
    String unfinished = unfinished(daemon);
    if (unfinished != null) {
      problems.add(unfinished);
      stop(true);
    } else if (!perClass) {
      stop(false);
    }
    List<FakeHandlerException> failures = fakes == null ? List.of() : fakes.failures();
    if (!failures.isEmpty()) {
      StringBuilder sb = new StringBuilder("the fakes reported ").append(failures.size())
          .append(failures.size() == 1 ? " problem" : " problems").append(" during the test:");
      for (FakeHandlerException f : failures) {
        sb.append("\n  - ").append(f.getMessage());
      }
      problems.add(sb.toString());
    }
    if (perClass && fakes != null) {
      fakes.reset();
    }
    if (!problems.isEmpty()) {
      AssertionError e = new AssertionError(String.join("\n", problems));
      for (FakeHandlerException f : failures) {
        e.addSuppressed(f);
      }
      throw e;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop(false);
  }

  private void start() {
    TaskDaemon.Builder builder = Objects.requireNonNull(configuration.get(),
        "the configuration supplier returned null instead of a TaskDaemon.Builder");
    daemon = fakes == null ? builder.start() : fakes.start(builder);
  }

  private void stop(boolean now) {
    TaskDaemon d = daemon;
    daemon = null;
    if (d == null) {
      return;
    }
    if (now) {
      d.shutdownNow();
    } else {
      d.close();
    }
  }

  /** A description of the tasks still queued or running, or {@code null} when there are none. */
  static String unfinished(TaskDaemon d) {
    if (d == null) {
      return null;
    }
    int total = 0;
    List<String> parts = new ArrayList<>();
    for (HandlerStats s : d.stats().values()) {
      int n = s.queued() + s.inFlight();
      if (n > 0) {
        total += n;
        parts.add(s.handler() + ": " + s.queued() + " queued, " + s.inFlight() + " in flight");
      }
    }
    if (total == 0) {
      return null;
    }
    return total + (total == 1 ? " task was" : " tasks were") + " unfinished when the test ended ("
        + String.join("; ", parts) + "); the daemon was shut down and they failed. Wait for every task the"
        + " test submits, e.g. future.get(5, TimeUnit.SECONDS)";
  }
}

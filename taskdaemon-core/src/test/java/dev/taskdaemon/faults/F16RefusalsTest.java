package dev.taskdaemon.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskdaemon.DaemonClosedException;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskDataException;
import dev.taskdaemon.TestHandlers;
import dev.taskdaemon.UnknownTaskTypeException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** F16: submit after close, unknown task type, data that is not JSON-serializable (full queue: QueueTest). */
class F16RefusalsTest {
  static Throwable failure(CompletableFuture<Result> f) throws InterruptedException {
    assertThat(f).as("refused at once").isCompletedExceptionally();
    try {
      f.get();
      throw new AssertionError("completed normally");
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  /** Jackson cannot serialize this: it has no properties. */
  static final class Opaque {}

  @Test
  void refusalsFailTheFutureAtOnce_withASpecificException() throws Exception {
    TaskDaemon daemon = TaskDaemon.builder().handler(TestHandlers.handler("echo").instances(1).build()).start();
    try {
      Throwable unknown = failure(daemon.submit("ecoh", Map.of()));
      assertThat(unknown).isInstanceOf(UnknownTaskTypeException.class)
          .hasMessage("no handler for task type 'ecoh' (did you mean 'echo'?); configured handlers: [echo]. Add a"
              + " [handlers.ecoh] table to"
              + " handlers.toml or define it with TaskDaemon.builder().handler(\"ecoh\", ...)");
      assertThat(((UnknownTaskTypeException) unknown).handler()).isEqualTo("ecoh");

      Throwable data = failure(daemon.submit("echo", new Opaque()));
      assertThat(data).isInstanceOf(TaskDataException.class)
          .hasMessageStartingWith("task data for 'echo' cannot be serialized to JSON"
              + " (dev.taskdaemon.faults.F16RefusalsTest$Opaque): No serializer found for class"
              + " dev.taskdaemon.faults.F16RefusalsTest$Opaque")
          .hasMessageEndingWith(". Pass a Map, a record or POJO with getters, or a JsonNode");
    } finally {
      daemon.close();
    }
    Throwable closed = failure(daemon.submit("echo", Map.of()));
    assertThat(closed).isInstanceOf(DaemonClosedException.class)
        .hasMessage("daemon 'taskdaemon' is closed (close() was called); submit tasks before close(), or start a new"
            + " daemon");
  }

  @Test
  void unknownTaskType_namesTheNearestHandler_onlyWhenItIsAFewEditsAway() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder().handler(TestHandlers.handler("echo").instances(1).build())
        .handler(TestHandlers.handler("wordcount").instances(1).build()).start()) {
      assertThat(failure(daemon.submit("wordcont", Map.of())))
          .isInstanceOf(UnknownTaskTypeException.class)
          .hasMessage("no handler for task type 'wordcont' (did you mean 'wordcount'?); configured handlers:"
              + " [echo, wordcount]. Add a [handlers.wordcont] table to handlers.toml or define it with"
              + " TaskDaemon.builder().handler(\"wordcont\", ...)");
      assertThat(failure(daemon.submit("resize", Map.of())))
          .as("no guess for a name that resembles none")
          .isInstanceOf(UnknownTaskTypeException.class)
          .hasMessage("no handler for task type 'resize'; configured handlers: [echo, wordcount]. Add a"
              + " [handlers.resize] table to handlers.toml or define it with TaskDaemon.builder().handler(\"resize\","
              + " ...)");
      assertThat(daemon.stats("echo").failed()).as("refusals never reach a handler").isZero();
      assertThatThrownBy(() -> daemon.stats("wordcont")).as("stats of a misspelt handler")
          .isInstanceOf(UnknownTaskTypeException.class)
          .hasMessageStartingWith("no handler for task type 'wordcont' (did you mean 'wordcount'?); configured handlers:");
    }
  }
}

package dev.taskdaemon.testkit;

import static dev.taskdaemon.testkit.Daemons.await;
import static dev.taskdaemon.testkit.Daemons.ms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.taskdaemon.Result;
import dev.taskdaemon.Task;
import dev.taskdaemon.TaskDaemon;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The recorder, the assertions and the ways a fake is built, through a real daemon. */
class FakeHandlerTest {

  private static TaskDaemon start(FakeHandler fake) {
    return Fakes.create().stub("resize", fake).start(Daemons.resize(0));
  }

  @Test
  void takeTask_returnsAttemptsInArrivalOrder_withTheFourWireFields() throws Exception {
    FakeHandler resize = FakeHandler.echoing();
    try (TaskDaemon daemon = start(resize)) {
      Result r1 = await(daemon.submit("resize", Map.of("url", "a.png", "w", 128)));
      await(daemon.submit("resize", Map.of("url", "b.png", "w", 64)));

      assertThat(r1.json().get("url").asText()).isEqualTo("a.png");
      Task first = resize.takeTask(ms(1000));
      Task second = resize.takeTask();
      assertThat(first.taskType()).isEqualTo("resize");
      assertThat(first.attempt()).isEqualTo(1);
      assertThat(UUID.fromString(first.taskId())).isNotNull();
      assertThat(first.taskData().get("url").asText()).isEqualTo("a.png");
      assertThat(second.taskData().get("url").asText()).isEqualTo("b.png");
      assertThat(resize.received()).containsExactly(first, second);
      assertThat(resize.receivedCount()).isEqualTo(2);
    }
  }

  @Test
  void takeTask_failsWithACountWhenNothingArrives() throws Exception {
    FakeHandler resize = FakeHandler.returning("ok");
    try (TaskDaemon daemon = start(resize)) {
      await(daemon.submit("resize", Map.of()));
      resize.takeTask(ms(1000));

      assertThatThrownBy(() -> resize.takeTask(ms(50)))
          .isInstanceOf(AssertionError.class)
          .hasMessage("fake handler 'resize' received no task within 50ms (1 received in all, all taken)");
    }
  }

  @Test
  void assertReceived_passesOnMatchingData_comparingNumbersByValue() throws Exception {
    FakeHandler resize = FakeHandler.returning(null);
    try (TaskDaemon daemon = start(resize)) {
      await(daemon.submit("resize", Map.of("url", "a.png", "w", 128)));

      resize.assertReceived().hasCount(1).hasAttempts(1).areAttemptsOfOneTask()
          .allHaveTaskData(Map.of("url", "a.png", "w", 128L))
          .hasTaskData(0, JsonNodeFactory.instance.objectNode().put("url", "a.png").put("w", 128.0));
    }
  }

  @Test
  void assertReceived_failuresListWhatWasReceived() throws Exception {
    FakeHandler resize = FakeHandler.returning(null);
    try (TaskDaemon daemon = start(resize)) {
      await(daemon.submit("resize", Map.of("w", 1)));
      String id = resize.received().get(0).taskId();
      String got = "; received: [attempt 1 of task " + id + ", task_data {\"w\":1}]";

      assertThatThrownBy(() -> resize.assertReceived().hasCount(2))
          .isInstanceOf(AssertionError.class)
          .hasMessage("fake handler 'resize': expected 2 attempts, received 1" + got);
      assertThatThrownBy(() -> resize.assertReceived().hasAttempts(1, 2))
          .hasMessage("fake handler 'resize': expected attempt numbers [1, 2], received [1]" + got);
      assertThatThrownBy(() -> resize.assertReceived().allHaveTaskData(Map.of("w", 2)))
          .hasMessage("fake handler 'resize': expected task_data {\"w\":2} at index 0, received {\"w\":1}" + got);
      assertThatThrownBy(() -> resize.assertReceived().hasTaskData(1, Map.of("w", 1)))
          .hasMessage("fake handler 'resize': expected task_data {\"w\":1} at index 1, but only 1 attempts were"
              + " received" + got);
      assertThatThrownBy(() -> resize.assertReceived().isEmpty())
          .hasMessage("fake handler 'resize': expected 0 attempts, received 1" + got);
    }
  }

  @Test
  void areAttemptsOfOneTask_failsForTwoTasks() throws Exception {
    FakeHandler resize = FakeHandler.returning(null);
    try (TaskDaemon daemon = start(resize)) {
      await(daemon.submit("resize", Map.of("w", 1)));
      await(daemon.submit("resize", Map.of("w", 2)));

      assertThatThrownBy(() -> resize.assertReceived().areAttemptsOfOneTask())
          .hasMessageStartingWith("fake handler 'resize': expected the attempts 1..2 of one task, in order; received: ");
    }
  }

  @Test
  void answering_usesTheFunctionsResult() throws Exception {
    FakeHandler resize = FakeHandler.answering(t -> t.taskData().get("w").asInt() > 100
        ? Result.failure("too wide", false)
        : Result.success(JsonNodeFactory.instance.textNode("small")));
    try (TaskDaemon daemon = start(resize)) {
      assertThat(await(daemon.submit("resize", Map.of("w", 500)))).isEqualTo(Result.failure("too wide", false));
      assertThat(await(daemon.submit("resize", Map.of("w", 5))).json().asText()).isEqualTo("small");
    }
  }

  @Test
  void aFunctionThatThrows_answersAPermanentError_andIsRecordedAsAFailure() throws Exception {
    FakeHandler resize = FakeHandler.replying(t -> {
      throw new IllegalStateException("boom");
    });
    try (TaskDaemon daemon = start(resize)) {
      Result r = await(daemon.submit("resize", Map.of("w", 1)));
      String id = resize.received().get(0).taskId();

      String msg = "fake handler 'resize' threw on attempt 1 of task " + id + ": java.lang.IllegalStateException: boom";
      assertThat(r).isEqualTo(Result.failure(msg, false));
      List<FakeHandlerException> failures = resize.failures();
      assertThat(failures).hasSize(1);
      assertThat(failures.get(0)).hasMessage(msg).hasCauseInstanceOf(IllegalStateException.class);
      assertThat(failures.get(0).handler()).isEqualTo("resize");
    }
  }

  @Test
  void queued_withAnEmptyQueue_answersAnErrorAndRecordsAFailure() throws Exception {
    FakeHandler resize = FakeHandler.queued().enqueue(Reply.success(1));
    try (TaskDaemon daemon = start(resize)) {
      assertThat(await(daemon.submit("resize", Map.of())).json().asInt()).isEqualTo(1);
      Result r = await(daemon.submit("resize", Map.of()));
      String id = resize.received().get(1).taskId();

      String msg = "fake handler 'resize' has no reply queued for attempt 1 of task " + id
          + "; enqueue one with enqueue(Reply...) or build the fake with replying(...)";
      assertThat(r).isEqualTo(Result.failure(msg, false));
      assertThat(resize.failures()).extracting(Throwable::getMessage).containsExactly(msg);
    }
  }

  @Test
  void reset_forgetsAttemptsFailuresAndFaults_butKeepsTheFunction() throws Exception {
    FakeHandler resize = FakeHandler.returning("ok");
    try (TaskDaemon daemon = start(resize)) {
      await(daemon.submit("resize", Map.of()));
      resize.injectAlways(Fault.PERMANENT_ERROR);
      resize.reset();

      assertThat(resize.received()).isEmpty();
      assertThat(await(daemon.submit("resize", Map.of())).json().asText()).isEqualTo("ok");
      resize.assertReceived().hasCount(1);
    }
  }

  @Test
  void oneFakeStandsInForOneHandler() {
    FakeHandler fake = FakeHandler.returning(null);
    Fakes fakes = Fakes.create().stub("resize", fake);

    assertThatThrownBy(() -> fakes.stub("ocr", fake))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("this FakeHandler already stands in for 'resize'; create another FakeHandler for 'ocr'");
  }

  @Test
  void noiseThatIsAResponseIsRejected() {
    assertThatThrownBy(() -> Reply.success().withNoise("{\"status\":\"success\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("noise line {\"status\":\"success\"} is a response (its status is \"success\" or \"error\"); the"
            + " engine would take it as the answer. Use Reply.success(...) or Reply.error(...)");
    assertThatThrownBy(() -> Reply.success().withNoise("two\nlines"))
        .hasMessage("noise line must not contain a line break: two\nlines");
  }

  @Test
  void aLargeAnswerStreamsThroughTheBoundedPipes() throws Exception {
    String big = "x".repeat(3 * FakeProcess.PIPE_CAPACITY);
    FakeHandler resize = FakeHandler.returning(Map.of("blob", big));
    try (TaskDaemon daemon = start(resize)) {
      assertThat(await(daemon.submit("resize", Map.of("blob", big))).json().get("blob").asText()).isEqualTo(big);
      resize.assertReceived().allHaveTaskData(Map.of("blob", big));
    }
  }
}

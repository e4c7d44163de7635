package dev.taskdaemon.testkit;

import static dev.taskdaemon.testkit.Daemons.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.handler.Handler;
import dev.taskdaemon.handler.RetryableException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A handler written with the SDK, run in-process by the testkit behind a real daemon: the function,
 * the SDK's protocol loop and the engine, with no child process.
 */
class SdkFakesTest {
  record Text(String text) {}

  /** The handler under test, as a user keeps it: in a static field its main() serves. */
  static final Handler WORDS = Handler.of(Text.class, t -> {
    switch (t.text()) {
      case "busy":
        throw new RetryableException("the dictionary is busy");
      case "bad":
        throw new IllegalArgumentException("no words in 'bad'");
      case "huge":
        throw new OutOfMemoryError("Java heap space");
      default:
        return Map.of("words", t.text().split(" ").length);
    }
  });

  private static TaskDaemon start(FakeHandler fake, int maxRetries) {
    return Fakes.create().stub("resize", fake).start(Daemons.resize(maxRetries));
  }

  @Test
  void theHandlersFunctionAnswers_throughTheSdkAndTheRealEngine() throws Exception {
    FakeHandler words = SdkFakes.running(WORDS);
    try (TaskDaemon daemon = start(words, 0)) {
      Result r = await(daemon.submit("resize", Map.of("text", "to be or not")));
      assertThat(r.json().get("words").asInt()).isEqualTo(4);
      assertThat(words.takeTask().taskData().get("text").asText()).isEqualTo("to be or not");
      assertThat(words.failures()).isEmpty();
    }
  }

  @Test
  void retryableException_isRetriedByTheEngine_withTheNextAttempt() throws Exception {
    FakeHandler words = SdkFakes.running(Handler.of(task -> {
      if (task.attempt() == 1) {
        throw new RetryableException("the dictionary is busy");
      }
      return "attempt " + task.attempt();
    }));
    try (TaskDaemon daemon = start(words, 2)) {
      Result r = await(daemon.submit("resize", Map.of("text", "x")));
      assertThat(r.json().asText()).isEqualTo("attempt 2");
      words.assertReceived().hasCount(2).hasAttempts(1, 2).areAttemptsOfOneTask();
      assertThat(daemon.stats("resize").retried()).isEqualTo(1);
    }
  }

  @Test
  void otherExceptions_areFinalHandlerErrors_andTheSameInstanceServesTheNextTask() throws Exception {
    try (TaskDaemon daemon = start(SdkFakes.running(WORDS), 3)) {
      Result bad = await(daemon.submit("resize", Map.of("text", "bad")));
      assertThat(bad.asFailure().message()).isEqualTo("no words in 'bad'");
      assertThat(bad.asFailure().retryable()).isFalse();
      assertThat(bad.asFailure().kind()).isEqualTo(Result.Failure.Kind.HANDLER);
      Result busy = await(daemon.submit("resize", Map.of("text", "busy")));
      assertThat(busy.asFailure().message()).isEqualTo("the dictionary is busy");
      assertThat(busy.asFailure().retryable()).as("retries used up: a final outcome is never retryable").isFalse();
      assertThat(await(daemon.submit("resize", Map.of("text", "a b"))).json().get("words").asInt()).isEqualTo(2);
      assertThat(daemon.stats("resize").restarts()).isZero();
    }
  }

  @Test
  void dataThatDoesNotBind_isAnErrorNamingTheField() throws Exception {
    try (TaskDaemon daemon = start(SdkFakes.running(WORDS), 0)) {
      Result r = await(daemon.submit("resize", Map.of("text", Map.of("nested", true))));
      assertThat(r.asFailure().message()).startsWith("task_data does not fit Text: ").endsWith("(at task_data.text)");
    }
  }

  @Test
  void aVirtualMachineError_isAnswered_thenTheInstanceExitsAndIsReplaced_asTheRealProgramDoes() throws Exception {
    try (TaskDaemon daemon = start(SdkFakes.running(WORDS), 0)) {
      Result r = await(daemon.submit("resize", Map.of("text", "huge")));
      assertThat(r.asFailure().message()).isEqualTo("java.lang.OutOfMemoryError: Java heap space"
          + " (the handler exits: the JVM can no longer be trusted)");
      await().atMost(Duration.ofSeconds(10)).until(() -> daemon.stats("resize").restarts() == 1);
      assertThat(await(daemon.submit("resize", Map.of("text", "a b c"))).json().get("words").asInt()).isEqualTo(3);
    }
  }

  @Test
  void injectedFaultsComeFirst_thenTheHandlerAnswers() throws Exception {
    FakeHandler words = SdkFakes.running(WORDS);
    words.inject(Fault.CRASH).inject(Fault.NOISE);
    try (TaskDaemon daemon = start(words, 2)) {
      Result r = await(daemon.submit("resize", Map.of("text", "one two")));
      assertThat(r.json().get("words").asInt()).isEqualTo(2);
      words.assertReceived().hasCount(2).hasAttempts(1, 2);
    }
  }
}

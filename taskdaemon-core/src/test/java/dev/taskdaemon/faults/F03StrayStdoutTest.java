package dev.taskdaemon.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TestHandlers;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** F3: banners, debug text and JSON that is not a response on stdout. */
class F03StrayStdoutTest {
  @Test
  void linesThatAreNotResponses_areSkippedAndLoggedAtDebug_theRealResponseIsUsed() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(TestHandlers.handler("noisy", "--banner").instances(1).build())
        .start()) {
      Result r = Faults.get(daemon.submit("noisy", Map.of("op", "noise", "v", 3)));
      assertThat(r.isSuccess()).isTrue();
      assertThat(r.json().get("data").get("v").asInt()).isEqualTo(3);
      Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(Faults.log())
          .contains("WARN dev.taskdaemon.internal.Pool - handler 'noisy' instance noisy-0: skipped a stdout line that"
              + " is not a response (it is not JSON (a response starts with '{')): TestHandler v1 starting up. Logs"
              + " belong on stderr; later such lines are logged at DEBUG")
          .contains("DEBUG dev.taskdaemon.internal.Pool - handler 'noisy' instance noisy-0: skipped a stdout line that"
              + " is not a response (it has no \"status\" field): {\"event\":\"ready\"}")
          .contains("WARN dev.taskdaemon.internal.Pool - handler 'noisy' instance noisy-0: skipped a stdout line that"
              + " is not a response (its \"status\" is \"working\", not \"success\" or \"error\"): {\"status\":\"working\"}")
          .contains("DEBUG dev.taskdaemon.internal.Pool - handler 'noisy' instance noisy-0: skipped a stdout line that"
              + " is not a response (it is a JSON array, not an object): [1,2,3]"));
      assertThat(Faults.get(daemon.submit("noisy", Map.of("v", 4))).json().get("data").get("v").asInt()).isEqualTo(4);
    }
  }
}

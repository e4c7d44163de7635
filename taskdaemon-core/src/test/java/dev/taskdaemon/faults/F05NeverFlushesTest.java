package dev.taskdaemon.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TestHandlers;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** F5: a handler that never flushes stdout. */
class F05NeverFlushesTest {
  @Test
  void unflushedAnswer_timesOut_withAHintAboutFlushing() throws Exception {
    try (TaskDaemon daemon = TaskDaemon.builder()
        .handler(TestHandlers.handler("buffered").instances(1).timeout(Duration.ofSeconds(1)).maxRetries(0).build())
        .start()) {
      Result r = Faults.get(daemon.submit("buffered", Map.of("op", "noflush")));
      assertThat(r).isEqualTo(new Result.Failure("handler 'buffered' instance buffered-0 timed out after 1s (attempt 1"
          + " of 1); the instance was killed and replaced. It wrote nothing to stdout during the attempt: if it did"
          + " answer, make it flush stdout after each line (e.g. print(..., flush=True), System.out.flush(),"
          + " fflush(stdout))", true, Result.Failure.Kind.TIMEOUT));
    }
  }
}

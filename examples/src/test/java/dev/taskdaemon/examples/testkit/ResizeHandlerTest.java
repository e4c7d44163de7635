package dev.taskdaemon.examples.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.testkit.FakeHandler;
import dev.taskdaemon.testkit.Fakes;
import dev.taskdaemon.testkit.SdkFakes;
import dev.taskdaemon.testkit.Unstubbed;
import dev.taskdaemon.testkit.junit.TaskDaemonExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The resize handler (written with the handler SDK) and the service that calls it, tested together
 * in-process: the production handlers.toml, the real daemon, the real handler function, no container
 * and no child process.
 */
class ResizeHandlerTest {
  final FakeHandler resize = SdkFakes.running(ResizeHandler.HANDLER);

  @RegisterExtension
  final TaskDaemonExtension taskdaemon = TaskDaemonExtension.of(
      () -> TaskDaemon.builder().fromToml(ThumbnailServiceTest.HANDLERS),
      Fakes.create().stub("resize", resize).unstubbed(Unstubbed.FAIL_TASKS));

  ThumbnailService service() {
    return new ThumbnailService(taskdaemon.daemon(), Duration.ofSeconds(10));
  }

  @Test
  void theServiceGetsTheHandlersThumbnail() {
    assertThat(service().thumbnail("s3://uploads/cat.png", 320))
        .isEqualTo(new Thumbnail("https://cdn.example/thumbs/320/cat.png", 320, 240));
    resize.assertReceived().hasCount(1).hasAttempts(1);
  }

  @Test
  void aSourceTheHandlerRefuses_isRejectedAtOnce_withTheHandlersMessage() {
    assertThatThrownBy(() -> service().thumbnail("https://elsewhere/cat.png", 128))
        .isInstanceOfSatisfying(ThumbnailException.class,
            e -> assertThat(e.reason()).isEqualTo(ThumbnailException.Reason.REJECTED))
        .hasMessage("cannot make a thumbnail of https://elsewhere/cat.png: source must be an s3:// URL,"
            + " was https://elsewhere/cat.png");
    resize.assertReceived().hasCount(1);
  }

  @Test
  void aRetryableExceptionIsRetriedByTheDaemon_untilItsBudgetIsUsedUp() {
    // Once the retries are used up, the last answer is the handler's own refusal (a final failure is
    // never retryable), so the service reports it as such.
    assertThatThrownBy(() -> service().thumbnail("s3://replicating/cat.png", 128))
        .isInstanceOfSatisfying(ThumbnailException.class,
            e -> assertThat(e.reason()).isEqualTo(ThumbnailException.Reason.REJECTED))
        .hasMessage("cannot make a thumbnail of s3://replicating/cat.png: source s3://replicating/cat.png"
            + " is still replicating");
    // max_retries = 2 in handlers.toml: three attempts of one task.
    resize.assertReceived().hasCount(3).hasAttempts(1, 2, 3).areAttemptsOfOneTask();
  }
}

package dev.taskdaemon.examples.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.testkit.FakeHandler;
import dev.taskdaemon.testkit.Fakes;
import dev.taskdaemon.testkit.Fault;
import dev.taskdaemon.testkit.ManualScheduler;
import dev.taskdaemon.testkit.Reply;
import dev.taskdaemon.testkit.Unstubbed;
import dev.taskdaemon.testkit.junit.TaskDaemonExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Unit tests of ThumbnailService as a team using TaskDaemon writes them: the production
 * handlers.toml, with a fake in place of the resize container. No Docker, no subprocess.
 */
class ThumbnailServiceTest {
  static final Path HANDLERS = Path.of("src/main/java/dev/taskdaemon/examples/testkit/handlers.toml");

  /** Behaves like the thumbnailer image: a 4:3 PNG at the requested width. */
  final FakeHandler resize = FakeHandler.replying(task -> {
    int width = task.taskData().get("width").asInt();
    return Reply.success(Map.of("url", "https://cdn.example/thumbs/" + width + "/cat.png",
        "width", width, "height", width * 3 / 4));
  });

  /** Time for the daemon's timeouts moves only when a test moves it: no test waits 20 s, none flakes. */
  final ManualScheduler clock = new ManualScheduler();

  @RegisterExtension
  final TaskDaemonExtension taskdaemon = TaskDaemonExtension.of(
      () -> TaskDaemon.builder().fromToml(HANDLERS).scheduler(clock),
      Fakes.create()
          .stub("resize", resize)
          .unstubbed(Unstubbed.FAIL_TASKS)); // the service must not touch ocr

  ThumbnailService service() {
    return new ThumbnailService(taskdaemon.daemon(), Duration.ofSeconds(10));
  }

  @Test
  void makesAThumbnail_sendingTheSourceWidthAndFormat() {
    Thumbnail t = service().thumbnail("s3://uploads/cat.png", 320);

    assertThat(t).isEqualTo(new Thumbnail("https://cdn.example/thumbs/320/cat.png", 320, 240));
    resize.assertReceived()
        .hasCount(1)
        .allHaveTaskData(Map.of("source", "s3://uploads/cat.png", "width", 320, "format", "png"));
  }

  @Test
  void aBusyResizerIsRetried_thenTheThumbnailIsReturned() {
    resize.inject(Fault.RETRYABLE_ERROR, 2);

    Thumbnail t = service().thumbnail("s3://uploads/cat.png", 128);

    assertThat(t.width()).isEqualTo(128);
    resize.assertReceived().hasAttempts(1, 2, 3).areAttemptsOfOneTask();
  }

  @Test
  void aResizerThatHangs_isReportedUnavailable_afterEveryAttemptTimesOut() {
    resize.injectAlways(Fault.HANG);

    CompletableFuture<Thumbnail> call = CompletableFuture.supplyAsync(
        () -> service().thumbnail("s3://uploads/cat.png", 128));
    for (int attempt = 1; attempt <= 3; attempt++) {
      resize.takeTask(Duration.ofSeconds(5));    // the attempt reached the resizer, which hangs
      clock.advance(Duration.ofSeconds(20));      // the file's timeout passes
    }

    assertThatThrownBy(call::join).cause()
        .isInstanceOfSatisfying(ThumbnailException.class,
            e -> assertThat(e.reason()).isEqualTo(ThumbnailException.Reason.UNAVAILABLE))
        .hasMessageStartingWith("cannot make a thumbnail of s3://uploads/cat.png: handler 'resize' instance resize-")
        .hasMessageContaining("timed out after 20s (attempt 3 of 3)");
    resize.assertReceived().hasAttempts(1, 2, 3);
  }

  @Test
  void aCrashedResizerIsReplaced_andTheTaskRetried() {
    resize.inject(Fault.CRASH);

    assertThat(service().thumbnail("s3://uploads/cat.png", 64).width()).isEqualTo(64);
    resize.assertReceived().hasAttempts(1, 2);
  }

  @Test
  void anImageTheResizerRejects_isReportedRejected_withoutRetry() {
    resize.enqueue(Reply.error("unsupported format: image/tiff", false));

    assertThatThrownBy(() -> service().thumbnail("s3://uploads/scan.tiff", 128))
        .isInstanceOfSatisfying(ThumbnailException.class,
            e -> assertThat(e.reason()).isEqualTo(ThumbnailException.Reason.REJECTED))
        .hasMessage("cannot make a thumbnail of s3://uploads/scan.tiff: unsupported format: image/tiff");
    resize.assertReceived().hasCount(1);
  }

  @Test
  void aWidthOutOfRange_isRefusedBeforeAnythingIsSubmitted() {
    assertThatThrownBy(() -> service().thumbnail("s3://uploads/cat.png", 10_000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("width must be from 16 to 4096, was 10000");
    resize.assertReceived().isEmpty();
  }
}

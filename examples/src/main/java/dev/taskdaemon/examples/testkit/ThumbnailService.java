package dev.taskdaemon.examples.testkit;

import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskDaemonException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An application service that makes thumbnails by submitting {@code resize} tasks to a TaskDaemon,
 * and speaks its own domain's language: a {@link Thumbnail}, or a {@link ThumbnailException} whose
 * reason says whether to give up or try later. The daemon's retries and timeouts (from handlers.toml)
 * do the rest.
 */
public final class ThumbnailService {
  /** The task data of a {@code resize} task, as the thumbnailer image expects it. */
  record ResizeRequest(String source, int width, String format) {}

  static final int MIN_WIDTH = 16;
  static final int MAX_WIDTH = 4096;

  private final TaskDaemon daemon;
  private final Duration maxWait;

  /**
   * @param daemon a started daemon with a {@code resize} handler
   * @param maxWait how long a caller may be kept waiting; the daemon's own timeouts and retries
   *     normally end a task well before
   */
  public ThumbnailService(TaskDaemon daemon, Duration maxWait) {
    this.daemon = Objects.requireNonNull(daemon, "daemon");
    this.maxWait = Objects.requireNonNull(maxWait, "maxWait");
  }

  /**
   * Makes a PNG thumbnail of the image at {@code source}, {@code width} pixels wide.
   *
   * @throws IllegalArgumentException if the width is out of range (nothing is submitted)
   * @throws ThumbnailException if no thumbnail could be made
   */
  public Thumbnail thumbnail(String source, int width) {
    Objects.requireNonNull(source, "source");
    if (width < MIN_WIDTH || width > MAX_WIDTH) {
      throw new IllegalArgumentException("width must be from " + MIN_WIDTH + " to " + MAX_WIDTH + ", was " + width);
    }
    Result result;
    try {
      result = daemon.submit("resize", new ResizeRequest(source, width, "png"))
          .get(maxWait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      // The daemon refused the task (queue full, closed): a matter of capacity, not of this image.
      if (e.getCause() instanceof TaskDaemonException refused) {
        throw new ThumbnailException(ThumbnailException.Reason.UNAVAILABLE,
            "the resizer is not accepting work: " + refused.getMessage(), refused);
      }
      throw new IllegalStateException("unexpected failure resizing " + source, e.getCause());
    } catch (TimeoutException e) {
      throw new ThumbnailException(ThumbnailException.Reason.UNAVAILABLE,
          "no thumbnail of " + source + " within " + maxWait.toSeconds() + "s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ThumbnailException(ThumbnailException.Reason.UNAVAILABLE, "interrupted", e);
    }
    if (result.isSuccess()) {
      return result.as(Thumbnail.class);
    }
    Result.Failure error = result.asFailure();
    // A retryable error that is still an error has outlived the daemon's retries: timeouts, crashes,
    // an overloaded resizer. A permanent one is about this source image.
    ThumbnailException.Reason reason = error.retryable()
        ? ThumbnailException.Reason.UNAVAILABLE
        : ThumbnailException.Reason.REJECTED;
    throw new ThumbnailException(reason, "cannot make a thumbnail of " + source + ": " + error.message(), null);
  }
}

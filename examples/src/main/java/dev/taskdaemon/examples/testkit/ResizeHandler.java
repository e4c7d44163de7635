package dev.taskdaemon.examples.testkit;

import dev.taskdaemon.handler.Handler;
import dev.taskdaemon.handler.RetryableException;

/**
 * The {@code resize} handler itself, written with the handler SDK, as a team that also owns the
 * thumbnailer would write it; its image runs {@link #main(String[])}. The handler is kept in a static
 * field so that {@code ResizeHandlerTest} can run it in-process behind a real daemon, together with
 * {@link ThumbnailService}, the code that submits to it.
 *
 * <p>Resizing is reduced to its decisions here (which sources and formats are accepted, the size of
 * the thumbnail, when to ask for a retry): the pixels are beside the point of the example.
 */
public final class ResizeHandler {
  /** A {@code resize} task's data, as {@link ThumbnailService} sends it. */
  record Request(String source, int width, String format) {}

  /** The handler: {@code task_data} bound to a {@link Request}, a {@link Thumbnail} as the result. */
  public static final Handler HANDLER = Handler.of(Request.class, ResizeHandler::resize);

  private ResizeHandler() {}

  /** Serves {@code resize} tasks on stdin and stdout until stdin closes. */
  public static void main(String[] args) {
    HANDLER.serve();
  }

  static Thumbnail resize(Request r) {
    if (!"png".equals(r.format())) {
      // An ordinary exception: a non-retryable error, since the same request would fail again.
      throw new IllegalArgumentException("unsupported output format: " + r.format());
    }
    if (r.source() == null || !r.source().startsWith("s3://")) {
      throw new IllegalArgumentException("source must be an s3:// URL, was " + r.source());
    }
    if (r.source().startsWith("s3://replicating/")) {
      // The object is not readable yet: worth another attempt a moment later.
      throw new RetryableException("source " + r.source() + " is still replicating");
    }
    String name = r.source().substring(r.source().lastIndexOf('/') + 1);
    return new Thumbnail("https://cdn.example/thumbs/" + r.width() + "/" + name, r.width(), r.width() * 3 / 4);
  }
}

package dev.taskdaemon.micrometer;

import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.Result;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Handlers as small POSIX shell scripts: real processes that start in milliseconds. */
final class Sh {
  /** Answers every request with a success. */
  static final String ECHO = "while IFS= read -r line; do printf '{\"status\":\"success\",\"result\":%s}\\n' \"$line\"; done";

  /**
   * Does what the task data's {@code do} says: {@code fail} (a final handler error), {@code flaky} (a
   * retryable error on attempt 1, a success after), {@code crash} (exits mid-task); anything else succeeds.
   */
  static final String WORK = "while IFS= read -r line; do case \"$line\" in "
      + "*'\"do\":\"fail\"'*) printf '{\"status\":\"error\",\"error\":\"bad input\",\"retryable\":false}\\n' ;; "
      + "*'\"do\":\"flaky\"'*'\"attempt\":1}') printf '{\"status\":\"error\",\"error\":\"try again\",\"retryable\":true}\\n' ;; "
      + "*'\"do\":\"crash\"'*) exit 3 ;; "
      + "*) printf '{\"status\":\"success\",\"result\":{\"ok\":true}}\\n' ;; "
      + "esac; done";

  /** Never answers. */
  static final String HANG = "while IFS= read -r line; do sleep 600; done";

  /** Answers with a line of 2,000 bytes: over a {@code max_line_bytes} of 1024, a protocol error. */
  static final String OVERSIZE = "while IFS= read -r line; do printf '%02000d\\n' 0; done";

  /** Exits at once: its handler becomes unhealthy. */
  static final String EXIT = "exit 1";

  private Sh() {}

  /** A handler running {@code script} with {@code sh -c}. */
  static HandlerSpec.Builder handler(String name, String script) {
    return HandlerSpec.builder(name).command("sh", "-c", script);
  }

  /** Answers each request with a success once the file {@code release} exists, not before. */
  static HandlerSpec.Builder blocking(String name, Path release) {
    return handler(name, "while IFS= read -r line; do while [ ! -e \"$RELEASE\" ]; do sleep 0.02; done; "
        + "printf '{\"status\":\"success\",\"result\":null}\\n'; done").env("RELEASE", release.toString());
  }

  static Result get(CompletableFuture<Result> f) throws Exception {
    return f.get(60, TimeUnit.SECONDS);
  }
}

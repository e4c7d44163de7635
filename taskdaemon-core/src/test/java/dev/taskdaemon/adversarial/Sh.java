package dev.taskdaemon.adversarial;

import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.Result;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Misbehaving handlers as small POSIX shell scripts: real processes that start in milliseconds. Each
 * script sees the request line in {@code $line}; {@link #ECHO} answers with the whole request as the
 * result, so a test can check that every answer is its own task's ({@code result.task_id}).
 *
 * <p>To add a case: write the smallest script that misbehaves the way you want, submit tasks to it,
 * and assert the outcome of every one of them — never only that nothing threw.
 */
public final class Sh {
  /** Answers the request in {@code $line} with itself as the result. */
  public static final String ECHO = "printf '{\"status\":\"success\",\"result\":%s}\\n' \"$line\"";
  /** Sets {@code $id} to the request's task_id. */
  public static final String TASK_ID = "id=${line#*\\\"task_id\\\":\\\"}; id=${id%%\\\"*}";

  private Sh() {}

  /** A handler running {@code script} with {@code sh -c}. */
  public static HandlerSpec.Builder handler(String name, String script) {
    return HandlerSpec.builder(name).command("sh", "-c", script);
  }

  /** Reads requests forever, running {@code body} for each (the request is in {@code $line}). */
  public static String loop(String body) {
    return "while IFS= read -r line; do " + body + "; done";
  }

  public static Result get(CompletableFuture<Result> f) throws Exception {
    return f.get(60, TimeUnit.SECONDS);
  }

  /**
   * How many times each task ran, from a log of request lines that a handler appends to (one line per
   * run, e.g. {@code echo "$line" >> runs}); empty while the log does not exist.
   */
  public static java.util.Map<String, Integer> runsById(java.nio.file.Path runs) throws java.io.IOException {
    java.util.Map<String, Integer> m = new java.util.HashMap<>();
    if (java.nio.file.Files.exists(runs)) {
      for (String l : java.nio.file.Files.readAllLines(runs)) {
        m.merge(l.replaceAll(".*\"task_id\":\"([^\"]+)\".*", "$1"), 1, Integer::sum);
      }
    }
    return m;
  }

  /** The task_id of the request a success result echoes. */
  public static String echoedId(Result r) {
    return r.json().get("task_id").asText();
  }
}

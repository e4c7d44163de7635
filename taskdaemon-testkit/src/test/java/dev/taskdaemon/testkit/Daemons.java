package dev.taskdaemon.testkit;

import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Helpers shared by the testkit's own tests. */
final class Daemons {
  private Daemons() {}

  /** A builder with one handler {@code resize} defined in code: one instance, {@code maxRetries} retries. */
  static TaskDaemon.Builder resize(int maxRetries) {
    return TaskDaemon.builder().name("tk").handler("resize", h -> h.instances(1).maxRetries(maxRetries));
  }

  static Result await(CompletableFuture<Result> f) throws Exception {
    return f.get(10, TimeUnit.SECONDS);
  }

  static Duration ms(long ms) {
    return Duration.ofMillis(ms);
  }
}

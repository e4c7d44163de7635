package dev.taskdaemon.benchmarks.internal;

import dev.taskdaemon.RawJson;

import com.fasterxml.jackson.databind.JsonNode;
import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.HandlerStats;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** A daemon with one echo handler, driven through its public API as a host application would. */
final class EngineLoad implements AutoCloseable {
  private static final Duration TASK_BOUND = Duration.ofMinutes(2);

  private static final com.fasterxml.jackson.databind.ObjectMapper READ =
      new com.fasterxml.jackson.databind.ObjectMapper();

  final TaskDaemon daemon;
  private final AtomicLong calls = new AtomicLong();

  private EngineLoad(TaskDaemon daemon) {
    this.daemon = daemon;
  }

  /** Starts a daemon whose only handler, {@code echo}, is defined by {@code handler} beyond its basics. */
  static EngineLoad start(int instances, Consumer<HandlerSpec.Builder> handler) {
    HandlerSpec.Builder spec = HandlerSpec.builder(Payloads.TASK_TYPE)
        .instances(instances)
        .timeout(TASK_BOUND)
        .maxRetries(0)
        .queueCapacity(100_000);
    handler.accept(spec);
    TaskDaemon daemon = TaskDaemon.builder()
        .name("bench")
        .handler(spec.build())
        .drainTimeout(Duration.ofSeconds(30))
        .startTimeout(Duration.ofMinutes(5))
        .start();
    return new EngineLoad(daemon);
  }

  /**
   * A submit-and-wait round trip. Every answer must be a success; one in 1,024 (and the first) is
   * compared with the data in full, off the latency clock's critical path as far as possible.
   */
  Load.Op op(JsonNode data) {
    return () -> {
      Result r = daemon.submit(Payloads.TASK_TYPE, data).get(TASK_BOUND.toSeconds() + 10, TimeUnit.SECONDS);
      if (!r.isSuccess()) {
        throw new IllegalStateException("task failed: " + r.asFailure().message());
      }
      if ((calls.getAndIncrement() & 1023) == 0 && !r.json().equals(data)) {
        throw new IllegalStateException("the echo handler returned other data than it was given");
      }
    };
  }

  /**
   * A submit-and-wait round trip with task data the caller already holds as JSON text, as the raw
   * pipe does: {@link RawJson#of} checks it on every call, since a caller with fresh bytes for each
   * task pays that. Each result's bytes are compared in length, and one in 1,024 in full.
   */
  Load.Op encodedOp(byte[] json, boolean read) {
    return () -> {
      Result r = daemon.submit(Payloads.TASK_TYPE, RawJson.of(json)).get(TASK_BOUND.toSeconds() + 10, TimeUnit.SECONDS);
      if (!r.isSuccess()) {
        throw new IllegalStateException("task failed: " + r.asFailure().message());
      }
      boolean full = (calls.getAndIncrement() & 1023) == 0;
      if (read) {
        JsonNode tree = r.json();
        if (!tree.isObject() || (full && !tree.equals(READ.readTree(json)))) {
          throw new IllegalStateException("the echo handler returned other data than it was given");
        }
      } else {
        byte[] got = ((Result.Success) r).utf8Json();
        if (got.length != json.length || (full && !java.util.Arrays.equals(got, json))) {
          throw new IllegalStateException("the echo handler returned other data than it was given");
        }
      }
    };
  }

  /**
   * A round trip whose caller reads the result as a JSON tree, as most callers of a large result do:
   * the parse the engine no longer does on its reader thread, paid by the caller. Each tree is checked
   * against the data's shape, and one in 1,024 compared in full.
   */
  Load.Op readOp(JsonNode data) {
    return () -> {
      Result r = daemon.submit(Payloads.TASK_TYPE, data).get(TASK_BOUND.toSeconds() + 10, TimeUnit.SECONDS);
      if (!r.isSuccess()) {
        throw new IllegalStateException("task failed: " + r.asFailure().message());
      }
      JsonNode json = r.json();
      if (json.size() != data.size() || ((calls.getAndIncrement() & 1023) == 0 && !json.equals(data))) {
        throw new IllegalStateException("the echo handler returned other data than it was given");
      }
    };
  }

  /**
   * The same round trip through a chained callback: the submitter waits on a dependent stage, which
   * runs on the daemon's callback executor (one thread hand-off more than {@link #op}).
   */
  Load.Op callbackOp(JsonNode data) {
    return () -> {
      JsonNode json = daemon.submit(Payloads.TASK_TYPE, data)
          .thenApply(r -> {
            if (!r.isSuccess()) {
              throw new IllegalStateException("task failed: " + r.asFailure().message());
            }
            return r.json();
          })
          .get(TASK_BOUND.toSeconds() + 10, TimeUnit.SECONDS);
      if ((calls.getAndIncrement() & 1023) == 0 && !json.equals(data)) {
        throw new IllegalStateException("the echo handler returned other data than it was given");
      }
    };
  }

  /** Fails when an instance had to be replaced: a restart would make the figures meaningless. */
  void checkHealthy() {
    HandlerStats s = daemon.stats(Payloads.TASK_TYPE);
    if (s.restarts() > 0 || s.failed() > 0) {
      throw new IllegalStateException("the echo pool was not healthy during the run: " + s);
    }
  }

  @Override
  public void close() {
    daemon.close();
  }
}

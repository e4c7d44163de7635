package dev.taskdaemon.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.taskdaemon.Result;
import dev.taskdaemon.Task;
import java.util.concurrent.CompletableFuture;

/** A submitted task from acceptance to its one terminal outcome. */
final class PendingTask {
  final String id;
  final String type;
  final JsonNode data;
  final int priority;
  final long seq;
  final CompletableFuture<Result> future = new CompletableFuture<>();
  /** The number of the attempt to run next, or running now. Guarded by the pool lock. */
  int attempt = 1;
  /** Set, under the pool lock, by whichever path reaches the terminal outcome first. */
  boolean finished;

  PendingTask(String id, String type, JsonNode data, int priority, long seq) {
    this.id = id;
    this.type = type;
    this.data = data;
    this.priority = priority;
    this.seq = seq;
  }

  Task task(int attempt) {
    return new Task(id, type, data, attempt);
  }
}

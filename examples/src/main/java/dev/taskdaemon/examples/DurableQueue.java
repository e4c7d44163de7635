package dev.taskdaemon.examples;

import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskInfo;
import dev.taskdaemon.TaskOptions;
import dev.taskdaemon.TaskRequest;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A host whose tasks survive it: it stores a batch of prime-counting tasks in a SQLite file and
 * collects their results. Kill it with {@code kill -9} halfway and run it again: the second run stores
 * nothing twice (the task ids are idempotency keys), runs only what the first did not finish, and
 * finds every result.
 *
 * <pre>
 * java ... dev.taskdaemon.examples.DurableQueue [store file, default examples/target/durable-queue.db] [tasks, default 40]
 * </pre>
 */
public final class DurableQueue {
  private DurableQueue() {}

  public static void main(String[] args) throws Exception {
    Path store = Path.of(args.length > 0 ? args[0] : "examples/target/durable-queue.db");
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 40;
    Instant started = Instant.now();
    try (TaskDaemon daemon = TaskDaemon.builder().fromToml(Path.of("examples/handlers.toml"))
        .store("sqlite").storePath(store).start()) {
      List<TaskRequest> batch = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Map<String, Object> range = Map.of("from", i * 100_000L, "to", (i + 1) * 100_000L);
        batch.add(new TaskRequest("primes", range, TaskOptions.defaults().taskId("primes-" + i)));
      }
      daemon.enqueueAll(batch); // one commit; ids that exist already are left as they are
      int earlier = 0;
      long primes = 0;
      for (int i = 0; i < n; i++) {
        String id = "primes-" + i;
        Result r = daemon.await(id).get();
        primes += r.json().get("count").asLong();
        TaskInfo info = daemon.task(id).orElseThrow();
        if (info.createdAt().isBefore(started)) {
          earlier++;
        }
        System.err.printf("%s: %s primes (attempt %d)%n", id, r.json().get("count"), info.attempts());
      }
      System.out.printf("%d primes below %d; %d of %d tasks were stored by an earlier run%n", primes,
          n * 100_000L, earlier, n);
    }
  }
}

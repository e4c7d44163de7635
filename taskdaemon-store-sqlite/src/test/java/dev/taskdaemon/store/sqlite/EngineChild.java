package dev.taskdaemon.store.sqlite;

import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskOptions;
import dev.taskdaemon.TaskRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A host JVM on a SQLite store that the engine crash test kills with {@code kill -9}. Arguments:
 * store file, runs log, task count. It enqueues tasks {@code t0..t<n-1>}, prints {@code ENQUEUED} once
 * {@code enqueueAll} returned, and runs them until it is killed.
 */
public final class EngineChild {
  private EngineChild() {}

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    Path runs = Path.of(args[1]);
    int n = Integer.parseInt(args[2]);
    TaskDaemon daemon = SqliteEngineTest.host(file, runs).start();
    List<TaskRequest> batch = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      batch.add(new TaskRequest("echo", Map.of("i", i), TaskOptions.defaults().taskId("t" + i)));
    }
    daemon.enqueueAll(batch);
    System.out.println("ENQUEUED");
    System.out.flush();
    while (System.in.read() >= 0) {
      // until killed
    }
  }
}

package dev.taskdaemon.store.sqlite;

import static dev.taskdaemon.adversarial.Sh.ECHO;
import static dev.taskdaemon.adversarial.Sh.handler;
import static dev.taskdaemon.adversarial.Sh.loop;

import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.TaskOptions;
import dev.taskdaemon.TaskRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A host JVM for {@link SqliteCrashFiguresTest}: an echo handler that logs every run, on a SQLite
 * store. Arguments: store file, runs log, task count, instances, and {@code enqueue} or {@code run}.
 * With {@code enqueue} it stores tasks {@code t0..t<n-1>} in batches, prints {@code ENQUEUED}, and runs
 * them until it is killed; with {@code run} it runs what the store holds.
 */
public final class CrashChild {
  private CrashChild() {}

  static TaskDaemon.Builder host(Path file, Path runs, int instances) {
    return TaskDaemon.builder().name("sqlite-crash")
        .handler(handler("echo", loop("echo \"$line\" >> " + runs + "; " + ECHO)).instances(instances).build())
        .store("sqlite")
        .storePath(file)
        .storeLease(Duration.ofSeconds(30));
  }

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    Path runs = Path.of(args[1]);
    int n = Integer.parseInt(args[2]);
    int instances = Integer.parseInt(args[3]);
    TaskDaemon daemon = host(file, runs, instances).start();
    if (args[4].equals("enqueue")) {
      for (int from = 0; from < n; from += 1000) {
        List<TaskRequest> batch = new ArrayList<>();
        for (int i = from; i < Math.min(n, from + 1000); i++) {
          batch.add(new TaskRequest("echo", Map.of("i", i), TaskOptions.defaults().taskId("t" + i)));
        }
        daemon.enqueueAll(batch);
      }
      System.out.println("ENQUEUED");
      System.out.flush();
    }
    while (System.in.read() >= 0) {
      // until killed
    }
  }
}

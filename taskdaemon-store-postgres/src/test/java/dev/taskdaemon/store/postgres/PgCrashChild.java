package dev.taskdaemon.store.postgres;

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
 * A host JVM for {@link PostgresCrashTest}: an echo handler that logs every run, on a PostgreSQL
 * store. Arguments: JDBC URL, daemon name, runs log, task count, instances. It stores tasks
 * {@code t0..t<n-1>}, prints {@code ENQUEUED}, and runs them with the other host until it is killed.
 */
public final class PgCrashChild {
  private PgCrashChild() {}

  static TaskDaemon.Builder host(String url, String name, Path runs, int instances) {
    return TaskDaemon.builder().name(name)
        .handler(handler("echo", loop("echo \"$line\" >> " + runs + "; " + ECHO)).instances(instances).build())
        .store("postgres")
        .storeUrl(url)
        .storeLease(Duration.ofSeconds(2));
  }

  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(args[3]);
    TaskDaemon daemon = host(args[0], args[1], Path.of(args[2]), Integer.parseInt(args[4])).start();
    for (int from = 0; from < n; from += 500) {
      List<TaskRequest> batch = new ArrayList<>();
      for (int i = from; i < Math.min(n, from + 500); i++) {
        batch.add(new TaskRequest("echo", Map.of("i", i), TaskOptions.defaults().taskId("t" + i)));
      }
      daemon.enqueueAll(batch);
    }
    System.out.println("ENQUEUED");
    System.out.flush();
    while (System.in.read() >= 0) {
      // until killed
    }
  }
}

package dev.taskdaemon.docker;

import dev.taskdaemon.TaskDaemon;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A host program for the F11 test, run in its own JVM: starts a daemon (on the transport in its second argument) whose containers ignore EOF
 * and SIGTERM, prints {@code READY <session>}, and waits to be killed with SIGKILL.
 */
public final class KilledHostMain {
  private KilledHostMain() {}

  public static void main(String[] args) throws Exception {
    TaskDaemon daemon = TaskDaemon.builder().name(args[0])
        .handler(Busybox.script("stubborn", Busybox.STUBBORN).option("docker_transport", args[1]).instances(2)
            .build())
        .start();
    daemon.submit("stubborn", Map.of()).get(60, TimeUnit.SECONDS);
    System.out.println("READY " + daemon.session());
    System.out.flush();
    new CountDownLatch(1).await(); // until killed
  }
}

package dev.taskdaemon.adversarial;

import dev.taskdaemon.TaskDaemon;
import java.nio.file.Path;
import java.util.Map;

/**
 * A host program for {@link HostKilledTest}: starts a daemon whose handlers are busy or ignore the
 * end of their stdin, each recording its pid (and its child's) in a file, prints READY and waits to be
 * killed.
 */
public final class HostMain {
  private HostMain() {}

  public static void main(String[] args) throws Exception {
    String name = args[0];
    Path pids = Path.of(args[1]);
    String busy = "read -r line; echo $$ >> '" + pids + "'; (exec sleep 1000) & echo $! >> '" + pids + "'; wait";
    String deaf = "trap '' TERM; echo $$ >> '" + pids + "'; while :; do sleep 1; done";
    TaskDaemon daemon = TaskDaemon.builder().name(name)
        .handler(Sh.handler("busy", busy).instances(2).build())
        .handler(Sh.handler("deaf", deaf).instances(1).build())
        .start();
    daemon.submit("busy", Map.of("n", 1));
    daemon.submit("busy", Map.of("n", 2));
    while (java.nio.file.Files.readAllLines(pids).size() < 5) {
      Thread.sleep(20);
    }
    System.out.println("READY");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}

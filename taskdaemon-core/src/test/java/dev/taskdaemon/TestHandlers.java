package dev.taskdaemon;

import dev.taskdaemon.handlers.TestHandler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Commands that run the test handler as a real child JVM. */
public final class TestHandlers {
  private TestHandlers() {}

  /** The java executable of the JVM running the tests. */
  public static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** {@code java -cp <test classes> dev.taskdaemon.handlers.TestHandler args...}, tuned to start fast. */
  public static List<String> command(String... args) {
    List<String> cmd = new ArrayList<>(List.of(java(), "-Xshare:auto", "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC", "-Xmx64m", "-cp", classpath(), TestHandler.class.getName()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  private static String classpath() {
    try {
      return Path.of(TestHandler.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A handler named {@code name} running the test handler, with test-friendly defaults. */
  public static HandlerSpec.Builder handler(String name, String... args) {
    return HandlerSpec.builder(name).command(command(args));
  }
}

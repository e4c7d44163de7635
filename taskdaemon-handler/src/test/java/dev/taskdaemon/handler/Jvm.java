package dev.taskdaemon.handler;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/** Child JVMs for the tests: handlers run as users run them, with the SDK and Jackson on the class path. */
public final class Jvm {
  private Jvm() {}

  /** The java launcher of the JVM running the tests. */
  public static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** The SDK's classes and Jackson: what a handler needs on its class path. */
  public static String handlerClasspath() {
    Path classes = Path.of("target/classes").toAbsolutePath();
    List<String> entries = new ArrayList<>(List.of(classes.toString()));
    entries.addAll(Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> Path.of(e).getFileName().toString().startsWith("jackson-"))
        .collect(Collectors.toList()));
    return String.join(File.pathSeparator, entries);
  }

  /** A test handler's source file, in {@code src/test/handlers}. */
  public static Path handlerSource(String name) {
    return Path.of("src/test/handlers", name).toAbsolutePath();
  }

  /** Compiles a test handler into {@code dir}, for tests that start it many times. */
  public static void compile(String name, Path dir) {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int rc = javac.run(null, null, null, "-d", dir.toString(), "-cp", handlerClasspath(), "-encoding", "UTF-8",
        handlerSource(name).toString());
    if (rc != 0) {
      throw new AssertionError("javac " + name + " failed with " + rc);
    }
  }
}

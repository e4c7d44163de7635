package dev.taskdaemon.benchmarks.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The echo handler every engine-overhead row drives: a static C program compiled here when {@code
 * gcc} is present, otherwise a single-file Java program.
 *
 * @param kind {@code c-static} or {@code java}
 * @param command the command line that runs it
 * @param binary the static executable (for the docker image), or {@code null} for the Java fallback
 * @param note why the fallback was used, or {@code null}
 */
public record Handler(String kind, List<String> command, Path binary, String note) {
  private static final String RESOURCES = "/dev/taskdaemon/benchmarks/internal/";

  /**
   * Builds the handler in {@code workDir}.
   *
   * @param preferred {@code auto} (C when gcc works), {@code c} (C or fail) or {@code java}
   */
  public static Handler prepare(Path workDir, String preferred) throws IOException, InterruptedException {
    Files.createDirectories(workDir);
    String why = null;
    if (!"java".equals(preferred)) {
      Path source = copyResource("echo_handler.c", workDir);
      Path binary = workDir.resolve("echo-handler");
      List<String> gcc = List.of("gcc", "-O2", "-static", "-o", binary.toString(), source.toString());
      Commands.Outcome built = Commands.run(gcc, workDir, Map.of(), Duration.ofMinutes(2));
      if (built.ok()) {
        return new Handler("c-static", List.of(binary.toString()), binary, null);
      }
      String failure = built.failure(gcc);
      if ("c".equals(preferred)) {
        throw new IOException("cannot build the C echo handler: " + failure);
      }
      why = "C handler not built (" + failure + "); using the Java fallback";
    }
    Path source = copyResource("EchoHandler.java", workDir);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // The single-file launcher compiles at each start; a small heap and C1 keep 1,000 of them cheap.
    List<String> cmd = List.of(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", source.toString());
    return new Handler("java", cmd, null, why);
  }

  private static Path copyResource(String name, Path dir) throws IOException {
    Path target = dir.resolve(name);
    try (InputStream in = Handler.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IOException("resource " + RESOURCES + name + " is missing from the benchmark jar");
      }
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
    return target;
  }
}

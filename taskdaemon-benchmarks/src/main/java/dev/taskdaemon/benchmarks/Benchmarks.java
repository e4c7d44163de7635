package dev.taskdaemon.benchmarks;

import dev.taskdaemon.benchmarks.internal.BenchmarkRun;
import dev.taskdaemon.benchmarks.internal.Handler;
import dev.taskdaemon.benchmarks.internal.Report;
import dev.taskdaemon.benchmarks.internal.Row;
import dev.taskdaemon.benchmarks.internal.Settings;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Runs the benchmarks and prints a table of ratios against baselines measured in the same run:
 * the raw pipe, raw {@code docker run -i}, per-task containers, plain Jackson.
 *
 * <pre>
 * mvn -B -q -pl taskdaemon-benchmarks -am package -DskipTests
 * java -jar taskdaemon-benchmarks/target/benchmarks.jar [--smoke] [--json FILE] [--handler auto|c|java]
 *     [--only pipe,payload,warm,memory,docker,codec,store,server] [--work DIR] [--instances 1,4,16] [--submitters 1,4,16,64]
 * </pre>
 *
 * <p>{@code --instances} and {@code --submitters} replace the pool sizes and submitter counts of the
 * engine-vs-pipe matrix, to profile one cell; the target rows need 1 and 4 instances.
 *
 * <p>The docker rows need a Docker engine ({@code DOCKER_HOST}); without one they are reported as
 * not measured, with the reason.
 */
public final class Benchmarks {
  private Benchmarks() {}

  /** Runs with the arguments above; exits 0 when every row was measured, 2 when some were not, 64 on bad usage. */
  public static void main(String[] args) {
    System.exit(run(System.out, args));
  }

  /**
   * Runs with the arguments of {@link #main}, printing the tables to {@code out} and progress to
   * stderr; returns the exit code {@link #main} would use.
   */
  public static int run(PrintStream out, String... args) {
    Settings settings = Settings.full();
    Path json = null;
    Path work = null;
    String handlerChoice = "auto";
    Set<String> only = new LinkedHashSet<>();
    List<Integer> instances = null;
    List<Integer> submitters = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--smoke":
          settings = Settings.smoke();
          break;
        case "--json":
        case "--handler":
        case "--only":
        case "--work":
        case "--instances":
        case "--submitters":
          if (i + 1 >= args.length) {
            return usage(a + " needs a value");
          }
          String v = args[++i];
          if (a.equals("--json")) {
            json = Path.of(v);
          } else if (a.equals("--work")) {
            work = Path.of(v);
          } else if (a.equals("--instances") || a.equals("--submitters")) {
            List<Integer> counts = new ArrayList<>();
            for (String n : v.split(",")) {
              if (!n.matches("[1-9][0-9]{0,3}")) {
                return usage(a + " takes counts from 1 to 9999 separated by commas, not " + v);
              }
              counts.add(Integer.parseInt(n));
            }
            if (a.equals("--instances")) {
              instances = counts;
            } else {
              submitters = counts;
            }
          } else if (a.equals("--handler")) {
            if (!List.of("auto", "c", "java").contains(v)) {
              return usage("--handler takes auto, c or java, not " + v);
            }
            handlerChoice = v;
          } else {
            for (String sec : v.split(",")) {
              if (!BenchmarkRun.SECTIONS.contains(sec)) {
                return usage("unknown section " + sec + "; sections: " + String.join(",", BenchmarkRun.SECTIONS));
              }
              only.add(sec);
            }
          }
          break;
        case "-h":
        case "--help":
          return usage(null);
        default:
          return usage("unknown argument " + a);
      }
    }
    if (instances != null || submitters != null) {
      settings = settings.withMatrix(instances != null ? instances : settings.instanceCounts(),
          submitters != null ? submitters : settings.submitterCounts());
    }
    Path target = targetDir();
    if (json == null) {
      json = target.resolve("benchmark-results.json");
    }
    if (work == null) {
      work = target.resolve("bench-work");
    }
    Report report = new Report();
    try {
      Files.createDirectories(work);
      Handler handler = Handler.prepare(work, handlerChoice);
      new BenchmarkRun(settings, handler, work, report, only, System.err).run();
      report.print(out);
      report.writeJson(json);
      out.println("JSON: " + json.toAbsolutePath());
    } catch (IOException e) {
      System.err.println("benchmarks: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      System.err.println("benchmarks: interrupted");
      return 1;
    }
    for (Row r : report.rows()) {
      if ("not measured".equals(r.measured())) {
        return 2;
      }
    }
    return 0;
  }

  private static int usage(String problem) {
    if (problem != null) {
      System.err.println("benchmarks: " + problem);
    }
    System.err.println("usage: java -jar benchmarks.jar [--smoke] [--json FILE] [--handler auto|c|java]"
        + " [--only " + String.join(",", BenchmarkRun.SECTIONS) + "] [--work DIR] [--instances N,..]"
        + " [--submitters N,..]");
    return problem == null ? 0 : 64;
  }

  /** The module's target directory when run from it (jar or classes), else the working directory. */
  private static Path targetDir() {
    try {
      Path here = Path.of(Benchmarks.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path dir = here.getParent(); // target/classes or target/benchmarks.jar
      if (dir != null && dir.getFileName() != null && dir.getFileName().toString().equals("target")) {
        return dir;
      }
    } catch (URISyntaxException | RuntimeException e) {
      // fall through to the working directory
    }
    return Path.of("target");
  }
}

package dev.taskdaemon.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.HandlerStats;
import dev.taskdaemon.Result;
import dev.taskdaemon.TaskDaemon;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The quick-start example: a small pipeline over two handler types.
 *
 * <ul>
 *   <li>{@code wordcount}: one task per line of the text files in {@code data/texts}; the host adds
 *       the counts up per file and overall.
 *   <li>{@code primes}: the range 0..10,000,000 cut into 200 tasks of 50,000 numbers; the host adds
 *       the counts up to the number of primes below 10<sup>5</sup>, 10<sup>6</sup> and 10<sup>7</sup>.
 *       Every 40th task asks the handler to fail its first attempt, so the run shows retries.
 * </ul>
 *
 * <p>Which programs run the handlers is up to the {@code handlers.toml} given: {@code handlers.toml}
 * runs Java single-file programs as local processes, {@code handlers.docker.toml} runs containers.
 * The answers are the same either way.
 *
 * <pre>
 * usage: QuickStart [handlers.toml] [texts directory]
 * </pre>
 */
public final class QuickStart {
  static final long PRIME_LIMIT = 10_000_000;
  static final int PRIME_TASKS = 200;
  static final int FLAKY_EVERY = 40;
  static final long[] CHECKPOINTS = {100_000, 1_000_000, 10_000_000};

  private QuickStart() {}

  /**
   * Runs the example.
   *
   * @param args the {@code handlers.toml} to use and the directory of text files; both optional
   * @throws IllegalStateException if any task failed (after its retries)
   */
  public static void main(String[] args) throws Exception {
    Path toml = Path.of(args.length > 0 ? args[0] : firstExisting("examples/handlers.toml", "handlers.toml"));
    Path texts = Path.of(args.length > 1 ? args[1] : firstExisting("examples/data/texts", "data/texts"));
    List<Line> lines = readLines(texts);

    long t0 = System.nanoTime();
    Progress progress = new Progress(System.out, System.console() != null);
    TaskDaemon.Builder builder = TaskDaemon.builder().fromToml(toml).listener(progress);
    System.out.println("TaskDaemon quick start");
    System.out.println("  handlers from " + toml);

    List<CompletableFuture<Result>> wordFutures = new ArrayList<>();
    List<CompletableFuture<Result>> primeFutures = new ArrayList<>();
    long submitted;
    long done;
    TaskDaemon daemon = builder.start();
    try {
      Map<String, HandlerSpec> specs = builder.handlers();
      for (String name : daemon.handlers()) {
        HandlerSpec h = specs.get(name);
        System.out.printf(Locale.ROOT, "    %-10s %d x %s%n", name, h.instances(), describe(h));
      }
      System.out.printf(Locale.ROOT, "  started in %.1f s%n%n", seconds(System.nanoTime() - t0));
      long width = PRIME_LIMIT / PRIME_TASKS;
      System.out.printf(Locale.ROOT, "Submitting %d tasks: %d wordcount (one per line of %d files in %s),"
              + " %d primes (ranges of %,d up to %,d)%n",
          lines.size() + PRIME_TASKS, lines.size(), countFiles(lines), texts, PRIME_TASKS, width, PRIME_LIMIT);
      progress.expect(lines.size() + PRIME_TASKS);
      submitted = System.nanoTime();
      for (Line line : lines) {
        wordFutures.add(daemon.submit("wordcount", Map.of("text", line.text)));
      }
      for (int k = 0; k < PRIME_TASKS; k++) {
        Map<String, Object> range = new LinkedHashMap<>();
        range.put("from", k * width);
        range.put("to", (k + 1) * width);
        if (k % FLAKY_EVERY == FLAKY_EVERY - 1) {
          range.put("flaky", true);
        }
        primeFutures.add(daemon.submit("primes", range));
      }
      List<CompletableFuture<Result>> all = new ArrayList<>(wordFutures);
      all.addAll(primeFutures);
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
          .exceptionally(e -> null) // failures are reported per task below
          .get(5, TimeUnit.MINUTES);
      done = System.nanoTime();
      // A future completes just before its taskCompleted event; let the last events arrive.
      progress.awaitCompleted(Duration.ofSeconds(30));
      progress.finish();
    } finally {
      daemon.close();
    }
    long closed = System.nanoTime();
    // Read after close(): every counter is final once the daemon has stopped.
    Map<String, HandlerStats> stats = daemon.stats();

    List<String> failures = new ArrayList<>();
    printWordCounts(lines, wordFutures, failures);
    printPrimes(primeFutures, failures);

    System.out.println();
    System.out.println("Summary");
    long succeeded = stats.values().stream().mapToLong(HandlerStats::succeeded).sum();
    long failed = stats.values().stream().mapToLong(HandlerStats::failed).sum();
    System.out.printf(Locale.ROOT, "  tasks      %d (%d succeeded, %d failed)%n", progress.submitted(), succeeded,
        failed);
    System.out.printf(Locale.ROOT, "  attempts   %d%n", progress.attempts());
    System.out.printf(Locale.ROOT, "  retries    %d%n", progress.retries());
    System.out.printf(Locale.ROOT, "  wall time  %.2f s from first submit to last result; %.2f s in all"
        + " (start, tasks, shutdown)%n", seconds(done - submitted), seconds(closed - t0));
    for (HandlerStats s : stats.values()) {
      System.out.printf(Locale.ROOT, "  %-10s %d succeeded, %d failed, %d retried, %d timed out, %d restarts%n",
          s.handler(), s.succeeded(), s.failed(), s.retried(), s.timedOut(), s.restarts());
    }
    if (!failures.isEmpty()) {
      failures.forEach(f -> System.out.println("  FAILED " + f));
      throw new IllegalStateException(failures.size() + " of " + progress.submitted()
          + " tasks failed; their errors are listed above");
    }
  }

  private static void printWordCounts(List<Line> lines, List<CompletableFuture<Result>> futures,
      List<String> failures) {
    Map<String, Map<String, Long>> perFile = new TreeMap<>();
    Map<String, Long> wordsPerFile = new TreeMap<>();
    Map<String, Long> linesPerFile = new TreeMap<>();
    Map<String, Long> overall = new TreeMap<>();
    for (int i = 0; i < lines.size(); i++) {
      Line line = lines.get(i);
      JsonNode r = outcome("wordcount " + line.file + ":" + line.number, futures.get(i), failures);
      if (r == null) {
        continue;
      }
      linesPerFile.merge(line.file, 1L, Long::sum);
      wordsPerFile.merge(line.file, r.get("words").asLong(), Long::sum);
      Map<String, Long> counts = perFile.computeIfAbsent(line.file, f -> new TreeMap<>());
      for (Map.Entry<String, JsonNode> e : r.get("counts").properties()) {
        counts.merge(e.getKey(), e.getValue().asLong(), Long::sum);
        overall.merge(e.getKey(), e.getValue().asLong(), Long::sum);
      }
    }
    System.out.println();
    System.out.println("Word counts");
    System.out.printf(Locale.ROOT, "  %-16s %6s %8s %9s%n", "file", "lines", "words", "distinct");
    for (String file : perFile.keySet()) {
      System.out.printf(Locale.ROOT, "  %-16s %,6d %,8d %,9d%n", file, linesPerFile.get(file),
          wordsPerFile.get(file), perFile.get(file).size());
    }
    System.out.printf(Locale.ROOT, "  %-16s %,6d %,8d %,9d%n", "all files",
        linesPerFile.values().stream().mapToLong(Long::longValue).sum(),
        wordsPerFile.values().stream().mapToLong(Long::longValue).sum(), overall.size());
    String top = overall.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
            .thenComparing(Map.Entry.comparingByKey()))
        .limit(10)
        .map(e -> e.getKey() + " " + e.getValue())
        .collect(Collectors.joining(", "));
    System.out.println("  most frequent: " + top);
  }

  private static void printPrimes(List<CompletableFuture<Result>> futures, List<String> failures) {
    long[] below = new long[CHECKPOINTS.length];
    long largest = -1;
    boolean complete = true;
    for (CompletableFuture<Result> f : futures) {
      JsonNode r = outcome("primes", f, failures);
      if (r == null) {
        complete = false;
        continue;
      }
      long to = r.get("to").asLong();
      for (int c = 0; c < CHECKPOINTS.length; c++) {
        if (to <= CHECKPOINTS[c]) {
          below[c] += r.get("count").asLong();
        }
      }
      if (!r.get("largest").isNull()) {
        largest = Math.max(largest, r.get("largest").asLong());
      }
    }
    System.out.println();
    System.out.println("Primes" + (complete ? "" : " (INCOMPLETE: some ranges failed)"));
    for (int c = 0; c < CHECKPOINTS.length; c++) {
      System.out.printf(Locale.ROOT, "  below %,10d: %,9d%n", CHECKPOINTS[c], below[c]);
    }
    System.out.printf(Locale.ROOT, "  largest below %,d: %,d%n", PRIME_LIMIT, largest);
  }

  /** The result of a finished task, or null after recording why it failed. */
  private static JsonNode outcome(String what, CompletableFuture<Result> future, List<String> failures) {
    Result r;
    try {
      r = future.join();
    } catch (CompletionException e) {
      failures.add(what + ": " + e.getCause().getMessage());
      return null;
    }
    if (r.isFailure()) {
      failures.add(what + ": " + r.asFailure().message());
      return null;
    }
    return r.json();
  }

  private static String describe(HandlerSpec h) {
    String runtime = h.runtime();
    if (h.image() != null) {
      return runtime + ": image " + h.image() + (h.command() != null ? " " + String.join(" ", h.command()) : "");
    }
    return runtime + ": " + (h.command() == null ? "(no command)" : String.join(" ", h.command()));
  }

  /** One non-blank line of a text file: the unit of a wordcount task. */
  private static final class Line {
    final String file;
    final int number;
    final String text;

    Line(String file, int number, String text) {
      this.file = file;
      this.number = number;
      this.text = text;
    }
  }

  private static List<Line> readLines(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().collect(Collectors.toList());
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no .txt files in " + dir.toAbsolutePath());
    }
    List<Line> lines = new ArrayList<>();
    for (Path f : files) {
      List<String> text = Files.readAllLines(f, StandardCharsets.UTF_8);
      for (int i = 0; i < text.size(); i++) {
        if (!text.get(i).isBlank()) {
          lines.add(new Line(f.getFileName().toString(), i + 1, text.get(i)));
        }
      }
    }
    return lines;
  }

  private static long countFiles(List<Line> lines) {
    return lines.stream().map(l -> l.file).distinct().count();
  }

  private static String firstExisting(String... candidates) {
    for (String c : candidates) {
      if (Files.exists(Path.of(c))) {
        return c;
      }
    }
    throw new UncheckedIOException(new IOException("none of " + List.of(candidates) + " exists in "
        + Path.of("").toAbsolutePath() + "; pass the paths as arguments: QuickStart <handlers.toml> <texts dir>"));
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }
}

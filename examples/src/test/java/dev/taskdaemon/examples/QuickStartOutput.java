package dev.taskdaemon.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Checks what {@link QuickStart} printed against answers worked out here, independently of the
 * handlers: words by splitting on non-letters (the handlers scan character by character), primes
 * by a plain sieve, and the famous values of pi(10^5), pi(10^6) and pi(10^7).
 */
final class QuickStartOutput {
  private static final Pattern FILE_ROW = Pattern.compile("^\\s+(\\S+|all files)\\s+([\\d,]+)\\s+([\\d,]+)\\s+([\\d,]+)$");
  private static final Pattern PRIMES_BELOW = Pattern.compile("^\\s+below\\s+([\\d,]+):\\s+([\\d,]+)$");
  private static final Pattern LARGEST = Pattern.compile("^\\s+largest below ([\\d,]+): ([\\d,]+)$");
  private static final Pattern PROGRESS =
      Pattern.compile("progress: (\\d+)/(\\d+) tasks done \\((\\d+)%\\), (\\d+) failed, (\\d+) retries");
  private static final Pattern TASKS = Pattern.compile("^\\s+tasks\\s+(\\d+) \\((\\d+) succeeded, (\\d+) failed\\)$");
  private static final Pattern ATTEMPTS = Pattern.compile("^\\s+attempts\\s+(\\d+)$");
  private static final Pattern RETRIES = Pattern.compile("^\\s+retries\\s+(\\d+)$");
  private static final Pattern WALL = Pattern.compile("^\\s+wall time\\s+([\\d.]+) s from first submit to last result;"
      + " ([\\d.]+) s in all.*$");
  private static final Pattern HANDLER_ROW = Pattern.compile(
      "^\\s+(wordcount|primes)\\s+(\\d+) succeeded, (\\d+) failed, (\\d+) retried, (\\d+) timed out, (\\d+) restarts$");

  /** The known number of primes below 10^5, 10^6 and 10^7, and the largest prime below 10^7. */
  static final Map<Long, Long> KNOWN_PI = Map.of(100_000L, 9_592L, 1_000_000L, 78_498L, 10_000_000L, 664_579L);
  static final long LARGEST_PRIME_BELOW_10_7 = 9_999_991L;

  /** The wall time the example reported, in seconds, from first submit to last result and overall. */
  double submitToLastResult;
  double total;

  private QuickStartOutput() {}

  /** Asserts every number in {@code stdout}; returns the wall times it reported. */
  static QuickStartOutput check(String stdout, Path texts) throws IOException {
    QuickStartOutput o = new QuickStartOutput();
    List<String> lines = stdout.lines().collect(Collectors.toList());
    Expected exp = Expected.compute(texts);

    assertThat(section(lines, "Word counts")).as("word count rows").isEqualTo(exp.fileRows);
    assertThat(mostFrequent(lines)).as("most frequent words").isEqualTo(exp.top);

    Map<Long, Long> below = new TreeMap<>();
    Long largest = null;
    for (String l : lines) {
      Matcher m = PRIMES_BELOW.matcher(l);
      if (m.matches()) {
        below.put(num(m.group(1)), num(m.group(2)));
      }
      m = LARGEST.matcher(l);
      if (m.matches()) {
        assertThat(num(m.group(1))).isEqualTo(QuickStart.PRIME_LIMIT);
        largest = num(m.group(2));
      }
    }
    assertThat(below).as("primes below each checkpoint").isEqualTo(new TreeMap<>(KNOWN_PI)).isEqualTo(exp.pi);
    assertThat(largest).as("largest prime below 10^7").isEqualTo(LARGEST_PRIME_BELOW_10_7).isEqualTo(exp.largest);

    long tasks = exp.lines + QuickStart.PRIME_TASKS;
    long retries = QuickStart.PRIME_TASKS / QuickStart.FLAKY_EVERY;
    assertThat(one(lines, TASKS)).containsExactly(tasks, tasks, 0L);
    assertThat(one(lines, ATTEMPTS)).containsExactly(tasks + retries);
    assertThat(one(lines, RETRIES)).containsExactly(retries);
    Map<String, List<Long>> perHandler = new TreeMap<>();
    for (String l : lines) {
      Matcher m = HANDLER_ROW.matcher(l);
      if (m.matches()) {
        perHandler.put(m.group(1), List.of(num(m.group(2)), num(m.group(3)), num(m.group(4)), num(m.group(5)),
            num(m.group(6))));
      }
    }
    assertThat(perHandler).as("per-handler summary: succeeded, failed, retried, timed out, restarts")
        .containsEntry("wordcount", List.of((long) exp.lines, 0L, 0L, 0L, 0L))
        .containsEntry("primes", List.of((long) QuickStart.PRIME_TASKS, 0L, retries, 0L, 0L))
        .hasSize(2);

    List<long[]> progress = new ArrayList<>();
    for (String l : lines) {
      Matcher m = PROGRESS.matcher(l);
      while (m.find()) { // a terminal shows several on one line, joined by \r
        progress.add(new long[] {num(m.group(1)), num(m.group(2)), num(m.group(4)), num(m.group(5))});
      }
    }
    assertThat(progress).as("progress lines").isNotEmpty();
    for (int i = 1; i < progress.size(); i++) {
      assertThat(progress.get(i)[0]).as("progress never goes back").isGreaterThanOrEqualTo(progress.get(i - 1)[0]);
    }
    assertThat(progress.get(progress.size() - 1)).as("the last progress line: done, total, failed, retries")
        .containsExactly(tasks, tasks, 0L, retries);

    Matcher wall = null;
    for (String l : lines) {
      Matcher m = WALL.matcher(l);
      if (m.matches()) {
        wall = m;
      }
    }
    assertThat(wall).as("a wall time line").isNotNull();
    o.submitToLastResult = Double.parseDouble(wall.group(1));
    o.total = Double.parseDouble(wall.group(2));
    assertThat(o.submitToLastResult).isPositive().isLessThanOrEqualTo(o.total);
    return o;
  }

  private static long num(String s) {
    return Long.parseLong(s.replace(",", ""));
  }

  private static List<Long> one(List<String> lines, Pattern p) {
    List<List<Long>> found = new ArrayList<>();
    for (String l : lines) {
      Matcher m = p.matcher(l);
      if (m.matches()) {
        List<Long> groups = new ArrayList<>();
        for (int g = 1; g <= m.groupCount(); g++) {
          groups.add(num(m.group(g)));
        }
        found.add(groups);
      }
    }
    assertThat(found).as("lines matching %s", p).hasSize(1);
    return found.get(0);
  }

  /** file -> [lines, words, distinct], from the rows of the word count table. */
  private static Map<String, List<Long>> section(List<String> lines, String title) {
    Map<String, List<Long>> rows = new LinkedHashMap<>();
    int start = lines.indexOf(title);
    assertThat(start).as("a '%s' section", title).isNotNegative();
    for (int i = start + 1; i < lines.size() && !lines.get(i).isBlank(); i++) {
      Matcher m = FILE_ROW.matcher(lines.get(i));
      if (m.matches()) {
        rows.put(m.group(1), List.of(num(m.group(2)), num(m.group(3)), num(m.group(4))));
      }
    }
    return rows;
  }

  private static String mostFrequent(List<String> lines) {
    for (String l : lines) {
      if (l.trim().startsWith("most frequent: ")) {
        return l.trim().substring("most frequent: ".length());
      }
    }
    throw new AssertionError("no 'most frequent:' line");
  }

  /** The answers, computed here. */
  private static final class Expected {
    final Map<String, List<Long>> fileRows = new LinkedHashMap<>();
    String top;
    int lines;
    final Map<Long, Long> pi = new TreeMap<>();
    long largest;

    static Expected compute(Path texts) throws IOException {
      Expected e = new Expected();
      Map<String, Long> overall = new TreeMap<>();
      long allWords = 0;
      List<Path> files;
      try (Stream<Path> s = Files.list(texts)) {
        files = s.filter(p -> p.toString().endsWith(".txt")).sorted().collect(Collectors.toList());
      }
      for (Path f : files) {
        long lineCount = 0;
        long words = 0;
        Map<String, Long> distinct = new TreeMap<>();
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
          if (line.isBlank()) {
            continue;
          }
          lineCount++;
          for (String w : line.split("[^A-Za-z]+")) {
            if (!w.isEmpty()) {
              words++;
              distinct.merge(w.toLowerCase(Locale.ROOT), 1L, Long::sum);
              overall.merge(w.toLowerCase(Locale.ROOT), 1L, Long::sum);
            }
          }
        }
        e.fileRows.put(f.getFileName().toString(), List.of(lineCount, words, (long) distinct.size()));
        e.lines += (int) lineCount;
        allWords += words;
      }
      e.fileRows.put("all files", List.of((long) e.lines, allWords, (long) overall.size()));
      e.top = overall.entrySet().stream()
          .sorted(Comparator.comparing(Map.Entry<String, Long>::getValue).reversed()
              .thenComparing(Map.Entry::getKey))
          .limit(10)
          .map(x -> x.getKey() + " " + x.getValue())
          .collect(Collectors.joining(", "));

      int n = (int) QuickStart.PRIME_LIMIT;
      BitSet composite = new BitSet(n);
      for (int p = 2; (long) p * p < n; p = composite.nextClearBit(p + 1)) {
        for (int m = p * p; m < n; m += p) {
          composite.set(m);
        }
      }
      long count = 0;
      for (int k = 2; k < n; k++) {
        if (!composite.get(k)) {
          count++;
          e.largest = k;
        }
        if (KNOWN_PI.containsKey(k + 1L)) {
          e.pi.put(k + 1L, count);
        }
      }
      return e;
    }
  }
}

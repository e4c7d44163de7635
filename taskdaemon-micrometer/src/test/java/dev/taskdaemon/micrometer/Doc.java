package dev.taskdaemon.micrometer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * docs/metrics.md, read by its {@code <!-- readme-test: NAME -->} markers: the code block or table
 * right after each, so that the tests check the page's own text.
 */
final class Doc {
  private final List<String> lines;

  private Doc(List<String> lines) {
    this.lines = lines;
  }

  static Doc metrics() throws IOException {
    return new Doc(Files.readAllLines(root().resolve("docs/metrics.md"), StandardCharsets.UTF_8));
  }

  /** The repository root: the nearest directory above this module's that holds README.md and docs/. */
  static Path root() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("README.md")) && Files.isDirectory(p.resolve("docs"))) {
        return p;
      }
    }
    throw new IllegalStateException("no README.md with docs/ above " + Path.of("").toAbsolutePath());
  }

  /** The text of the fenced code block after the marker. */
  String code(String marker) {
    int i = after(marker);
    if (!lines.get(i).startsWith("```")) {
      throw new IllegalStateException("docs/metrics.md:" + (i + 1) + ": a ``` block must follow marker " + marker);
    }
    StringBuilder s = new StringBuilder();
    for (int j = i + 1; !lines.get(j).equals("```"); j++) {
      s.append(lines.get(j)).append('\n');
    }
    return s.toString();
  }

  /** The cells of the table rows after the marker, header and separator left out. */
  List<List<String>> table(String marker) {
    int i = after(marker);
    if (!lines.get(i).startsWith("|") || !lines.get(i + 1).startsWith("|---")) {
      throw new IllegalStateException("docs/metrics.md:" + (i + 1) + ": a table must follow marker " + marker);
    }
    List<List<String>> rows = new ArrayList<>();
    for (int j = i + 2; j < lines.size() && lines.get(j).startsWith("|"); j++) {
      List<String> cells = new ArrayList<>();
      String row = lines.get(j);
      for (String cell : row.substring(1, row.length() - 1).split("\\|", -1)) {
        cells.add(cell.trim());
      }
      rows.add(cells);
    }
    return rows;
  }

  private int after(String marker) {
    int at = lines.indexOf("<!-- readme-test: " + marker + " -->");
    if (at < 0) {
      throw new IllegalStateException("docs/metrics.md has no marker <!-- readme-test: " + marker + " -->");
    }
    int i = at + 1;
    while (lines.get(i).isBlank()) {
      i++;
    }
    return i;
  }

  /**
   * The lines of a Java source file between {@code // doc: NAME} and {@code // doc: end}, with their
   * common indentation removed: the code a snippet must equal.
   */
  static String region(Path source, String name) throws IOException {
    List<String> src = Files.readAllLines(source, StandardCharsets.UTF_8);
    int start = -1;
    for (int i = 0; i < src.size(); i++) {
      if (src.get(i).trim().equals("// doc: " + name)) {
        start = i + 1;
      }
    }
    if (start < 0) {
      throw new IllegalStateException(source + " has no line // doc: " + name);
    }
    List<String> region = new ArrayList<>();
    for (int i = start; !src.get(i).trim().equals("// doc: end"); i++) {
      region.add(src.get(i));
    }
    int indent = region.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
        .min().orElse(0);
    StringBuilder s = new StringBuilder();
    for (String l : region) {
      s.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
    }
    return s.toString();
  }
}

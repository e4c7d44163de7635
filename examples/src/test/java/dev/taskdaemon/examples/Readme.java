package dev.taskdaemon.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of README.md that tests check, found by markers: an HTML comment {@code <!-- readme-test:
 * NAME -->} just before a fenced code block or a table. The marker is invisible on GitHub, and it
 * lets the tests take the README's own text, so README and tests cannot drift apart.
 */
final class Readme {
  private static final Pattern MARKER = Pattern.compile("<!-- readme-test: ([^>]+?) -->");

  private final List<String> lines;
  private final Map<String, Integer> markers = new LinkedHashMap<>();

  private Readme(List<String> lines) {
    this.lines = lines;
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = MARKER.matcher(lines.get(i).trim());
      if (m.matches() && markers.put(m.group(1), i) != null) {
        throw new IllegalStateException("README.md:" + (i + 1) + ": marker '" + m.group(1) + "' appears twice");
      }
    }
  }

  static Readme load() {
    try {
      return new Readme(Files.readAllLines(Repo.root().resolve("README.md"), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every marker name, in order. */
  List<String> markers() {
    return new ArrayList<>(markers.keySet());
  }

  /** The fenced code block right after the marker: its language tag and its text. */
  CodeBlock codeBlock(String marker) {
    int i = after(marker);
    String fence = lines.get(i).trim();
    if (!fence.startsWith("```")) {
      throw new IllegalStateException("README.md:" + (i + 1) + ": a ``` code block must follow marker '"
          + marker + "'");
    }
    StringBuilder text = new StringBuilder();
    for (int j = i + 1; j < lines.size(); j++) {
      if (lines.get(j).trim().equals("```")) {
        return new CodeBlock(fence.substring(3).trim(), text.toString(), i + 2);
      }
      text.append(lines.get(j)).append('\n');
    }
    throw new IllegalStateException("README.md:" + (i + 1) + ": code block after '" + marker + "' never ends");
  }

  /** The rows of the table right after the marker (header and separator left out), as cells. */
  List<List<String>> table(String marker) {
    int i = after(marker);
    if (!lines.get(i).startsWith("|") || i + 1 >= lines.size() || !lines.get(i + 1).startsWith("|---")) {
      throw new IllegalStateException("README.md:" + (i + 1) + ": a table must follow marker '" + marker + "'");
    }
    List<List<String>> rows = new ArrayList<>();
    for (int j = i + 2; j < lines.size() && lines.get(j).startsWith("|"); j++) {
      rows.add(cells(lines.get(j)));
    }
    return rows;
  }

  private static List<String> cells(String row) {
    List<String> cells = new ArrayList<>();
    // Split at '|' that is not inside `code`: a cell may show `a | b`.
    StringBuilder cell = new StringBuilder();
    boolean code = false;
    for (int k = 1; k < row.length(); k++) {
      char c = row.charAt(k);
      if (c == '`') {
        code = !code;
      }
      if (c == '|' && !code) {
        cells.add(cell.toString().trim());
        cell.setLength(0);
      } else {
        cell.append(c);
      }
    }
    return cells;
  }

  /** The first line after the marker that is not blank. */
  private int after(String marker) {
    Integer at = markers.get(marker);
    if (at == null) {
      throw new IllegalStateException("README.md has no marker <!-- readme-test: " + marker + " -->");
    }
    for (int i = at + 1; i < lines.size(); i++) {
      if (!lines.get(i).isBlank()) {
        return i;
      }
    }
    throw new IllegalStateException("README.md: nothing follows marker '" + marker + "'");
  }

  /** A fenced code block: the language after the fence, the text, and the README line it starts at. */
  static final class CodeBlock {
    final String language;
    final String text;
    final int line;

    CodeBlock(String language, String text, int line) {
      this.language = language;
      this.text = text;
      this.line = line;
    }
  }
}

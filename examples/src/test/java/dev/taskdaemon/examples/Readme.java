package dev.taskdaemon.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The parts of the documentation that tests check — README.md and every page of {@code docs/} —
 * found by markers: an HTML comment {@code <!-- readme-test: NAME -->} just before a fenced code
 * block or a table. The marker is invisible on GitHub, and it lets the tests take the documents' own
 * text, so documents and tests cannot drift apart. A marker names one place in all the documents
 * together, so a snippet can move from README.md to a page of {@code docs/} without its test changing.
 */
final class Readme {
  private static final Pattern MARKER = Pattern.compile("<!-- readme-test: ([^>]+?) -->");

  /** The documents, each as its lines, under their paths relative to the repository root. */
  private final Map<String, List<String>> documents;
  private final Map<String, Place> markers = new LinkedHashMap<>();

  private Readme(Map<String, List<String>> documents) {
    this.documents = documents;
    documents.forEach((file, lines) -> {
      for (int i = 0; i < lines.size(); i++) {
        Matcher m = MARKER.matcher(lines.get(i).trim());
        if (m.matches()) {
          Place earlier = markers.put(m.group(1), new Place(file, lines, i));
          if (earlier != null) {
            throw new IllegalStateException(file + ":" + (i + 1) + ": marker '" + m.group(1)
                + "' appears twice (also at " + earlier.where(earlier.index) + ")");
          }
        }
      }
    });
  }

  static Readme load() {
    try {
      Map<String, List<String>> documents = new LinkedHashMap<>();
      for (Path file : documentFiles()) {
        documents.put(Repo.root().relativize(file).toString().replace('\\', '/'),
            Files.readAllLines(file, StandardCharsets.UTF_8));
      }
      return new Readme(documents);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** README.md, then the Markdown pages of {@code docs/} in name order. */
  static List<Path> documentFiles() throws IOException {
    List<Path> files = new ArrayList<>();
    files.add(Repo.root().resolve("README.md"));
    try (Stream<Path> docs = Files.list(Repo.root().resolve("docs"))) {
      docs.filter(f -> f.getFileName().toString().endsWith(".md")).sorted().forEach(files::add);
    }
    return files;
  }

  /** The text of every document, by its path relative to the repository root. */
  Map<String, String> documents() {
    Map<String, String> texts = new LinkedHashMap<>();
    documents.forEach((file, lines) -> texts.put(file, String.join("\n", lines) + "\n"));
    return texts;
  }

  /** Every marker name, in order. */
  List<String> markers() {
    return new ArrayList<>(markers.keySet());
  }

  /** The fenced code block right after the marker: its language tag and its text. */
  CodeBlock codeBlock(String marker) {
    Place place = markers.get(marker);
    int i = after(marker);
    List<String> lines = place.lines;
    String fence = lines.get(i).trim();
    if (!fence.startsWith("```")) {
      throw new IllegalStateException(place.where(i) + ": a ``` code block must follow marker '" + marker + "'");
    }
    StringBuilder text = new StringBuilder();
    for (int j = i + 1; j < lines.size(); j++) {
      if (lines.get(j).trim().equals("```")) {
        return new CodeBlock(fence.substring(3).trim(), text.toString(), place.file, i + 2);
      }
      text.append(lines.get(j)).append('\n');
    }
    throw new IllegalStateException(place.where(i) + ": code block after '" + marker + "' never ends");
  }

  /** The rows of the table right after the marker (header and separator left out), as cells. */
  List<List<String>> table(String marker) {
    Place place = markers.get(marker);
    int i = after(marker);
    List<String> lines = place.lines;
    if (!lines.get(i).startsWith("|") || i + 1 >= lines.size() || !lines.get(i + 1).startsWith("|---")) {
      throw new IllegalStateException(place.where(i) + ": a table must follow marker '" + marker + "'");
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
    Place at = markers.get(marker);
    if (at == null) {
      throw new IllegalStateException("neither README.md nor docs/*.md has a marker <!-- readme-test: " + marker
          + " -->");
    }
    for (int i = at.index + 1; i < at.lines.size(); i++) {
      if (!at.lines.get(i).isBlank()) {
        return i;
      }
    }
    throw new IllegalStateException(at.where(at.index) + ": nothing follows marker '" + marker + "'");
  }

  /** Where a marker is: its document, that document's lines, and the marker's line index. */
  private static final class Place {
    final String file;
    final List<String> lines;
    final int index;

    Place(String file, List<String> lines, int index) {
      this.file = file;
      this.lines = lines;
      this.index = index;
    }

    String where(int lineIndex) {
      return file + ":" + (lineIndex + 1);
    }
  }

  /**
   * A fenced code block: the language after the fence, the text, the document it is in (a path
   * relative to the repository root) and the line it starts at.
   */
  static final class CodeBlock {
    final String language;
    final String text;
    final String file;
    final int line;

    CodeBlock(String language, String text, String file, int line) {
      this.language = language;
      this.text = text;
      this.file = file;
      this.line = line;
    }

    /** {@code file:line}, for messages. */
    String where() {
      return file + ":" + line;
    }
  }
}

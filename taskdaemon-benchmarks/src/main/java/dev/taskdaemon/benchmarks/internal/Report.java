package dev.taskdaemon.benchmarks.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The rows of one run, printed as tables and written as JSON. */
public final class Report {
  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  // Planned rows come first, as placeholders, so that a section that fails half-way still leaves
  // every one of its rows in the table, marked as not measured and why.
  private final Map<String, Row> byId = new LinkedHashMap<>();
  private final Set<String> pending = new LinkedHashSet<>();
  private final Map<String, Object> info = new LinkedHashMap<>();

  /** Reserves a row's place; it stays "not measured" unless {@link #add} fills it. */
  public synchronized void plan(String id, String section, String what, Row.Target target) {
    if (!byId.containsKey(id)) {
      byId.put(id, Row.notMeasured(id, section, what, target, "not reached"));
      pending.add(id);
    }
  }

  /** Adds a row, or fills the place {@link #plan} reserved for its id. */
  public synchronized void add(Row row) {
    byId.put(row.id(), row);
    pending.remove(row.id());
  }

  /** Marks every planned row of {@code section} that is still unfilled as not measured, for {@code why}. */
  public synchronized void notMeasured(String section, String why) {
    for (String id : List.copyOf(pending)) {
      Row r = byId.get(id);
      if (r.section().equals(section)) {
        byId.put(id, Row.notMeasured(id, section, r.what(), r.target(), why));
        pending.remove(id);
      }
    }
  }

  /** The row with this id, or {@code null}. */
  public synchronized Row row(String id) {
    return byId.get(id);
  }

  /** Records a fact about the run (machine, handler, mode) for the JSON file and the header. */
  public synchronized void info(String key, Object value) {
    info.put(key, value);
  }

  /** The rows so far, in the order they were measured. */
  public synchronized List<Row> rows() {
    return List.copyOf(byId.values());
  }

  /** The facts recorded so far. */
  public synchronized Map<String, Object> info() {
    return new LinkedHashMap<>(info);
  }

  /** Prints every section as a table, then the target rows again as the summary. */
  public synchronized void print(PrintStream out) {
    List<Row> rows = rows();
    out.println();
    out.println("TaskDaemon benchmarks: " + info.get("mode") + " run, " + info.get("started"));
    for (Map.Entry<String, Object> e : info.entrySet()) {
      if (!e.getKey().equals("mode") && !e.getKey().equals("started")) {
        out.println("  " + e.getKey() + ": " + e.getValue());
      }
    }
    List<String> sections = new ArrayList<>();
    for (Row r : rows) {
      if (!sections.contains(r.section())) {
        sections.add(r.section());
      }
    }
    for (String s : sections) {
      List<Row> in = new ArrayList<>();
      for (Row r : rows) {
        if (r.section().equals(s) && r.target() == null) {
          in.add(r);
        }
      }
      if (in.isEmpty()) {
        continue;
      }
      out.println();
      out.println("== " + s);
      table(out, in);
    }
    List<Row> targets = new ArrayList<>();
    for (Row r : rows) {
      if (r.target() != null) {
        targets.add(r);
      }
    }
    out.println();
    out.println("== Targets (issues 7, 14, 15)");
    table(out, targets);
    List<Row> noted = new ArrayList<>();
    for (Row r : rows) {
      if (r.note() != null) {
        noted.add(r);
      }
    }
    if (!noted.isEmpty()) {
      out.println();
      out.println("Notes:");
      for (Row r : noted) {
        out.println("  " + r.id() + ": " + r.note());
      }
    }
    out.println();
  }

  private static void table(PrintStream out, List<Row> rows) {
    String[] head = {"id", "what", "baseline", "measured", "ratio", "target", "result"};
    List<String[]> lines = new ArrayList<>();
    lines.add(head);
    for (Row r : rows) {
      lines.add(new String[] {r.id(), r.what(), r.baseline(), r.measured(),
          r.ratio() == null ? "—" : number(r.ratio()), r.target() == null ? "—" : r.target().toString(), r.verdict()});
    }
    int[] w = new int[head.length];
    for (String[] l : lines) {
      for (int i = 0; i < l.length; i++) {
        w[i] = Math.max(w[i], l[i].length());
      }
    }
    for (int n = 0; n < lines.size(); n++) {
      StringBuilder sb = new StringBuilder("| ");
      for (int i = 0; i < head.length; i++) {
        String cell = lines.get(n)[i];
        sb.append(cell).append(" ".repeat(w[i] - cell.length())).append(" | ");
      }
      out.println(sb.toString().stripTrailing());
      if (n == 0) {
        StringBuilder sep = new StringBuilder("|");
        for (int x : w) {
          sep.append("-".repeat(x + 2)).append("|");
        }
        out.println(sep);
      }
    }
  }

  /** Writes the run as JSON: the facts, then every row with its raw figures. */
  public synchronized void writeJson(Path file) throws IOException {
    ObjectNode root = MAPPER.createObjectNode();
    root.set("info", MAPPER.valueToTree(info));
    ArrayNode arr = root.putArray("rows");
    for (Row r : rows()) {
      ObjectNode o = arr.addObject();
      o.put("id", r.id());
      o.put("section", r.section());
      o.put("what", r.what());
      o.put("baseline", r.baseline());
      o.put("measured", r.measured());
      if (r.ratio() == null) {
        o.putNull("ratio");
      } else {
        o.put("ratio", r.ratio());
      }
      if (r.target() == null) {
        o.putNull("target");
        o.putNull("target_met");
      } else {
        o.put("target", r.target().toString());
        if (r.ratio() == null) {
          o.putNull("target_met");
        } else {
          o.put("target_met", r.target().met(r.ratio()));
        }
      }
      if (r.note() == null) {
        o.putNull("note");
      } else {
        o.put("note", r.note());
      }
      o.set("figures", MAPPER.valueToTree(r.figures()));
    }
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    MAPPER.writeValue(file.toFile(), root);
  }

  /** A number with a sensible number of digits for a table. */
  public static String number(double v) {
    double a = Math.abs(v);
    if (a >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (a >= 100) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (a >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    if (a >= 0.01 || a == 0) {
      return String.format(Locale.ROOT, "%.2f", v);
    }
    // Two significant digits, so a ratio like per-task ÷ warm does not print as 0.00.
    return new BigDecimal(v).round(new MathContext(2)).toPlainString();
  }
}

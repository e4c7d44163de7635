package dev.taskdaemon.internal;

import dev.taskdaemon.Backoff;
import dev.taskdaemon.HandlerSelection;
import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.TaskDaemon;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * Reads {@code handlers.toml} into a {@link TaskDaemon.Builder}, through the builder's own setters.
 * Collects every problem rather than stopping at the first; each names {@code file:line:column},
 * the dotted key, the bad value and what was expected.
 */
public final class TomlLoader {
  private final String source;
  private final Path baseDir;
  private final List<String> problems;

  private TomlLoader(String source, Path baseDir, List<String> problems) {
    this.source = source;
    this.baseDir = baseDir;
    this.problems = problems;
  }

  public static void load(Path file, TaskDaemon.Builder builder, List<String> problems) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      problems.add(file + ": no such file (the handlers.toml to load; check the path, relative to "
          + Path.of("").toAbsolutePath() + ")");
      return;
    } catch (IOException e) {
      problems.add(file + ": cannot read: " + e);
      return;
    }
    Path dir = file.toAbsolutePath().getParent();
    load(text, file.toString(), dir, builder, problems);
  }

  public static void load(String text, String source, Path baseDir, TaskDaemon.Builder builder,
      List<String> problems) {
    TomlParseResult toml = Toml.parse(text);
    TomlLoader loader = new TomlLoader(source, baseDir, problems);
    if (toml.hasErrors()) {
      for (TomlParseError e : toml.errors()) {
        problems.add(loader.at(e.position()) + "invalid TOML: " + stripPosition(e.getMessage()));
      }
      return;
    }
    loader.read(toml, builder);
  }

  private static String stripPosition(String msg) {
    return msg == null ? "" : msg.replaceAll("\\s*\\(line \\d+, column \\d+\\)$", "");
  }

  private String at(TomlPosition p) {
    return p == null ? source + ": " : source + ":" + p.line() + ":" + p.column() + ": ";
  }

  private String at(TomlTable table, String key) {
    return at(table.inputPositionOf(List.of(key)));
  }

  private void read(TomlTable root, TaskDaemon.Builder builder) {
    for (String key : root.keySet()) {
      if (!ConfigKeys.TOP.contains(key)) {
        problems.add(at(root, key) + key + ": " + ConfigKeys.unknownKey(key, ConfigKeys.TOP)
            + " (handlers go in [handlers.NAME] tables, daemon-wide settings in [daemon])");
      } else if (!root.isTable(List.of(key))) {
        problems.add(at(root, key) + key + " = " + render(root.get(List.of(key))) + ": expected a table");
      }
    }
    if (root.isTable(List.of("daemon"))) {
      readDaemon(root.getTable(List.of("daemon")), builder);
    }
    if (root.isTable(List.of("handlers"))) {
      TomlTable handlers = root.getTable(List.of("handlers"));
      for (String name : handlers.keySet()) {
        String dotted = "handlers." + name;
        if (!handlers.isTable(List.of(name))) {
          problems.add(at(handlers, name) + dotted + " = " + render(handlers.get(List.of(name)))
              + ": expected a table [handlers." + name + "] with image or command");
          continue;
        }
        HandlerSpec.Builder hb;
        try {
          hb = HandlerSpec.builder(name);
        } catch (InvalidValueException e) {
          problems.add(at(handlers, name) + dotted + ": bad handler name: expected " + e.expected());
          continue;
        }
        hb.origin("", at(handlers, name).replaceAll(": $", ""));
        hb.baseDir(baseDir);
        readHandler(handlers.getTable(List.of(name)), dotted, hb, builder.retryBackoff());
        builder.handler(hb.build());
      }
    }
  }

  private void readDaemon(TomlTable t, TaskDaemon.Builder b) {
    Backoff[] backoff = {b.retryBackoff()};
    for (String key : t.keySet()) {
      Object v = t.get(List.of(key));
      String where = at(t, key);
      String dotted = "daemon." + key;
      apply(where, dotted, v, () -> {
        switch (key) {
          case "name":
            b.name(string(v, "a name such as \"images\""));
            break;
          case "task_timeout":
            b.taskTimeout(seconds(v));
            break;
          case "max_retries":
            b.maxRetries(integer(v, "an integer from 0 to 1000"));
            break;
          case "task_selection":
            b.taskSelection(order(v));
            break;
          case "queue_capacity":
            b.queueCapacity(integer(v, "a positive integer"));
            break;
          case "retry_backoff":
          case "retry_backoff_max":
          case "retry_backoff_multiplier":
          case "retry_jitter":
            backoff[0] = backoffPart(backoff[0], key, v);
            b.retryBackoff(backoff[0]);
            break;
          case "drain_timeout":
            b.drainTimeout(seconds(v));
            break;
          case "stop_grace":
            b.stopGrace(seconds(v));
            break;
          case "max_line_bytes":
            b.maxLineBytes(integer(v, "an integer of at least 1024"));
            break;
          default:
            throw new UnknownKey(ConfigKeys.unknownKey(key, ConfigKeys.DAEMON));
        }
      });
    }
  }

  private void readHandler(TomlTable t, String prefix, HandlerSpec.Builder h, Backoff daemonBackoff) {
    Backoff[] backoff = {null};
    for (String key : t.keySet()) {
      Object v = t.get(List.of(key));
      String where = at(t, key);
      h.origin(key, where.replaceAll(": $", ""));
      String dotted = prefix + "." + key;
      apply(where, dotted, v, () -> {
        switch (key) {
          case "image":
            h.image(string(v, "an image reference such as \"myorg/resize:1.2\""));
            break;
          case "instances":
            h.instances(integer(v, "an integer from 1 to 100000"));
            break;
          case "timeout":
            h.timeout(seconds(v));
            break;
          case "handler_selection": {
            String s = string(v, "\"round-robin\", \"first-available\" or \"random\"");
            HandlerSelection sel = HandlerSelection.named(s);
            if (sel == null) {
              throw new InvalidValueException(key, s, "\"round-robin\", \"first-available\" or \"random\"");
            }
            h.selection(sel);
            break;
          }
          case "memory_limit":
            h.memoryLimit(v instanceof Long l ? String.valueOf(l)
                : string(v, "a size such as \"512m\" or \"2g\" (a number with an optional b, k, m or g suffix)"));
            break;
          case "env":
            readEnv(v, dotted, where, h);
            break;
          case "runtime":
            h.runtime(string(v, "a runtime name such as \"process\" or \"docker\""));
            break;
          case "command":
            h.command(strings(v));
            break;
          case "workdir": {
            String s = string(v, "a directory path");
            Path p = Path.of(s);
            // For the process runtime a relative workdir is taken from the TOML file's directory;
            // for containers it is a path inside the container and is kept as written.
            h.workdir(baseDir != null && !p.isAbsolute() && !isContainerRuntime(t) ? baseDir.resolve(p).normalize() : p);
            break;
          }
          case "max_retries":
            h.maxRetries(integer(v, "an integer from 0 to 1000"));
            break;
          case "queue_capacity":
            h.queueCapacity(integer(v, "a positive integer"));
            break;
          case "task_selection":
            h.queueOrder(order(v));
            break;
          case "retry_backoff":
          case "retry_backoff_max":
          case "retry_backoff_multiplier":
          case "retry_jitter":
            backoff[0] = backoffPart(backoff[0] != null ? backoff[0] : daemonBackoff, key, v);
            h.retryBackoff(backoff[0]);
            break;
          case "retry_on_timeout":
            h.retryOnTimeout(bool(v));
            break;
          case "retry_on_crash":
            h.retryOnCrash(bool(v));
            break;
          case "max_line_bytes":
            h.maxLineBytes(integer(v, "an integer of at least 1024"));
            break;
          case "stop_grace":
            h.stopGrace(seconds(v));
            break;
          default:
            // Runtime-specific (e.g. docker's cpus); the runtime checks it at start().
            h.option(key, plain(v));
        }
      });
    }
  }

  private static boolean isContainerRuntime(TomlTable t) {
    Object rt = t.get(List.of("runtime"));
    if (rt instanceof String s) {
      return !"process".equals(s);
    }
    return t.get(List.of("image")) != null;
  }

  /** A key that is not known; the message is the whole explanation. */
  private static final class UnknownKey extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnknownKey(String message) {
      super(message, null, false, false);
    }
  }

  private void apply(String where, String dotted, Object value, Runnable r) {
    try {
      r.run();
    } catch (UnknownKey e) {
      problems.add(where + dotted + ": " + e.getMessage());
    } catch (InvalidValueException e) {
      problems.add(where + dotted + " = " + render(value) + ": expected " + e.expected());
    } catch (IllegalArgumentException e) {
      problems.add(where + dotted + " = " + render(value) + ": " + e.getMessage());
    }
  }

  private static Backoff backoffPart(Backoff base, String key, Object v) {
    switch (key) {
      case "retry_backoff": {
        Duration d = seconds(v, true);
        return new Backoff(d, base.max().compareTo(d) < 0 ? d : base.max(), base.multiplier(), base.jitter());
      }
      case "retry_backoff_max": {
        Duration d = seconds(v, true);
        if (d.compareTo(base.initial()) < 0) {
          throw new InvalidValueException(key, v, "a number of seconds not less than retry_backoff ("
              + Engine.seconds(base.initial()) + ")");
        }
        return new Backoff(base.initial(), d, base.multiplier(), base.jitter());
      }
      case "retry_backoff_multiplier": {
        double m = number(v, "a number of at least 1");
        if (!(m >= 1.0) || Double.isInfinite(m)) {
          throw new InvalidValueException(key, v, "a number of at least 1");
        }
        return new Backoff(base.initial(), base.max(), m, base.jitter());
      }
      default: {
        double j = number(v, "a fraction from 0 to 1");
        if (!(j >= 0 && j <= 1)) {
          throw new InvalidValueException(key, v, "a fraction from 0 to 1");
        }
        return new Backoff(base.initial(), base.max(), base.multiplier(), j);
      }
    }
  }

  private static String string(Object v, String expected) {
    if (v instanceof String s) {
      return s;
    }
    throw new InvalidValueException("", v, expected);
  }

  private static int integer(Object v, String expected) {
    if (v instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
      return (int) (long) l;
    }
    throw new InvalidValueException("", v, expected);
  }

  private static double number(Object v, String expected) {
    if (v instanceof Long l) {
      return l;
    }
    if (v instanceof Double d) {
      return d;
    }
    throw new InvalidValueException("", v, expected);
  }

  private static boolean bool(Object v) {
    if (v instanceof Boolean b) {
      return b;
    }
    throw new InvalidValueException("", v, "true or false");
  }

  private static Duration seconds(Object v) {
    return seconds(v, false);
  }

  private static Duration seconds(Object v, boolean zeroOk) {
    String expected = zeroOk ? "a number of seconds, 0 or more" : "a positive number of seconds";
    double s = number(v, expected);
    if (Double.isNaN(s) || s < 0 || (!zeroOk && s == 0) || s > 365 * 86400.0) {
      throw new InvalidValueException("", v, expected);
    }
    return Duration.ofNanos(Math.round(s * 1e9));
  }

  private static QueueOrder order(Object v) {
    String expected = "\"fifo\", \"lifo\" or \"priority\"";
    QueueOrder o = QueueOrder.fromConfigName(string(v, expected));
    if (o == null) {
      throw new InvalidValueException("", v, expected);
    }
    return o;
  }

  private static List<String> strings(Object v) {
    String expected = "an array of strings, program first, such as [\"java\", \"handlers/Echo.java\"]";
    if (!(v instanceof TomlArray a) || a.isEmpty()) {
      throw new InvalidValueException("", v, expected);
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      if (!(a.get(i) instanceof String s)) {
        throw new InvalidValueException("", v, expected);
      }
      out.add(s);
    }
    return out;
  }

  private void readEnv(Object v, String dotted, String where, HandlerSpec.Builder h) {
    if (!(v instanceof TomlTable t)) {
      throw new InvalidValueException("", v, "a table of names to strings, such as { LOG_LEVEL = \"debug\" }");
    }
    for (String k : t.keySet()) {
      Object x = t.get(List.of(k));
      String entry = dotted + "." + (k.matches("[A-Za-z0-9_]+") ? k : "\"" + k + "\"");
      apply(where, entry, x, () -> {
        if (!(x instanceof String || x instanceof Long || x instanceof Double || x instanceof Boolean)) {
          throw new InvalidValueException("", x, "a string");
        }
        try {
          h.env(k, String.valueOf(x));
        } catch (InvalidValueException e) {
          throw new UnknownKey("not a valid environment variable name; use letters, digits and '_',"
              + " not starting with a digit");
        }
      });
    }
  }

  /** TOML values as plain Java: tables to maps, arrays to lists. */
  static Object plain(Object v) {
    if (v instanceof TomlTable t) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (String k : t.keySet()) {
        m.put(k, plain(t.get(List.of(k))));
      }
      return m;
    }
    if (v instanceof TomlArray a) {
      List<Object> l = new ArrayList<>();
      for (int i = 0; i < a.size(); i++) {
        l.add(plain(a.get(i)));
      }
      return l;
    }
    return v;
  }

  static String render(Object v) {
    return Json.render(plain(v));
  }
}

package dev.taskdaemon.internal.config;

import dev.taskdaemon.Backoff;
import dev.taskdaemon.HandlerSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tomlj.Toml;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * A {@code handlers.toml} as a {@link ConfigSource}: its {@code [daemon]} table sets daemon-wide keys,
 * each {@code [handlers.NAME]} table defines a handler. Every problem is collected rather than
 * stopping at the first; each names {@code file:line:column}, the dotted key, the bad value and what
 * was expected, in the words of the key's {@link Kind}.
 */
public final class TomlSource implements ConfigSource {
  private final Path file;
  private final String text;
  private final String source;
  private final Path baseDir;
  private final List<String> problems = new ArrayList<>();
  private TomlText toml;

  private TomlSource(Path file, String text, String source, Path baseDir) {
    this.file = file;
    this.text = text;
    this.source = source;
    this.baseDir = baseDir;
  }

  /** A file; relative paths in it ({@code command}'s working directory, {@code workdir}) are taken from its directory. */
  public static TomlSource file(Path file) {
    return new TomlSource(file, null, file.toString(), file.toAbsolutePath().getParent());
  }

  /** TOML text; {@code source} names it in messages; {@code baseDir} may be null. */
  public static TomlSource text(String text, String source, Path baseDir) {
    return new TomlSource(null, text, source, baseDir);
  }

  @Override
  public DaemonConfig applyTo(DaemonConfig config) {
    problems.clear();
    DaemonConfig c = config;
    toml = read();
    if (toml != null) {
      TomlParseResult parsed = parse(toml.text);
      if (parsed != null) {
        c = read(parsed, c);
      }
    }
    return c.withProblems(problems);
  }

  private TomlText read() {
    TomlText t;
    if (file != null) {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(file);
      } catch (NoSuchFileException e) {
        problems.add(file + ": no such file (the handlers.toml to load; check the path, relative to "
            + Path.of("").toAbsolutePath() + ")");
        return null;
      } catch (IOException e) {
        problems.add(file + ": cannot read: " + e);
        return null;
      }
      t = TomlText.decode(bytes);
    } else {
      t = TomlText.scan(text);
    }
    if (t.problem != null) {
      problems.add(source + ":" + t.problem);
      return null;
    }
    return t;
  }

  private TomlParseResult parse(String s) {
    TomlParseResult parsed;
    try {
      parsed = Toml.parse(s);
    } catch (StackOverflowError e) {
      // TomlText keeps nesting far below this; a parser that still recurses too deep must not take the
      // host down with it.
      problems.add(source + ": the TOML parser ran out of stack on this file; simplify deeply nested values");
      return null;
    }
    if (parsed.hasErrors()) {
      for (TomlParseError e : parsed.errors()) {
        problems.add(at(e.position()) + "invalid TOML: " + stripPosition(e.getMessage()));
      }
      return null;
    }
    return parsed;
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

  private static String position(String where) {
    return where.substring(0, where.length() - 2);
  }

  private DaemonConfig read(TomlTable root, DaemonConfig config) {
    DaemonConfig c = config;
    for (String key : root.keySet()) {
      if (!Keys.TOP.contains(key)) {
        problems.add(at(root, key) + Render.key(key) + ": " + Keys.unknownKey(key, Keys.TOP)
            + " (handlers go in [handlers.NAME] tables, daemon-wide settings in [daemon])");
      } else if (!root.isTable(List.of(key))) {
        problems.add(at(root, key) + key + " = " + Render.value(value(root, key)) + ": expected a table");
      }
    }
    if (root.isTable(List.of("daemon"))) {
      c = readDaemon(root.getTable(List.of("daemon")), c);
    }
    if (root.isTable(List.of("handlers"))) {
      TomlTable handlers = root.getTable(List.of("handlers"));
      for (String name : handlers.keySet()) {
        c = readHandler(handlers, name, c);
      }
    }
    return c;
  }

  private DaemonConfig readDaemon(TomlTable t, DaemonConfig config) {
    DaemonConfig c = config;
    Parts backoff = new Parts("daemon");
    for (String key : t.keySet()) {
      Object v = value(t, key);
      String where = at(t, key);
      String dotted = "daemon." + Render.key(key);
      Key<?> k = Keys.daemon(key);
      if (k == null) {
        problems.add(where + dotted + ": " + Keys.unknownKey(key, Keys.DAEMON_KEYS));
        continue;
      }
      try {
        Object converted = k.fromToml(v);
        if (backoff.accepts(k)) {
          backoff.put(k, converted, v, where);
        } else if (k == Keys.STORE_PATH && baseDir != null && !Path.of((String) converted).isAbsolute()) {
          c = set(c, k, baseDir.resolve((String) converted).normalize().toString());
        } else {
          c = set(c, k, converted);
        }
      } catch (IllegalArgumentException e) {
        refused(where, dotted, v, e);
      }
    }
    Backoff b = backoff.combine(c.retryBackoff());
    return b != null ? c.withRetryBackoff(b) : c;
  }

  @SuppressWarnings("unchecked")
  private static <T> DaemonConfig set(DaemonConfig c, Key<T> k, Object value) {
    return c.with(k, (T) value);
  }

  @SuppressWarnings("unchecked")
  private static <T> void apply(Key<T> k, HandlerSpec.Builder b, Object value) {
    k.toHandler.accept(b, (T) value);
  }

  private DaemonConfig readHandler(TomlTable handlers, String name, DaemonConfig c) {
    String dotted = "handlers." + Render.key(name);
    String tableAt = at(handlers, name);
    if (!handlers.isTable(List.of(name))) {
      problems.add(tableAt + dotted + " = " + Render.value(value(handlers, name))
          + ": expected a table [" + dotted + "] with image or command");
      return c;
    }
    HandlerSpec.Builder h;
    try {
      h = HandlerSpec.builder(name);
    } catch (InvalidValueException e) {
      problems.add(tableAt + dotted + ": bad handler name: expected " + e.expected());
      return c;
    }
    h.baseDir(baseDir);
    TomlTable t = handlers.getTable(List.of(name));
    Map<String, String> origins = new LinkedHashMap<>();
    Set<String> refused = new LinkedHashSet<>();
    origins.put("", position(tableAt));
    Parts backoff = new Parts(dotted);
    for (String key : t.keySet()) {
      Object v = value(t, key);
      String where = at(t, key);
      origins.put(key, position(where));
      String keyDotted = dotted + "." + Render.key(key);
      Key<?> k = Keys.handler(key);
      try {
        if (k == null) {
          // Runtime-specific (e.g. docker's cpus); the runtime checks it at start().
          h.option(key, v);
        } else if (k == Keys.ENV) {
          readEnv(v, keyDotted, where, h, refused);
        } else if (k == Keys.WORKDIR) {
          Path p = Path.of(Keys.WORKDIR.fromToml(v));
          // For local processes a relative workdir is taken from the TOML file's directory; for
          // containers it is a path inside the container and is kept as written.
          h.workdir(baseDir != null && !p.isAbsolute() && !isContainerRuntime(t) ? baseDir.resolve(p).normalize() : p);
        } else if (backoff.accepts(k)) {
          backoff.put(k, k.fromToml(v), v, where);
        } else {
          apply(k, h, k.fromToml(v));
        }
      } catch (IllegalArgumentException e) {
        refused.add(key);
        refused(where, keyDotted, v, e);
      }
    }
    if (backoff.any()) {
      Backoff b = backoff.combine(c.retryBackoff());
      if (b != null) {
        h.retryBackoff(b);
      } else {
        refused.addAll(backoff.keys());
      }
    }
    return c.withHandler(h.build(), origins, refused);
  }

  private void refused(String where, String dotted, Object v, IllegalArgumentException e) {
    if (e instanceof InvalidValueException ive) {
      problems.add(where + dotted + " = " + Render.value(v) + ": expected " + ive.expected());
    } else {
      problems.add(where + dotted + " = " + Render.value(v) + ": " + e.getMessage());
    }
  }

  private static boolean isContainerRuntime(TomlTable t) {
    Object rt = t.get(List.of("runtime"));
    if (rt instanceof String s) {
      return !"process".equals(s);
    }
    return t.get(List.of("image")) != null;
  }

  private void readEnv(Object v, String dotted, String where, HandlerSpec.Builder h, Set<String> refused) {
    if (!(v instanceof Map<?, ?> m)) {
      throw new InvalidValueException("", v, Env.TABLE);
    }
    for (Map.Entry<?, ?> e : m.entrySet()) {
      String k = String.valueOf(e.getKey());
      Object x = e.getValue();
      String entry = dotted + "." + (k.matches("[A-Za-z0-9_]+") ? Render.key(k) : Render.value(k));
      try {
        Env.checkName(k);
      } catch (InvalidValueException ex) {
        refused.add("env");
        problems.add(where + entry + ": not a valid environment variable name; use letters, digits and '_',"
            + " not starting with a digit");
        continue;
      }
      try {
        h.env(k, Env.value(x));
      } catch (InvalidValueException ex) {
        refused.add("env");
        problems.add(where + entry + " = " + Render.value(x) + ": expected " + ex.expected());
      }
    }
  }

  /** A TOML value as plain Java (tables to maps, arrays to lists), long strings restored. */
  private Object value(TomlTable t, String key) {
    return Render.plain(t.get(List.of(key)), toml::restore);
  }

  /**
   * The retry back-off keys of one table, combined with the inherited back-off once the whole table is
   * read, so that {@code retry_backoff_max} below {@code retry_backoff} is an error whichever comes
   * first, and neither is ever raised to fit the other.
   */
  private final class Parts {
    private final String prefix;
    private final Map<Key<?>, Object> values = new LinkedHashMap<>();
    private final Map<Key<?>, Object> raw = new LinkedHashMap<>();
    private final Map<Key<?>, String> where = new LinkedHashMap<>();

    Parts(String prefix) {
      this.prefix = prefix;
    }

    boolean accepts(Key<?> k) {
      return k == Keys.RETRY_BACKOFF || k == Keys.RETRY_BACKOFF_MAX || k == Keys.RETRY_BACKOFF_MULTIPLIER
          || k == Keys.RETRY_JITTER;
    }

    void put(Key<?> k, Object value, Object rawValue, String at) {
      values.put(k, value);
      raw.put(k, rawValue);
      where.put(k, at);
    }

    boolean any() {
      return !values.isEmpty();
    }

    List<String> keys() {
      List<String> out = new ArrayList<>();
      values.keySet().forEach(k -> out.add(k.name()));
      return out;
    }

    /** The combined back-off, or null after reporting why there is none. */
    Backoff combine(Backoff base) {
      if (values.isEmpty()) {
        return null;
      }
      Duration initial = (Duration) values.getOrDefault(Keys.RETRY_BACKOFF, base.initial());
      Duration max = (Duration) values.getOrDefault(Keys.RETRY_BACKOFF_MAX, base.max());
      double multiplier = (Double) values.getOrDefault(Keys.RETRY_BACKOFF_MULTIPLIER, base.multiplier());
      double jitter = (Double) values.getOrDefault(Keys.RETRY_JITTER, base.jitter());
      if (max.compareTo(initial) < 0) {
        if (values.containsKey(Keys.RETRY_BACKOFF_MAX)) {
          Key<?> k = Keys.RETRY_BACKOFF_MAX;
          problems.add(where.get(k) + prefix + "." + k.name() + " = " + Render.value(raw.get(k))
              + ": expected a number of seconds not less than retry_backoff (" + Render.seconds(initial) + ")");
        } else {
          Key<?> k = Keys.RETRY_BACKOFF;
          problems.add(where.get(k) + prefix + "." + k.name() + " = " + Render.value(raw.get(k))
              + ": expected a number of seconds not more than retry_backoff_max (" + Render.seconds(max)
              + "); set retry_backoff_max too");
        }
        return null;
      }
      return new Backoff(initial, max, multiplier, jitter);
    }
  }
}

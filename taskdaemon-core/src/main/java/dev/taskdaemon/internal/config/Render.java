package dev.taskdaemon.internal.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.taskdaemon.internal.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tomlj.TomlArray;
import org.tomlj.TomlTable;

/** Configuration values as a message quotes them: TOML-like, escaped, and never longer than a line. */
public final class Render {
  /** The most characters of a value a message quotes; the rest is counted, not printed. */
  static final int MAX_QUOTED = 200;

  private Render() {}

  /**
   * The value as TOML would write it ({@code "text"}, {@code 5}, {@code ["a","b"]}), with control
   * characters escaped; past {@value #MAX_QUOTED} characters cut and followed by its full length.
   */
  public static String value(Object value) {
    // A password written into a URL by mistake is refused (store_url), and never repeated in the refusal.
    String s = PASSWORD.matcher(full(plain(value))).replaceAll("$1***");
    if (s.length() <= MAX_QUOTED) {
      return s;
    }
    return s.substring(0, MAX_QUOTED) + "... (" + s.length() + " characters)";
  }

  private static final java.util.regex.Pattern PASSWORD =
      java.util.regex.Pattern.compile("(?i)(password=)[^&;\\s\"]*");

  /** A key or name as a message prints it: past {@value #MAX_QUOTED} characters cut and counted. */
  static String key(String key) {
    if (key.length() <= MAX_QUOTED) {
      return key;
    }
    return key.substring(0, MAX_QUOTED) + "... (" + key.length() + " characters)";
  }

  private static String full(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String || value instanceof Map<?, ?> || value instanceof List<?>) {
      try {
        return Json.mapper().writeValueAsString(value);
      } catch (JsonProcessingException e) {
        return String.valueOf(value);
      }
    }
    return String.valueOf(value);
  }

  /** TOML values as plain Java: tables to maps, arrays to lists. */
  static Object plain(Object v) {
    return plain(v, java.util.function.UnaryOperator.identity());
  }

  /** Like {@link #plain(Object)}, passing every value that is neither a table nor an array through {@code leaf}. */
  static Object plain(Object v, java.util.function.UnaryOperator<Object> leaf) {
    if (v instanceof TomlTable t) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (String k : t.keySet()) {
        m.put(k, plain(t.get(List.of(k)), leaf));
      }
      return m;
    }
    if (v instanceof TomlArray a) {
      List<Object> l = new ArrayList<>();
      for (int i = 0; i < a.size(); i++) {
        l.add(plain(a.get(i), leaf));
      }
      return l;
    }
    return leaf.apply(v);
  }

  /** A duration as messages write it: {@code 0.1s}, {@code 30s}. */
  static String seconds(Duration d) {
    long ms = d.toMillis();
    if (ms % 1000 == 0) {
      return (ms / 1000) + "s";
    }
    return String.format(Locale.ROOT, "%.3fs", ms / 1000.0).replaceAll("0+s$", "s");
  }
}

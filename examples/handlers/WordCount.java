import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The "wordcount" handler of the quick-start example: counts the words of one piece of text.
 *
 * <p>Run as {@code java WordCount.java}: a single-file program, no build step, no dependencies.
 *
 * <pre>
 * request:  {"task_id":"...","task_type":"wordcount","task_data":{"text":"To be, or not to be"},"attempt":1}
 * response: {"status":"success","result":{"words":6,"counts":{"to":2,"be":2,"or":1,"not":1}}}
 * </pre>
 *
 * <p>A word is a run of ASCII letters, compared without case. {@code handlers/wordcount.py} follows
 * the same rule, so both give the same answers.
 */
public class WordCount {
  public static void main(String[] args) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    // Our own stream: explicit UTF-8 whatever the locale, and flushed by us once per response.
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    System.err.println("wordcount (Java) ready, pid " + ProcessHandle.current().pid());
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) {
        continue;
      }
      out.print(Json.write(handle(line)));
      out.print('\n');
      out.flush();
    }
    // stdin closed: the daemon is shutting this instance down.
  }

  static Map<String, Object> handle(String line) {
    Map<String, Object> response = new LinkedHashMap<>();
    try {
      Map<?, ?> request = (Map<?, ?>) Json.parse(line);
      Object data = request.get("task_data");
      Object text = data instanceof Map ? ((Map<?, ?>) data).get("text") : null;
      if (!(text instanceof String)) {
        throw new IllegalArgumentException("task_data.text must be a string");
      }
      response.put("status", "success");
      response.put("result", count((String) text));
    } catch (RuntimeException e) {
      // Bad input stays bad on a retry: say so with retryable = false.
      response.put("status", "error");
      response.put("error", "wordcount: " + e.getMessage());
      response.put("retryable", false);
    }
    return response;
  }

  static Map<String, Object> count(String text) {
    Map<String, Object> counts = new LinkedHashMap<>();
    long words = 0;
    int i = 0;
    while (i < text.length()) {
      if (!isLetter(text.charAt(i))) {
        i++;
        continue;
      }
      int start = i;
      while (i < text.length() && isLetter(text.charAt(i))) {
        i++;
      }
      String word = text.substring(start, i).toLowerCase(java.util.Locale.ROOT);
      counts.merge(word, 1L, (a, b) -> (Long) a + (Long) b);
      words++;
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("words", words);
    result.put("counts", counts);
    return result;
  }

  private static boolean isLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  /**
   * Just enough JSON for a handler. A single-file program cannot have dependencies, so each example
   * handler carries this small reader and writer.
   */
  static final class Json {
    private final String s;
    private int i;

    private Json(String s) {
      this.s = s;
    }

    /** Parses objects to maps, arrays to lists, integers to Long, other numbers to Double. */
    static Object parse(String text) {
      Json p = new Json(text);
      Object value = p.value();
      p.blanks();
      if (p.i != p.s.length()) {
        throw p.error("unexpected text after the value");
      }
      return value;
    }

    private Object value() {
      blanks();
      if (i >= s.length()) {
        throw error("unexpected end of input");
      }
      switch (s.charAt(i)) {
        case '{':
          return object();
        case '[':
          return array();
        case '"':
          return string();
        case 't':
          return literal("true", Boolean.TRUE);
        case 'f':
          return literal("false", Boolean.FALSE);
        case 'n':
          return literal("null", null);
        default:
          return number();
      }
    }

    private Map<String, Object> object() {
      Map<String, Object> map = new LinkedHashMap<>();
      i++;
      blanks();
      if (i < s.length() && s.charAt(i) == '}') {
        i++;
        return map;
      }
      while (true) {
        blanks();
        if (i >= s.length() || s.charAt(i) != '"') {
          throw error("expected a string key");
        }
        String key = string();
        blanks();
        expect(':');
        map.put(key, value());
        blanks();
        if (next() == '}') {
          return map;
        }
        i--;
        expect(',');
      }
    }

    private List<Object> array() {
      List<Object> list = new ArrayList<>();
      i++;
      blanks();
      if (i < s.length() && s.charAt(i) == ']') {
        i++;
        return list;
      }
      while (true) {
        list.add(value());
        blanks();
        if (next() == ']') {
          return list;
        }
        i--;
        expect(',');
      }
    }

    private String string() {
      i++;
      StringBuilder b = new StringBuilder();
      while (true) {
        char c = next();
        if (c == '"') {
          return b.toString();
        }
        if (c != '\\') {
          b.append(c);
          continue;
        }
        char e = next();
        switch (e) {
          case '"':
          case '\\':
          case '/':
            b.append(e);
            break;
          case 'b':
            b.append('\b');
            break;
          case 'f':
            b.append('\f');
            break;
          case 'n':
            b.append('\n');
            break;
          case 'r':
            b.append('\r');
            break;
          case 't':
            b.append('\t');
            break;
          case 'u':
            if (i + 4 > s.length()) {
              throw error("incomplete \\u escape");
            }
            try {
              b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            } catch (NumberFormatException ex) {
              throw error("bad \\u escape");
            }
            i += 4;
            break;
          default:
            throw error("bad escape \\" + e);
        }
      }
    }

    private Object literal(String word, Object value) {
      if (!s.startsWith(word, i)) {
        throw error("unexpected character '" + s.charAt(i) + "'");
      }
      i += word.length();
      return value;
    }

    private Object number() {
      int start = i;
      while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
        i++;
      }
      String n = s.substring(start, i);
      try {
        if (n.indexOf('.') < 0 && n.indexOf('e') < 0 && n.indexOf('E') < 0) {
          return Long.parseLong(n);
        }
        return Double.parseDouble(n);
      } catch (NumberFormatException ex) {
        throw error(n.isEmpty() ? "unexpected character '" + s.charAt(start) + "'" : "bad number " + n);
      }
    }

    private void blanks() {
      while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
        i++;
      }
    }

    private char next() {
      if (i >= s.length()) {
        throw error("unexpected end of input");
      }
      return s.charAt(i++);
    }

    private void expect(char c) {
      if (next() != c) {
        i--;
        throw error("expected '" + c + "'");
      }
    }

    private IllegalArgumentException error(String what) {
      return new IllegalArgumentException("bad JSON at offset " + i + ": " + what);
    }

    /** Writes maps, collections, strings, numbers, booleans and null as compact JSON. */
    static String write(Object value) {
      StringBuilder b = new StringBuilder();
      write(value, b);
      return b.toString();
    }

    private static void write(Object v, StringBuilder b) {
      if (v == null) {
        b.append("null");
      } else if (v instanceof String) {
        quote((String) v, b);
      } else if (v instanceof Number || v instanceof Boolean) {
        b.append(v);
      } else if (v instanceof Map) {
        b.append('{');
        String sep = "";
        for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
          b.append(sep);
          quote(String.valueOf(e.getKey()), b);
          b.append(':');
          write(e.getValue(), b);
          sep = ",";
        }
        b.append('}');
      } else if (v instanceof Collection) {
        b.append('[');
        String sep = "";
        for (Object o : (Collection<?>) v) {
          b.append(sep);
          write(o, b);
          sep = ",";
        }
        b.append(']');
      } else {
        throw new IllegalArgumentException("cannot write " + v.getClass().getName() + " as JSON");
      }
    }

    private static void quote(String s, StringBuilder b) {
      b.append('"');
      for (int k = 0; k < s.length(); k++) {
        char c = s.charAt(k);
        switch (c) {
          case '"':
            b.append("\\\"");
            break;
          case '\\':
            b.append("\\\\");
            break;
          case '\n':
            b.append("\\n");
            break;
          case '\r':
            b.append("\\r");
            break;
          case '\t':
            b.append("\\t");
            break;
          default:
            if (c < 0x20) {
              b.append(String.format("\\u%04x", (int) c));
            } else {
              b.append(c);
            }
        }
      }
      b.append('"');
    }
  }
}

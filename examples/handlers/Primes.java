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
 * The "primes" handler of the quick-start example: counts the primes in a range with a sieve.
 *
 * <p>Run as {@code java Primes.java}: a single-file program, no build step, no dependencies.
 *
 * <pre>
 * request:  {"task_id":"...","task_type":"primes","task_data":{"from":0,"to":100},"attempt":1}
 * response: {"status":"success","result":{"from":0,"to":100,"count":25,"largest":97}}
 * </pre>
 *
 * <p>{@code from} is included and {@code to} is not. {@code largest} is null when the range holds no
 * prime. A task with {@code "flaky": true} fails its first attempt with a retryable error, so the
 * example shows retries at work.
 */
public class Primes {
  /** Ranges this wide take a few megabytes; wider ones should be split into more tasks. */
  static final long MAX_WIDTH = 50_000_000;
  static final long MAX_TO = 4_000_000_000_000L;

  public static void main(String[] args) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    // Our own stream: explicit UTF-8 whatever the locale, and flushed by us once per response.
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    System.err.println("primes (Java) ready, pid " + ProcessHandle.current().pid());
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
      Map<?, ?> data = request.get("task_data") instanceof Map ? (Map<?, ?>) request.get("task_data") : Map.of();
      long from = number(data, "from");
      long to = number(data, "to");
      if (from < 0 || to < from || to > MAX_TO || to - from > MAX_WIDTH) {
        throw new IllegalArgumentException("need 0 <= from <= to <= " + MAX_TO + " and to - from <= " + MAX_WIDTH
            + ", got from=" + from + ", to=" + to);
      }
      if (Boolean.TRUE.equals(data.get("flaky")) && Long.valueOf(1).equals(request.get("attempt"))) {
        System.err.println("primes: failing the first attempt of flaky task " + request.get("task_id"));
        response.put("status", "error");
        response.put("error", "simulated transient failure (the task asked for one on its first attempt)");
        response.put("retryable", true);
        return response;
      }
      response.put("status", "success");
      response.put("result", sieve(from, to));
    } catch (RuntimeException e) {
      // Bad input stays bad on a retry: say so with retryable = false.
      response.clear();
      response.put("status", "error");
      response.put("error", "primes: " + e.getMessage());
      response.put("retryable", false);
    }
    return response;
  }

  private static long number(Map<?, ?> data, String key) {
    Object v = data.get(key);
    if (!(v instanceof Long)) {
      throw new IllegalArgumentException("task_data." + key + " must be an integer");
    }
    return (Long) v;
  }

  /** Counts the primes p with from <= p < to: a segmented sieve of Eratosthenes. */
  static Map<String, Object> sieve(long from, long to) {
    int root = (int) Math.sqrt((double) to) + 1;
    boolean[] smallComposite = new boolean[root + 1];
    boolean[] composite = new boolean[(int) (to - from)];
    for (int p = 2; (long) p * p < to; p++) {
      if (smallComposite[p]) {
        continue;
      }
      for (long m = (long) p * p; m <= root; m += p) {
        smallComposite[(int) m] = true;
      }
      long first = Math.max((long) p * p, (from + p - 1) / p * p);
      for (long m = first; m < to; m += p) {
        composite[(int) (m - from)] = true;
      }
    }
    long count = 0;
    Long largest = null;
    for (long n = Math.max(from, 2); n < to; n++) {
      if (!composite[(int) (n - from)]) {
        count++;
        largest = n;
      }
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("from", from);
    result.put("to", to);
    result.put("count", count);
    result.put("largest", largest);
    return result;
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

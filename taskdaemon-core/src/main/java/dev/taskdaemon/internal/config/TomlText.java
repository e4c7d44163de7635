package dev.taskdaemon.internal.config;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * TOML text made safe for the parser before it sees it. tomlj needs time proportional to far more
 * than the length of a long string (about 30 s for one 10 MB value) and recurses once per nesting
 * level (a few thousand {@code [} overflow the stack), so this pass
 *
 * <ul>
 *   <li>decodes bytes as strict UTF-8 and says where the first bad byte is;
 *   <li>drops a UTF-8 byte order mark;
 *   <li>refuses arrays and inline tables nested deeper than {@value #MAX_DEPTH};
 *   <li>swaps each long string value for a short placeholder (keeping its line breaks, so positions
 *       of later lines stay right) and keeps the real text for {@link #restore}.
 * </ul>
 */
final class TomlText {
  /** Deeper nesting than any configuration needs, and far below what overflows the parser's stack. */
  static final int MAX_DEPTH = 100;
  /** Strings longer than this are kept out of the parser. */
  static final int LONG_STRING = 1024;

  final String text;
  /** A problem with its position ({@code line:column: message}), or null. */
  final String problem;
  private final String prefix;
  private final Map<String, String> longStrings;

  private TomlText(String text, String problem, String prefix, Map<String, String> longStrings) {
    this.text = text;
    this.problem = problem;
    this.prefix = prefix;
    this.longStrings = longStrings;
  }

  /** Decodes a file's bytes; a problem names the line and column of the first byte that is not UTF-8. */
  static TomlText decode(byte[] bytes) {
    CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length + 1);
    CoderResult r = dec.decode(in, out, true);
    if (r.isError()) {
      int bad = in.position();
      out.flip();
      int line = 1;
      int col = 1;
      while (out.hasRemaining()) {
        char c = out.get();
        if (c == '\n') {
          line++;
          col = 1;
        } else if (!Character.isLowSurrogate(c)) {
          col++;
        }
      }
      return new TomlText("", line + ":" + col + ": not valid UTF-8 (byte 0x"
          + String.format(Locale.ROOT, "%02X", bytes[bad] & 0xff) + " here); TOML files are UTF-8: save the file"
          + " with UTF-8 encoding, or replace the character with a \\u escape", null, Map.of());
    }
    dec.flush(out);
    out.flip();
    return scan(out.toString());
  }

  /** Prepares text; a problem (with its position) means the text must not be parsed. */
  static TomlText scan(String text) {
    String t = text.startsWith("\uFEFF") ? text.substring(1) : text;
    String prefix = "\u2063td-long-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "-";
    Map<String, String> longStrings = new HashMap<>();
    StringBuilder out = null;
    int copied = 0;
    int depth = 0;
    boolean header = false;
    boolean lineStart = true;
    int line = 1;
    int lineOffset = 0;
    int n = t.length();
    int i = 0;
    while (i < n) {
      char c = t.charAt(i);
      if (c == '\n') {
        line++;
        lineOffset = i + 1;
        lineStart = true;
        i++;
        continue;
      }
      if (c == '#') {
        while (i < n && t.charAt(i) != '\n') {
          i++;
        }
        continue;
      }
      if (c == '"' || c == '\'') {
        boolean multi = t.startsWith(c == '"' ? "\"\"\"" : "'''", i);
        int end = endOfString(t, i, c, multi);
        if (end < 0) {
          break; // unterminated: the parser says so
        }
        int contentFrom = i + (multi ? 3 : 1);
        int contentTo = end - (multi ? 3 : 1);
        if (contentTo - contentFrom > LONG_STRING && !header && !followedByKeySyntax(t, end)) {
          String value = value(t, contentFrom, contentTo, c == '"', multi);
          if (value != null) {
            if (out == null) {
              out = new StringBuilder(n);
            }
            String id = prefix + longStrings.size();
            longStrings.put(id, value);
            // A multi-line original becomes a multi-line placeholder with as many line breaks, so every
            // later line keeps its number and the placeholder is legal wherever the original was.
            int firstBreak = multi ? t.indexOf('\n', i) : -1;
            boolean breaks = firstBreak >= 0 && firstBreak < end;
            out.append(t, copied, i).append(breaks ? "'''" : "'").append(id);
            for (int k = firstBreak; breaks && k >= 0 && k < end; k = t.indexOf('\n', k + 1)) {
              line++;
              lineOffset = k + 1;
              out.append('\n');
            }
            out.append(breaks ? "'''" : "'");
            copied = end;
          }
        } else if (multi) {
          for (int k = t.indexOf('\n', i); k >= 0 && k < end; k = t.indexOf('\n', k + 1)) {
            line++;
            lineOffset = k + 1;
          }
        }
        lineStart = false;
        i = end;
        continue;
      }
      if (c == '[' || c == '{') {
        if (c == '[' && lineStart && depth == 0) {
          header = true;
        }
        depth++;
        if (depth > MAX_DEPTH) {
          return new TomlText("", line + ":" + (i - lineOffset + 1) + ": arrays or inline tables nested more than "
              + MAX_DEPTH + " deep; no setting needs that many levels: flatten the value", null, Map.of());
        }
      } else if (c == ']' || c == '}') {
        depth = Math.max(0, depth - 1);
        if (depth == 0) {
          header = false;
        }
      }
      if (c != ' ' && c != '\t' && c != '\r') {
        lineStart = false;
      }
      i++;
    }
    if (out == null) {
      return new TomlText(t, null, prefix, Map.of());
    }
    out.append(t, copied, n);
    return new TomlText(out.toString(), null, prefix, longStrings);
  }

  /** The original text of a string the parser saw as a placeholder; any other value unchanged. */
  Object restore(Object v) {
    if (v instanceof String s && !longStrings.isEmpty() && s.startsWith(prefix)) {
      int nl = s.indexOf('\n');
      String real = longStrings.get(nl < 0 ? s : s.substring(0, nl));
      return real != null ? real : s;
    }
    return v;
  }

  /**
   * The index just past the closing delimiter, or -1. Jumps from quote to quote with {@code indexOf}
   * rather than looking at every character: a long value is crossed at memory speed.
   */
  private static int endOfString(String t, int start, char quote, boolean multi) {
    int n = t.length();
    if (multi) {
      String delim = quote == '"' ? "\"\"\"" : "'''";
      int from = start + 3;
      while (true) {
        int q = t.indexOf(delim, from);
        if (q < 0) {
          return -1;
        }
        if (quote == '"' && escaped(t, start + 3, q)) {
          from = q + 1;
          continue;
        }
        int end = q + 3;
        // Up to two more quotes belong to the content: """a""""" ends with the last three.
        while (end < n && t.charAt(end) == quote && end - q < 5) {
          end++;
        }
        return end;
      }
    }
    int nl = t.indexOf('\n', start + 1);
    int lineEnd = nl < 0 ? n : nl;
    int from = start + 1;
    while (true) {
      int q = t.indexOf(quote, from);
      if (q < 0 || q > lineEnd) {
        return -1;
      }
      if (quote == '"' && escaped(t, start + 1, q)) {
        from = q + 1;
        continue;
      }
      return q + 1;
    }
  }

  /** True when the character at {@code at} follows an odd number of backslashes (after {@code from}). */
  private static boolean escaped(String t, int from, int at) {
    int k = at - 1;
    while (k >= from && t.charAt(k) == '\\') {
      k--;
    }
    return (at - 1 - k) % 2 == 1;
  }

  /** True when the string just ended is a key ({@code "a b" = 1}, {@code "a".b = 1}). */
  private static boolean followedByKeySyntax(String t, int from) {
    for (int i = from; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c != ' ' && c != '\t') {
        return c == '=' || c == '.';
      }
    }
    return false;
  }

  /**
   * A string's value, or null to leave it to the parser (a character TOML forbids, an escape that is
   * not one): the parser then reports it, as slowly as ever, but right.
   */
  private static String value(String t, int from, int to, boolean basic, boolean multi) {
    if (multi && from < to && t.charAt(from) == '\n') {
      from++;
    } else if (multi && from + 1 < to && t.charAt(from) == '\r' && t.charAt(from + 1) == '\n') {
      from += 2;
    }
    int firstEscape = basic ? t.indexOf('\\', from) : -1;
    if (firstEscape < 0 || firstEscape >= to) {
      // No escapes (the common case for a long value): one pass to refuse what TOML forbids, then a copy.
      for (int i = from; i < to; i++) {
        char c = t.charAt(i);
        if ((c < 0x20 && c != '\t' && !(multi && (c == '\n' || c == '\r'))) || c == 0x7f) {
          return null;
        }
      }
      return t.substring(from, to);
    }
    StringBuilder sb = new StringBuilder(to - from);
    for (int i = from; i < to; i++) {
      char c = t.charAt(i);
      if (c == '\\' && basic) {
        if (i + 1 >= to) {
          return null;
        }
        char e = t.charAt(++i);
        switch (e) {
          case 'b': sb.append('\b'); break;
          case 't': sb.append('\t'); break;
          case 'n': sb.append('\n'); break;
          case 'f': sb.append('\f'); break;
          case 'r': sb.append('\r'); break;
          case '"': sb.append('"'); break;
          case '\\': sb.append('\\'); break;
          case 'u':
          case 'U': {
            int len = e == 'u' ? 4 : 8;
            if (i + len >= to) {
              return null;
            }
            int cp;
            try {
              cp = Integer.parseInt(t.substring(i + 1, i + 1 + len), 16);
            } catch (NumberFormatException ex) {
              return null;
            }
            if (!Character.isValidCodePoint(cp) || (cp >= 0xD800 && cp <= 0xDFFF)) {
              return null;
            }
            sb.appendCodePoint(cp);
            i += len;
            break;
          }
          default:
            if (multi && (e == '\n' || e == ' ' || e == '\t' || e == '\r')) {
              // Line-ending backslash: drop it and all whitespace up to the next non-blank character.
              int j = i;
              while (j < to && (t.charAt(j) == ' ' || t.charAt(j) == '\t')) {
                j++;
              }
              if (j < to && t.charAt(j) != '\n' && t.charAt(j) != '\r') {
                return null;
              }
              while (j < to && Character.isWhitespace(t.charAt(j))) {
                j++;
              }
              i = j - 1;
              break;
            }
            return null;
        }
        continue;
      }
      if ((c < 0x20 && c != '\t' && !(multi && (c == '\n' || c == '\r'))) || c == 0x7f) {
        return null;
      }
      sb.append(c);
    }
    return sb.toString();
  }
}

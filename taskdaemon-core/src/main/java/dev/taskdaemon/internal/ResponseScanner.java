package dev.taskdaemon.internal;

import java.nio.charset.StandardCharsets;

/**
 * The first and cheapest pass over a stdout line: reads a response envelope straight from its
 * bytes and checks the {@code result} value's JSON syntax without building or even tokenizing it
 * into objects. For task results of megabytes this is where the reader thread's time went: a
 * Jackson tree of the whole line cost about four times the pipe's own round trip, a Jackson token
 * pass still twice.
 *
 * <p>It decides only lines it is sure of, with a deliberately narrow grammar: strict JSON (no
 * comments, no trailing commas, no leading zeros, no {@code NaN}), envelope field names and
 * envelope strings without escapes or non-ASCII bytes, each envelope field at most once, numbers of
 * at most {@link #MAX_NUMBER} characters, at most {@link #MAX_DEPTH} levels of nesting. Everything
 * else ({@link #scan} returns false) goes on to the parser-based passes, which give every line its
 * meaning and every rejection its message. So a line it accepts is one the parser accepts with the
 * same fields. It accepts only well-formed UTF-8 (no overlong forms, no encoded surrogates), so the
 * result bytes a success keeps are valid UTF-8 wherever they go (a store's text column); a line with
 * bad bytes goes to the tree pass, which decodes it with replacement characters.
 *
 * <p>One instance per line; not thread-safe.
 */
final class ResponseScanner {
  static final int MAX_DEPTH = 256;
  static final int MAX_NUMBER = 1000;

  private final byte[] b;
  private final int end;
  private int i;
  /** A raw control character inside a string makes a value one this scanner does not vouch for. */
  private boolean strict;
  /** A raw CR or LF was seen between tokens. */
  boolean lineBreak;

  // What the envelope said; valid after scan() returned true.
  String status;
  String taskId;
  String error;
  boolean retryable;
  /** The result value's bytes, {@code [resultFrom, resultTo)}; -1 when there is no result field. */
  int resultFrom = -1;
  int resultTo = -1;

  ResponseScanner(byte[] buf, int off, int len) {
    this.b = buf;
    this.i = off;
    this.end = off + len;
  }

  /** Reads the envelope; true when the line is a well-formed object this scanner vouches for. */
  boolean scan() {
    int seen = 0;
    ws();
    if (!eat('{')) {
      return false;
    }
    ws();
    if (eat('}')) {
      return true;
    }
    while (true) {
      if (i >= end || b[i] != '"') {
        return false;
      }
      int nameFrom = i + 1;
      int nameTo = plainString();
      if (nameTo < 0) {
        return false;
      }
      ws();
      if (!eat(':')) {
        return false;
      }
      ws();
      int bit = field(nameFrom, nameTo);
      if (bit < 0 || (seen & bit) != 0) {
        return false;
      }
      seen |= bit;
      ws();
      if (eat('}')) {
        return true; // what follows the object is ignored, as the parser ignores it
      }
      if (!eat(',')) {
        return false;
      }
      ws();
    }
  }

  /**
   * For task data its caller encoded ({@code RawJson}): true when the whole range is one JSON value,
   * whitespace around it allowed, that this scanner vouches for, with no raw control character inside
   * a string (strict parsers in handlers refuse them, and a raw line break would split the request
   * line). {@link #lineBreak} then says whether a CR or LF sits between tokens.
   */
  boolean scanValue() {
    strict = true;
    ws();
    if (!value(0)) {
      return false;
    }
    ws();
    return i == end;
  }

  /** Reads one field's value at {@code i}; returns its bit among the envelope fields (0 for others), -1 to give up. */
  private int field(int nameFrom, int nameTo) {
    if (is(nameFrom, nameTo, "result")) {
      resultFrom = i;
      if (!value(0)) {
        return -1;
      }
      resultTo = i;
      return 1;
    }
    if (is(nameFrom, nameTo, "status")) {
      status = envelopeString();
      return status == null ? -1 : 2;
    }
    if (is(nameFrom, nameTo, "task_id")) {
      if (i < end && b[i] == '"') {
        taskId = envelopeString();
        return taskId == null ? -1 : 4;
      }
      return value(0) ? 4 : -1; // not a string: the response carries no task_id
    }
    if (is(nameFrom, nameTo, "error")) {
      if (literal("null")) {
        return 8;
      }
      error = envelopeString();
      return error == null ? -1 : 8; // another JSON value is the message as JSON text: the parser writes it
    }
    if (is(nameFrom, nameTo, "retryable")) {
      int at = i;
      if (!value(0)) {
        return -1;
      }
      retryable = i - at == 4 && b[at] == 't';
      return 16;
    }
    return value(0) ? 0 : -1;
  }

  /** A string of printable ASCII without escapes, as a String; null to give up. */
  private String envelopeString() {
    if (i >= end || b[i] != '"') {
      return null;
    }
    int from = i + 1;
    for (int p = from; p < end; p++) {
      int c = b[p];
      if (c == '"') {
        i = p + 1;
        return new String(b, from, p - from, StandardCharsets.ISO_8859_1);
      }
      if (c < 0x20 || c == '\\') { // a negative byte is not ASCII
        return null;
      }
    }
    return null;
  }

  /** A name at {@code i} (on its quote) without escapes or non-ASCII bytes; returns its end, or -1. */
  private int plainString() {
    for (int p = i + 1; p < end; p++) {
      int c = b[p];
      if (c == '"') {
        i = p + 1;
        return p;
      }
      if (c < 0x20 || c == '\\') {
        return -1;
      }
    }
    return -1;
  }

  private boolean is(int from, int to, String name) {
    if (to - from != name.length()) {
      return false;
    }
    for (int k = 0; k < name.length(); k++) {
      if (b[from + k] != name.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  /** Skips one JSON value at {@code i}, checking its syntax; false when it is not one this scanner vouches for. */
  private boolean value(int depth) {
    if (i >= end) {
      return false;
    }
    switch (b[i]) {
      case '"':
        return string();
      case '{':
        return object(depth + 1);
      case '[':
        return array(depth + 1);
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number();
    }
  }

  private boolean object(int depth) {
    if (depth > MAX_DEPTH) {
      return false;
    }
    i++;
    ws();
    if (eat('}')) {
      return true;
    }
    while (true) {
      if (i >= end || b[i] != '"' || !string()) {
        return false;
      }
      ws();
      if (!eat(':')) {
        return false;
      }
      ws();
      if (!value(depth)) {
        return false;
      }
      ws();
      if (eat('}')) {
        return true;
      }
      if (!eat(',')) {
        return false;
      }
      ws();
    }
  }

  private boolean array(int depth) {
    if (depth > MAX_DEPTH) {
      return false;
    }
    i++;
    ws();
    if (eat(']')) {
      return true;
    }
    while (true) {
      if (!value(depth)) {
        return false;
      }
      ws();
      if (eat(']')) {
        return true;
      }
      if (!eat(',')) {
        return false;
      }
      ws();
    }
  }

  /**
   * A string at {@code i} (on its quote) with valid escapes and well-formed UTF-8. Raw control
   * characters are allowed (the results parser accepts them).
   */
  private boolean string() {
    byte[] a = b;
    int p = i + 1;
    int e = end;
    while (p < e) {
      byte c = a[p];
      if (c == '"') {
        i = p + 1;
        return true;
      }
      if (c == '\\') {
        if (p + 1 >= e) {
          return false;
        }
        switch (a[p + 1]) {
          case '"':
          case '\\':
          case '/':
          case 'b':
          case 'f':
          case 'n':
          case 'r':
          case 't':
            p += 2;
            break;
          case 'u':
            if (p + 6 > e || !hex(a[p + 2]) || !hex(a[p + 3]) || !hex(a[p + 4]) || !hex(a[p + 5])) {
              return false;
            }
            p += 6;
            break;
          default:
            return false;
        }
      } else if (c >= 0x20) {
        p++;
      } else if (c >= 0) {
        if (strict) {
          return false;
        }
        p++;
      } else {
        p = utf8(a, p, e);
        if (p < 0) {
          return false;
        }
      }
    }
    return false;
  }

  /**
   * The end of the well-formed UTF-8 sequence of two to four bytes at {@code p}, or -1: RFC 3629's
   * table, so no overlong form, no encoded surrogate, nothing above U+10FFFF.
   */
  static int utf8(byte[] a, int p, int e) {
    int b0 = a[p] & 0xFF;
    int n;
    int lo = 0x80;
    int hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      n = 1;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      n = 2;
      if (b0 == 0xE0) {
        lo = 0xA0;
      } else if (b0 == 0xED) {
        hi = 0x9F;
      }
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      n = 3;
      if (b0 == 0xF0) {
        lo = 0x90;
      } else if (b0 == 0xF4) {
        hi = 0x8F;
      }
    } else {
      return -1;
    }
    if (p + n >= e) {
      return -1;
    }
    int b1 = a[p + 1] & 0xFF;
    if (b1 < lo || b1 > hi) {
      return -1;
    }
    for (int k = 2; k <= n; k++) {
      if ((a[p + k] & 0xC0) != 0x80) {
        return -1;
      }
    }
    return p + n + 1;
  }

  /** True when {@code [from, to)} is well-formed UTF-8. */
  static boolean validUtf8(byte[] a, int from, int to) {
    int p = from;
    while (p < to) {
      if (a[p] >= 0) {
        p++;
      } else {
        p = utf8(a, p, to);
        if (p < 0) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean hex(byte c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  /** {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}, then a byte that cannot continue it. */
  private boolean number() {
    int from = i;
    int p = i;
    if (p < end && b[p] == '-') {
      p++;
    }
    if (p >= end) {
      return false;
    }
    if (b[p] == '0') {
      p++;
    } else if (b[p] >= '1' && b[p] <= '9') {
      p = digits(p);
    } else {
      return false;
    }
    if (p < end && b[p] == '.') {
      int q = digits(p + 1);
      if (q == p + 1) {
        return false;
      }
      p = q;
    }
    if (p < end && (b[p] == 'e' || b[p] == 'E')) {
      p++;
      if (p < end && (b[p] == '+' || b[p] == '-')) {
        p++;
      }
      int q = digits(p);
      if (q == p) {
        return false;
      }
      p = q;
    }
    if (p - from > MAX_NUMBER) {
      return false;
    }
    // What may follow a number: the parser rejects "01", "1x", "1.5.2" as one broken token.
    if (p < end) {
      byte c = b[p];
      if (c != ',' && c != '}' && c != ']' && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
        return false;
      }
    }
    i = p;
    return true;
  }

  private int digits(int p) {
    while (p < end && b[p] >= '0' && b[p] <= '9') {
      p++;
    }
    return p;
  }

  /** A literal, which must not run on into letters or digits ({@code truex}, {@code null1}). */
  private boolean literal(String word) {
    int n = word.length();
    if (end - i < n) {
      return false;
    }
    for (int k = 0; k < n; k++) {
      if (b[i + k] != word.charAt(k)) {
        return false;
      }
    }
    if (i + n < end) {
      byte c = b[i + n];
      if (c != ',' && c != '}' && c != ']' && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
        return false;
      }
    }
    i += n;
    return true;
  }

  private void ws() {
    while (i < end) {
      byte c = b[i];
      if (c != ' ' && c != '\t') {
        if (c != '\r' && c != '\n') {
          return;
        }
        lineBreak = true;
      }
      i++;
    }
  }

  private boolean eat(char c) {
    if (i < end && b[i] == c) {
      i++;
      return true;
    }
    return false;
  }
}

package dev.taskdaemon.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Arrays;
import java.util.Map;

/**
 * Writes a {@link JsonNode} tree as compact UTF-8 JSON, byte for byte what the default {@link
 * Json#mapper()} writes for it, in one pass into one array. Jackson's generator spends most of its
 * time per token (a serializer call, a write context, escaping through a char buffer), which for task
 * data of many small values was the largest cost of submitting a big payload.
 *
 * <p>It covers the node types task data is made of (objects, arrays, strings, ints, longs, finite
 * doubles, booleans, null) up to a modest depth; for any other tree {@link #write} returns null and
 * the mapper does the work, so that every rule (limits, number formats, errors) stays the mapper's.
 * Not thread-safe; an instance is cheap.
 */
final class TreeWriter {
  /** Deeper trees go to the mapper, which enforces its own nesting limit with its own message. */
  static final int MAX_DEPTH = 64;

  private static final byte[] HEX = "0123456789ABCDEF".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
  private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
  private static final byte[] NULL = {'n', 'u', 'l', 'l'};

  private byte[] out = new byte[256];
  private int n;

  /** The tree as UTF-8 JSON, or null when it holds something this writer leaves to the mapper. */
  static byte[] write(JsonNode node) {
    TreeWriter w = new TreeWriter();
    try {
      return w.value(node, 0) ? Arrays.copyOf(w.out, w.n) : null;
    } catch (Unwritable e) {
      return null;
    }
  }

  private boolean value(JsonNode node, int depth) {
    // Exact classes: a subclass may serialize itself differently.
    Class<?> c = node.getClass();
    if (c == TextNode.class) {
      string(node.textValue());
    } else if (c == ObjectNode.class) {
      if (depth >= MAX_DEPTH) {
        return false;
      }
      put('{');
      boolean first = true;
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        if (!first) {
          put(',');
        }
        first = false;
        string(e.getKey());
        put(':');
        if (!value(e.getValue(), depth + 1)) {
          return false;
        }
      }
      put('}');
    } else if (c == ArrayNode.class) {
      if (depth >= MAX_DEPTH) {
        return false;
      }
      put('[');
      for (int i = 0, size = node.size(); i < size; i++) {
        if (i > 0) {
          put(',');
        }
        if (!value(node.get(i), depth + 1)) {
          return false;
        }
      }
      put(']');
    } else if (c == IntNode.class) {
      ascii(Integer.toString(node.intValue()));
    } else if (c == LongNode.class) {
      ascii(Long.toString(node.longValue()));
    } else if (c == DoubleNode.class) {
      double d = node.doubleValue();
      if (!Double.isFinite(d)) {
        return false; // quoted or not, as the mapper is configured
      }
      ascii(Double.toString(d));
    } else if (c == BooleanNode.class) {
      raw(node.booleanValue() ? TRUE : FALSE);
    } else if (c == NullNode.class) {
      raw(NULL);
    } else {
      return false;
    }
    return true;
  }

  /** A JSON string literal: the escapes Jackson writes, everything else as UTF-8. */
  private void string(String s) {
    int len = s.length();
    ensure(len + 2);
    byte[] o = out;
    int p = n;
    o[p++] = '"';
    int i = 0;
    // The common case, plain ASCII without anything to escape, in a tight loop.
    for (; i < len; i++) {
      char ch = s.charAt(i);
      if (ch < 0x20 || ch >= 0x80 || ch == '"' || ch == '\\') {
        break;
      }
      o[p++] = (byte) ch;
    }
    n = p;
    for (; i < len; i++) {
      char ch = s.charAt(i);
      if (ch >= 0x20 && ch < 0x80 && ch != '"' && ch != '\\') {
        put(ch);
      } else if (ch == '"' || ch == '\\') {
        put('\\');
        put(ch);
      } else if (ch < 0x20) {
        escapeControl(ch);
      } else if (ch < 0x800) {
        put(0xC0 | (ch >> 6));
        put(0x80 | (ch & 0x3F));
      } else if (Character.isSurrogate(ch)) {
        // Jackson's default: each UTF-16 surrogate as its own escape, pairs not combined.
        put('\\');
        put('u');
        put(HEX[ch >> 12]);
        put(HEX[(ch >> 8) & 0xF]);
        put(HEX[(ch >> 4) & 0xF]);
        put(HEX[ch & 0xF]);
      } else {
        put(0xE0 | (ch >> 12));
        put(0x80 | ((ch >> 6) & 0x3F));
        put(0x80 | (ch & 0x3F));
      }
    }
    put('"');
  }

  private void escapeControl(char ch) {
    put('\\');
    switch (ch) {
      case '\b':
        put('b');
        break;
      case '\t':
        put('t');
        break;
      case '\n':
        put('n');
        break;
      case '\f':
        put('f');
        break;
      case '\r':
        put('r');
        break;
      default:
        put('u');
        put('0');
        put('0');
        put(HEX[ch >> 4]);
        put(HEX[ch & 0xF]);
    }
  }

  private void ascii(String s) {
    int len = s.length();
    ensure(len);
    for (int i = 0; i < len; i++) {
      out[n++] = (byte) s.charAt(i);
    }
  }

  private void raw(byte[] b) {
    ensure(b.length);
    System.arraycopy(b, 0, out, n, b.length);
    n += b.length;
  }

  private void put(int b) {
    if (n == out.length) {
      ensure(1);
    }
    out[n++] = (byte) b;
  }

  private void ensure(int more) {
    if ((long) n + more > out.length) {
      long want = Math.max((long) out.length * 2, (long) n + more);
      if (want > LineReader.MAX_ARRAY) {
        throw new Unwritable();
      }
      out = Arrays.copyOf(out, (int) want);
    }
  }

  /** Something the mapper must write (or refuse) with its own message. */
  private static final class Unwritable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unwritable() {
      super(null, null, false, false);
    }
  }
}

package dev.taskdaemon.internal;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;

/** Checks JSON text a caller encoded before it becomes a request's {@code task_data}. */
public final class JsonText {
  /**
   * Strict (no raw control characters in strings, one value), with no cap on a string's length (a
   * megabytes-long base64 string is legitimate task data) and numbers as long as Jackson writes a
   * {@code BigDecimal} that a caller might have encoded.
   */
  private static final JsonFactory STRICT = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxStringLength(Integer.MAX_VALUE)
          .maxNumberLength(100_000)
          .maxDocumentLength(-1)
          .build())
      .build();

  private JsonText() {}

  /**
   * The bytes to send for {@code utf8}: the same array when it is one well-formed JSON value in UTF-8
   * that fits on one line, or a copy without a leading byte order mark and in which each raw CR and LF
   * between tokens became a space (JSON treats both as whitespace, so the value is the same).
   *
   * @throws IllegalArgumentException naming what is wrong and where
   */
  public static byte[] requestValue(byte[] utf8) {
    if (utf8.length >= 3 && (utf8[0] & 0xFF) == 0xEF && (utf8[1] & 0xFF) == 0xBB && (utf8[2] & 0xFF) == 0xBF) {
      // A byte order mark, as files saved by some editors start: the parser skips it, but inside a
      // request line it would make the handler's JSON invalid.
      utf8 = java.util.Arrays.copyOfRange(utf8, 3, utf8.length);
    }
    ResponseScanner sc = new ResponseScanner(utf8, 0, utf8.length);
    boolean lineBreak;
    if (sc.scanValue()) {
      lineBreak = sc.lineBreak;
    } else {
      // The scanner gives up on what it does not vouch for (deep nesting, a long number) as well as on
      // errors: the parser decides, and names the error.
      strictParse(utf8);
      if (!ResponseScanner.validUtf8(utf8, 0, utf8.length)) {
        throw new IllegalArgumentException("JSON text is not well-formed UTF-8");
      }
      lineBreak = hasLineBreak(utf8);
    }
    if (!lineBreak) {
      return utf8;
    }
    // Outside strings only: inside a string the check above refused a raw control character.
    byte[] copy = utf8.clone();
    for (int k = 0; k < copy.length; k++) {
      if (copy[k] == '\n' || copy[k] == '\r') {
        copy[k] = ' ';
      }
    }
    return copy;
  }

  /** True if {@code utf8} holds a raw CR or LF, which would split a request line. */
  public static boolean hasLineBreak(byte[] utf8) {
    for (byte c : utf8) {
      if (c == '\n' || c == '\r') {
        return true;
      }
    }
    return false;
  }

  private static void strictParse(byte[] utf8) {
    try (JsonParser p = STRICT.createParser(utf8)) {
      if (p.nextToken() == null) {
        throw new IllegalArgumentException("JSON text is empty: pass one JSON value (e.g. {} or null)");
      }
      p.skipChildren();
      if (p.nextToken() != null) {
        throw new IllegalArgumentException("JSON text holds more than one value (a second one starts at byte "
            + offset(p.currentTokenLocation()) + "): pass exactly one JSON value");
      }
    } catch (JacksonException e) {
      throw new IllegalArgumentException("JSON text is not valid JSON: " + e.getOriginalMessage() + " (at byte "
          + offset(e.getLocation()) + ")", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("JSON text cannot be read: " + e.getMessage(), e);
    }
  }

  private static long offset(JsonLocation at) {
    return at == null ? -1 : at.getByteOffset();
  }
}

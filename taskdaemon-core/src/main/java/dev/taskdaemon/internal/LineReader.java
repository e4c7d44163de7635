package dev.taskdaemon.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into {@code \n}-terminated lines without ever holding more than {@code
 * maxLine} bytes of one line (plus one read chunk). Not thread-safe: one thread at a time owns it, and
 * a hand-over to another thread needs a happens-before edge (the engine hands it over under its pool lock).
 */
public final class LineReader {
  /** {@link #readLine()} result: the stream ended. */
  public static final int EOF = -1;
  /** {@link #readLine()} result: a line exceeded the maximum; its bytes were dropped. */
  public static final int TOO_LONG = -2;

  private static final int CHUNK = 64 * 1024;
  // Most lines are short and most instances idle: 1,000 instances with two 64 KiB buffers each held
  // 128 MB of heap. Start small; the buffer doubles on demand and shrinks back after a huge line.
  private static final int INITIAL = 4 * 1024;
  /** The largest array a JVM reliably allocates. */
  static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

  private final InputStream in;
  private final int maxLine;
  private byte[] buf;
  private int start; // first unconsumed byte
  private int end; // end of valid data
  private int scanned; // bytes from start already known to hold no '\n'
  // The length of the last line that needed a big buffer. The buffer shrinks back after such a line
  // (idle instances must not keep megabytes), so without this every large answer would regrow it
  // by doubling: ten copies and allocations for a 1 MB line where one allocation does.
  private int lastBig;
  // Written by the reader thread only; read by dispatching threads to mark where a request's answer may start.
  private volatile long bytesRead;

  public LineReader(InputStream in, int maxLine) {
    this.in = in;
    this.maxLine = maxLine;
    this.buf = new byte[(int) Math.min(INITIAL, maxLine + 1L)];
  }

  /** The buffer holding the line returned by the last {@link #readLine()}, from {@link #lineStart()}. */
  public byte[] buffer() {
    return buf;
  }

  /** Offset of the last line in {@link #buffer()}. */
  public int lineStart() {
    return lineStart;
  }

  private int lineStart;

  /** Total bytes read from the stream so far, including bytes buffered but not yet returned as lines. */
  public long bytesRead() {
    return bytesRead;
  }

  /** The stream offset of the first byte of the line returned by the last {@link #readLine()}. */
  public long lineStartPosition() {
    return bytesRead - (end - lineStart);
  }

  /**
   * Reads the next line. Returns its length (without {@code \n} or a trailing {@code \r}), {@link
   * #EOF}, or {@link #TOO_LONG}. A final line without {@code \n} at EOF is returned as a line.
   */
  public int readLine() throws IOException {
    while (true) {
      int nl = indexOfNewline();
      if (nl >= 0) {
        int len = nl - start;
        lineStart = start;
        start = nl + 1;
        scanned = 0;
        if (len > 0 && buf[lineStart + len - 1] == '\r') {
          len--;
        }
        if (len > maxLine) {
          return TOO_LONG;
        }
        if (buf.length > 4 * CHUNK) {
          lastBig = len;
        }
        return len;
      }
      if (end - start > maxLine) {
        discardRestOfLine();
        return TOO_LONG;
      }
      if (!fill(true)) {
        if (end > start) { // last line without a newline
          int len = end - start;
          lineStart = start;
          start = end;
          scanned = 0;
          return len;
        }
        return EOF;
      }
    }
  }

  /**
   * True if, without blocking, at least one more complete line is buffered or readable; then it is
   * available to {@link #peekLines}. Used to catch a handler that answered twice in one go.
   */
  public boolean fillAvailable() throws IOException {
    int avail;
    try {
      avail = in.available();
    } catch (IOException e) {
      avail = 0;
    }
    while (avail > 0 && end - start <= maxLine) {
      if (!fill(false)) {
        break;
      }
      try {
        avail = in.available();
      } catch (IOException e) {
        avail = 0;
      }
    }
    return indexOfNewline() >= 0;
  }

  /** True if bytes read from the stream are buffered and not yet returned as lines. */
  public boolean hasBuffered() {
    return start < end;
  }

  /** True if a complete line is buffered: {@link #readLine()} would return it without reading. */
  public boolean hasBufferedLine() {
    return indexOfNewline() >= 0;
  }

  /** Bytes the stream holds that were not read yet, without blocking; 0 when that cannot be told. */
  public int unread() {
    try {
      return Math.max(0, in.available());
    } catch (IOException e) {
      return 0;
    }
  }

  /** Calls {@code visitor} with each complete line that is buffered but not yet consumed. */
  public void peekLines(LineVisitor visitor) {
    int s = start;
    for (int i = start; i < end; i++) {
      if (buf[i] == '\n') {
        if (visitor.visit(buf, s, i - s)) {
          return;
        }
        s = i + 1;
      }
    }
  }

  /** Receives buffered lines from {@link #peekLines}; return true to stop. */
  @FunctionalInterface
  public interface LineVisitor {
    boolean visit(byte[] buf, int off, int len);
  }

  private int indexOfNewline() {
    for (int i = start + scanned; i < end; i++) {
      if (buf[i] == '\n') {
        return i;
      }
    }
    scanned = end - start;
    return -1;
  }

  private void discardRestOfLine() throws IOException {
    start = end;
    scanned = 0;
    while (true) {
      if (!fill(true)) {
        return;
      }
      for (int i = start; i < end; i++) {
        if (buf[i] == '\n') {
          start = i + 1;
          return;
        }
      }
      start = end;
    }
  }

  /** Reads more bytes, compacting or growing the buffer up to the maximum line size. */
  private boolean fill(boolean block) throws IOException {
    if (start == end && buf.length > 4 * CHUNK) {
      // A huge line came and went; do not keep its buffer for the life of the instance.
      buf = new byte[INITIAL];
      start = 0;
      end = 0;
      scanned = 0;
    }
    if (start > 0 && (start == end || end == buf.length)) {
      System.arraycopy(buf, start, buf, 0, end - start);
      end -= start;
      start = 0;
    }
    if (end == buf.length) {
      long grow = Math.max(buf.length * 2L, CHUNK);
      if (grow >= CHUNK && lastBig + (long) CHUNK > grow) {
        grow = lastBig + (long) CHUNK; // straight to the size the last big line needed
      }
      int cap = (int) Math.min(Math.min((long) maxLine + CHUNK, MAX_ARRAY), grow);
      if (cap <= buf.length) {
        return false;
      }
      buf = Arrays.copyOf(buf, cap);
    }
    int want = buf.length - end;
    if (!block) {
      want = Math.min(want, Math.max(1, in.available()));
    }
    int n = in.read(buf, end, want);
    if (n < 0) {
      return false;
    }
    end += n;
    bytesRead = bytesRead + n;
    return true;
  }
}

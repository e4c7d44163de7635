package dev.taskdaemon.handler.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into lines at {@code \n} (one trailing {@code \r} removed), however long they
 * are and however they arrive. Bytes, not chars: decoding is the caller's, always as UTF-8, so the
 * platform charset never touches a request.
 */
public final class LineReader {
  private static final int INITIAL = 64 * 1024;
  /** The largest array the JVM reliably allocates. */
  private static final int MAX = Integer.MAX_VALUE - 16;

  private final InputStream in;
  private byte[] buf = new byte[INITIAL];
  // Unread bytes are buf[start, end).
  private int start;
  private int end;

  /**
   * Reads lines from {@code in}.
   *
   * @param in the stream of lines; read in large blocks
   */
  public LineReader(InputStream in) {
    this.in = in;
  }

  /**
   * The next line without its line end, or {@code null} at end of stream. A last line without
   * {@code \n} is returned too.
   *
   * @return the line's bytes, or {@code null} at end of stream
   * @throws IOException if reading fails, or a line does not fit in an array
   */
  public byte[] readLine() throws IOException {
    int scanned = start;
    while (true) {
      for (int i = scanned; i < end; i++) {
        if (buf[i] == '\n') {
          int stop = i > start && buf[i - 1] == '\r' ? i - 1 : i;
          byte[] line = Arrays.copyOfRange(buf, start, stop);
          start = i + 1;
          shrinkIfIdle();
          return line;
        }
      }
      scanned = end;
      if (start > 0) {
        System.arraycopy(buf, start, buf, 0, end - start);
        scanned -= start;
        end -= start;
        start = 0;
      }
      if (end == buf.length) {
        if (buf.length == MAX) {
          throw new IOException("a request line is longer than " + MAX + " bytes");
        }
        buf = Arrays.copyOf(buf, (int) Math.min(MAX, buf.length * 2L));
      }
      int n = in.read(buf, end, buf.length - end);
      if (n < 0) {
        if (end > start) {
          byte[] line = Arrays.copyOfRange(buf, start, end);
          start = end;
          return line;
        }
        return null;
      }
      end += n;
    }
  }

  /** After a multi-megabyte line, gives the memory back once nothing is left unread. */
  private void shrinkIfIdle() {
    if (start == end && buf.length > 4 * INITIAL) {
      buf = new byte[INITIAL];
      start = 0;
      end = 0;
    }
  }
}

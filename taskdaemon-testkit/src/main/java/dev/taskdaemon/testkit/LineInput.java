package dev.taskdaemon.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/** Splits a byte stream into lines at {@code \n}; a request may arrive in several pieces. */
final class LineInput {
  private final InputStream in;
  private final byte[] buf = new byte[8192];
  private int pos;
  private int limit;

  LineInput(InputStream in) {
    this.in = in;
  }

  /** The next line without its newline, or {@code null} at end of stream. */
  byte[] readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      if (pos == limit) {
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
          // A last line without a newline is not a complete request.
          return null;
        }
        pos = 0;
        limit = n;
      }
      for (int i = pos; i < limit; i++) {
        if (buf[i] == '\n') {
          line.write(buf, pos, i - pos);
          pos = i + 1;
          return line.toByteArray();
        }
      }
      line.write(buf, pos, limit - pos);
      pos = limit;
    }
  }
}

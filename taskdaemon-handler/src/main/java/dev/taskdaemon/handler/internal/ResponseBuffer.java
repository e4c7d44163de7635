package dev.taskdaemon.handler.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** The bytes of the response being built, written out in one call once complete. */
public final class ResponseBuffer extends ByteArrayOutputStream {
  /** An empty buffer. */
  public ResponseBuffer() {
    super(8192);
  }

  /** Drops everything after the first {@code size} bytes. */
  void truncate(int size) {
    count = size;
  }

  /** Replaces raw line breaks after {@code from} by spaces; true if there were any. */
  boolean blankLineBreaks(int from) {
    boolean any = false;
    for (int i = from; i < count; i++) {
      if (buf[i] == '\n' || buf[i] == '\r') {
        buf[i] = ' ';
        any = true;
      }
    }
    return any;
  }

  /**
   * Writes the whole response with one write and one flush, then empties the buffer (giving back
   * the memory of a very large one).
   */
  public void sendTo(OutputStream out) throws IOException {
    out.write(buf, 0, count);
    out.flush();
    count = 0;
    if (buf.length > 1024 * 1024) {
      buf = new byte[8192];
    }
  }
}

package dev.taskdaemon.benchmarks.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * The raw baseline's whole protocol: write a request line, read bytes up to the next {@code \n}.
 * No JSON, no queue, no threads: the least any engine could do over the same pipe. Not thread-safe.
 */
final class RawLine {
  private final OutputStream out;
  private final InputStream in;
  private byte[] buf = new byte[64 * 1024];
  private int start;
  private int end;
  private boolean checked;

  RawLine(OutputStream out, InputStream in) {
    this.out = out;
    this.in = in;
  }

  /**
   * One round trip. Checks the answer's length every time and its bytes the first time, so a wrong
   * or missing answer stops the benchmark instead of being timed.
   */
  void roundTrip(byte[] request, byte[] expected) throws IOException {
    out.write(request);
    out.flush();
    int len = readLine();
    if (len != expected.length || (!checked && !Arrays.equals(buf, start - len - 1, start - 1, expected, 0, len))) {
      throw new IOException("unexpected answer (" + len + " bytes, expected " + expected.length + "): "
          + new String(buf, start - len - 1, Math.min(len, 200), java.nio.charset.StandardCharsets.UTF_8));
    }
    checked = true;
  }

  /** Reads one line; returns its length; the line ends at {@code start - 1}. */
  private int readLine() throws IOException {
    int scanned = start;
    while (true) {
      for (int i = scanned; i < end; i++) {
        if (buf[i] == '\n') {
          int len = i - start;
          start = i + 1;
          return len;
        }
      }
      scanned = end;
      if (start > 0) {
        System.arraycopy(buf, start, buf, 0, end - start);
        end -= start;
        scanned -= start;
        start = 0;
      }
      if (end == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
      int n = in.read(buf, end, buf.length - end);
      if (n < 0) {
        throw new IOException("the handler closed its stdout");
      }
      end += n;
    }
  }
}

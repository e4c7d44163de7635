import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The benchmark's fallback handler when no C compiler is present: the same echo as echo_handler.c,
 * run as a single-file program ({@code java EchoHandler.java}). Works on bytes, never on Strings, so
 * a 10 MB line costs one copy. Exits on EOF.
 */
public final class EchoHandler {
  private static final byte[] DATA_KEY = "\"task_data\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ATTEMPT_KEY = ",\"attempt\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] OK_HEAD = "{\"status\":\"success\",\"result\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] OK_TAIL = "}\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] BAD = ("{\"status\":\"error\",\"error\":\"echo handler: not a request line\","
      + "\"retryable\":false}\n").getBytes(StandardCharsets.US_ASCII);

  private EchoHandler() {}

  public static void main(String[] args) throws IOException {
    InputStream in = new BufferedInputStream(new FileInputStream(FileDescriptor.in), 1 << 16);
    OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
    byte[] line = new byte[1 << 16];
    while (true) {
      int len = 0;
      int b;
      while ((b = in.read()) >= 0 && b != '\n') {
        if (len == line.length) {
          line = Arrays.copyOf(line, line.length * 2);
        }
        line[len++] = (byte) b;
      }
      if (b < 0 && len == 0) {
        return;
      }
      if (len > 0 && line[len - 1] == '\r') {
        len--;
      }
      if (len > 0) {
        answer(line, len, out);
        out.flush();
      }
      if (b < 0) {
        return;
      }
    }
  }

  private static void answer(byte[] line, int len, OutputStream out) throws IOException {
    int data = indexOf(line, len, DATA_KEY, true);
    int attempt = indexOf(line, len, ATTEMPT_KEY, false);
    if (data < 0 || attempt < data + DATA_KEY.length) {
      out.write(BAD);
      return;
    }
    int from = data + DATA_KEY.length;
    out.write(OK_HEAD);
    out.write(line, from, attempt - from);
    out.write(OK_TAIL);
  }

  private static int indexOf(byte[] hay, int len, byte[] needle, boolean first) {
    int last = len - needle.length;
    for (int k = 0; k <= last; k++) {
      int i = first ? k : last - k;
      if (hay[i] == needle[0] && Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    return -1;
  }
}

package dev.taskdaemon.server.internal;

import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads request bodies under a limit. A declared {@code Content-Length} over the limit is refused
 * before a byte is read; a body without one (chunked) is counted as it arrives and refused as soon as
 * it passes the limit, so the server never holds more than the limit for one request.
 */
final class Bodies {
  private Bodies() {}

  static byte[] read(HttpExchange ex, long limit) throws IOException {
    String declared = ex.getRequestHeaders().getFirst("Content-Length");
    long length = -1;
    if (declared != null) {
      try {
        length = Long.parseLong(declared.trim());
      } catch (NumberFormatException e) {
        throw new HttpError(400, "Content-Length is not a number: " + Json.shorten(declared, 40));
      }
      if (length > limit) {
        throw tooLarge(limit);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(length > 0 ? (int) Math.min(length, 1 << 16) : 256);
    byte[] buf = new byte[16 * 1024];
    long total = 0;
    try (InputStream in = ex.getRequestBody()) {
      int n;
      while ((n = in.read(buf)) > 0) {
        total += n;
        if (total > limit) {
          throw tooLarge(limit);
        }
        out.write(buf, 0, n);
      }
    }
    return out.toByteArray();
  }

  private static HttpError tooLarge(long limit) {
    return new HttpError(413, "request body larger than " + limit + " bytes (DAEMON_MAX_BODY_BYTES)");
  }
}

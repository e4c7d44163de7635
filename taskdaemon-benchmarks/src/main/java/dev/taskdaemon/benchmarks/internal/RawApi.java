package dev.taskdaemon.benchmarks.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The raw Engine-API baseline: {@code n} containers created, attached (a hijacked connection each)
 * and started over the engine's Unix socket by a few lines of HTTP written here, with none of the
 * engine's or the docker runtime's code; a submitter takes an idle container, does one {@link
 * RawLine#roundTrip} over the demultiplexed stream, and gives it back. What the docker runtime's
 * api transport is measured against.
 */
final class RawApi implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path socket;
  private final List<SocketChannel> attached = new ArrayList<>();
  private final List<RawLine> all = new ArrayList<>();
  private final BlockingQueue<RawLine> idle;

  /** The engine's socket from {@code DOCKER_HOST}, or the default one; {@code null} when not a Unix socket. */
  static Path socket() {
    String host = System.getenv("DOCKER_HOST");
    if (host == null || host.isBlank()) {
      return Path.of("/var/run/docker.sock");
    }
    return host.startsWith("unix://") ? Path.of(host.substring("unix://".length())) : null;
  }

  RawApi(Path socket, String image, String label, int n) throws IOException {
    this.socket = socket;
    idle = new ArrayBlockingQueue<>(n);
    try {
      for (int i = 0; i < n; i++) {
        Map<String, Object> config = Map.of("Image", image, "Labels", Map.of(Docker.LABEL, label),
            "AttachStdin", true, "AttachStdout", true, "AttachStderr", true, "OpenStdin", true, "StdinOnce", true,
            "HostConfig", Map.of("AutoRemove", true, "NetworkMode", "none"));
        String id = JSON.readTree(call("POST", "/containers/create", JSON.writeValueAsBytes(config), 201))
            .get("Id").asText();
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        attached.add(ch);
        write(ch, ("POST /containers/" + id + "/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: docker\r\n"
            + "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        Frames frames = new Frames(ch);
        frames.skipHeaders();
        call("POST", "/containers/" + id + "/start", new byte[0], 204);
        RawLine line = new RawLine(new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer buf = ByteBuffer.wrap(b, off, len);
            while (buf.hasRemaining()) {
              ch.write(buf);
            }
          }
        }, frames);
        all.add(line);
        idle.add(line);
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** One request on its own connection; the body of an answer with the expected status. */
  private byte[] call(String method, String path, byte[] body, int expect) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      write(ch, (method + " " + path + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n"
          + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      write(ch, body);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteBuffer b = ByteBuffer.allocate(8192);
      while (ch.read(b) >= 0) {
        out.write(b.array(), 0, b.position());
        b.clear();
      }
      String text = out.toString(StandardCharsets.UTF_8);
      int status = Integer.parseInt(text.substring(9, 12));
      int start = text.indexOf("\r\n\r\n") + 4;
      if (status != expect) {
        throw new IOException(method + " " + path + " answered " + status + ": " + text.substring(start).strip());
      }
      // Small JSON answers come with a Content-Length; anything else is not read here.
      return text.substring(start).getBytes(StandardCharsets.UTF_8);
    }
  }

  private static void write(SocketChannel ch, byte[] bytes) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  /** One round trip on each container in turn. */
  void prime(byte[] request, byte[] expected) throws IOException {
    for (RawLine l : all) {
      l.roundTrip(request, expected);
    }
  }

  /** A round trip on whichever container is idle. */
  Load.Op op(byte[] request, byte[] expected) {
    return () -> {
      RawLine line = idle.take();
      try {
        line.roundTrip(request, expected);
      } finally {
        idle.put(line);
      }
    };
  }

  /** EOF to each container (it exits, and AutoRemove removes it); the caller removes leftovers by label. */
  @Override
  public void close() {
    for (SocketChannel ch : attached) {
      try {
        ch.shutdownOutput();
      } catch (IOException ignored) {
        // gone already
      }
    }
    for (SocketChannel ch : attached) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // closing is all that was asked
      }
    }
  }

  /** The stdout frames of an attach stream as a plain stream; stderr frames are dropped. */
  private static final class Frames extends InputStream {
    private final SocketChannel ch;
    private final ByteBuffer buf = ByteBuffer.allocate(64 * 1024).flip();
    private long left;
    private int type;

    Frames(SocketChannel ch) {
      this.ch = ch;
    }

    private boolean fill() throws IOException {
      buf.compact();
      int n = ch.read(buf);
      buf.flip();
      return n > 0;
    }

    void skipHeaders() throws IOException {
      int matched = 0;
      byte[] end = {'\r', '\n', '\r', '\n'};
      while (matched < 4) {
        if (!buf.hasRemaining() && !fill()) {
          throw new IOException("the engine closed the attach connection");
        }
        matched = buf.get() == end[matched] ? matched + 1 : 0;
      }
    }

    @Override
    public int read() throws IOException {
      byte[] b = new byte[1];
      return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      while (true) {
        if (left == 0) {
          while (buf.remaining() < 8) {
            if (!fill()) {
              return -1;
            }
          }
          type = buf.get();
          buf.position(buf.position() + 3);
          left = buf.getInt() & 0xffffffffL;
          continue;
        }
        if (!buf.hasRemaining() && !fill()) {
          return -1;
        }
        int n = (int) Math.min(left, buf.remaining());
        if (type == 1) {
          n = Math.min(n, len);
          buf.get(b, off, n);
          left -= n;
          return n;
        }
        buf.position(buf.position() + n);
        left -= n;
      }
    }
  }
}

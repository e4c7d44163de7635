package dev.taskdaemon.docker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An engine that speaks just enough of the Docker Engine API on a real Unix socket to run the api
 * transport against faults a real engine will not produce on demand: frame headers that lie, attach
 * streams that end, an engine that vanishes, an API version that is too old. Each container's
 * behaviour is a {@link Container} chosen by its creation number (1, 2, ...).
 */
final class FakeEngine implements AutoCloseable {
  /** What a container writes on its attach stream for each line of stdin; null closes the stream. */
  interface Container {
    byte[] answer(FakeEngine engine, int number, String line) throws IOException;
  }

  private static final Pattern PATH = Pattern.compile("(?:/v[0-9.]+)?/containers/([^/?]+)/(\\w+).*");

  final Path socket;
  final String apiVersion;
  private final Map<Integer, Container> behaviour;
  private final Container otherwise;
  private final ServerSocketChannel server;
  private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
  private final Map<String, Wait> waits = new ConcurrentHashMap<>();
  private final AtomicInteger created = new AtomicInteger();
  private final Thread acceptor;
  private volatile boolean gone;

  private static final class Wait {
    SocketChannel ch;
    Integer code;
  }

  FakeEngine(Path dir, String apiVersion, Map<Integer, Container> behaviour, Container otherwise) throws IOException {
    this.socket = dir.resolve("fake-engine.sock");
    this.apiVersion = apiVersion;
    this.behaviour = behaviour;
    this.otherwise = otherwise;
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    acceptor = new Thread(this::accept, "fake-engine-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String host() {
    return "unix://" + socket;
  }

  int created() {
    return created.get();
  }

  /** A well-behaved container: answers every request with its own number. */
  static byte[] success(int number) {
    return frame(1, "{\"status\":\"success\",\"result\":" + number + "}\n");
  }

  static byte[] frame(int type, String payload) {
    byte[] p = payload.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + p.length);
    b.put((byte) type).put((byte) 0).put((byte) 0).put((byte) 0).putInt(p.length).put(p);
    return b.array();
  }

  /** The engine goes away: every connection closes and nothing listens any more. */
  void vanish() {
    gone = true;
    try {
      server.close();
      Files.deleteIfExists(socket);
    } catch (IOException ignored) {
      // gone is gone
    }
    for (SocketChannel c : open) {
      close(c);
    }
  }

  @Override
  public void close() {
    vanish();
  }

  private void accept() {
    while (!gone) {
      try {
        SocketChannel c = server.accept();
        open.add(c);
        Thread t = new Thread(() -> serve(c), "fake-engine-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(SocketChannel c) {
    try {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      ByteBuffer one = ByteBuffer.allocate(1);
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        one.clear();
        if (c.read(one) < 0) {
          close(c);
          return;
        }
        head.write(one.array()[0]);
      }
      String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
      String[] req = lines[0].split(" ");
      String method = req[0];
      String path = req[1];
      int length = 0;
      for (String l : lines) {
        if (l.toLowerCase().startsWith("content-length:")) {
          length = Integer.parseInt(l.substring(15).strip());
        }
      }
      ByteBuffer body = ByteBuffer.allocate(length);
      while (body.hasRemaining() && c.read(body) >= 0) {
        // read the whole body
      }
      route(c, method, path);
    } catch (IOException e) {
      close(c);
    }
  }

  private void route(SocketChannel c, String method, String path) throws IOException {
    if (path.equals("/version")) {
      json(c, 200, "{\"Version\":\"fake\",\"ApiVersion\":\"" + apiVersion + "\",\"MinAPIVersion\":\"1.12\"}");
      return;
    }
    if (path.contains("/images/")) {
      json(c, 200, "{\"Id\":\"sha256:fake\"}");
      return;
    }
    if (path.contains("/containers/create")) {
      int n = created.incrementAndGet();
      waits.put("c" + n, new Wait());
      json(c, 201, "{\"Id\":\"c" + n + "\"}");
      return;
    }
    if (path.contains("/containers/json") || path.contains("/events")) {
      json(c, 200, "[]");
      return;
    }
    Matcher m = PATH.matcher(path);
    if (!m.matches()) {
      json(c, 404, "{\"message\":\"fake engine: no route for " + path + "\"}");
      return;
    }
    String id = m.group(1);
    String op = method.equals("DELETE") ? "delete" : m.group(2);
    switch (op) {
      case "attach":
        write(c, "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\n"
            + "Upgrade: tcp\r\n\r\n");
        attached(c, Integer.parseInt(id.substring(1)));
        return;
      case "wait":
        write(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n");
        Wait w = waits.get(id);
        synchronized (w) {
          w.ch = c;
          if (w.code != null) {
            finishWait(w);
          }
        }
        return;
      case "start":
        json(c, 204, null);
        return;
      case "kill":
      case "delete":
      case "stop":
        exit(id, op.equals("stop") ? 143 : 137);
        json(c, 204, null);
        return;
      case "json":
        json(c, 404, "{\"message\":\"No such container: " + id + "\"}");
        return;
      default:
        json(c, 404, "{\"message\":\"fake engine: no route for " + path + "\"}");
    }
  }

  /** The container ends: its wait answers with the code, the wait connection closes. */
  void exit(String id, int code) {
    Wait w = waits.get(id);
    if (w == null) {
      return;
    }
    synchronized (w) {
      if (w.code == null) {
        w.code = code;
        if (w.ch != null) {
          finishWait(w);
        }
      }
    }
  }

  private void finishWait(Wait w) {
    try {
      write(w.ch, "{\"StatusCode\":" + w.code + "}\n");
    } catch (IOException ignored) {
      // the client went away first
    }
    close(w.ch);
  }

  private void attached(SocketChannel c, int number) throws IOException {
    Container k = behaviour.getOrDefault(number, otherwise);
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    ByteBuffer b = ByteBuffer.allocate(4096);
    while (true) {
      b.clear();
      int n = c.read(b);
      if (n < 0) {
        close(c);
        exit("c" + number, 0);
        return;
      }
      for (int i = 0; i < n; i++) {
        byte x = b.get(i);
        if (x != '\n') {
          line.write(x);
          continue;
        }
        byte[] out = k.answer(this, number, line.toString(StandardCharsets.UTF_8));
        line.reset();
        if (out == null) {
          close(c);
          return;
        }
        c.write(ByteBuffer.wrap(out));
      }
    }
  }

  private static void json(SocketChannel c, int status, String body) throws IOException {
    String reason = status == 200 ? "OK" : status == 201 ? "Created" : status == 204 ? "No Content" : "Not Found";
    byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    write(c, "HTTP/1.1 " + status + " " + reason + "\r\n" + (body == null ? ""
        : "Content-Type: application/json\r\nContent-Length: " + b.length + "\r\n") + "\r\n"
        + (body == null ? "" : body));
    close(c);
  }

  private static void write(SocketChannel c, String s) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) {
      c.write(b);
    }
  }

  private static void close(SocketChannel c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // closing is all that was asked
    }
  }
}

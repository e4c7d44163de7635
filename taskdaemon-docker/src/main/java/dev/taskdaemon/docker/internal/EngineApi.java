package dev.taskdaemon.docker.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URLEncoder;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A minimal HTTP/1.1 client for the Docker Engine API on a Unix socket, written on the JDK alone
 * ({@link UnixDomainSocketAddress} and {@link SocketChannel}). Every call opens its own connection
 * and is bounded: a watchdog closes the channel at the deadline, which ends any blocked read.
 *
 * <p>Request bodies are never logged: a container's create request carries its environment values.
 */
public final class EngineApi {
  /** Oldest API version this client speaks: {@code HostConfig.Init} and wait conditions need 1.30. */
  static final String MIN_VERSION = "1.30";
  /** Newest API version this client was written against; a newer engine is asked for this one. */
  static final String MAX_VERSION = "1.51";
  /** JSON bodies beyond this are refused: the answers parsed here are kilobytes. */
  private static final int MAX_BODY = 16 * 1024 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();

  private final Path socket;
  private final String address;
  private volatile String prefix;

  /** An API client for the engine listening on {@code socket}; {@code address} is its {@code unix://} form. */
  public EngineApi(Path socket, String address) {
    this.socket = socket;
    this.address = address;
  }

  private static ScheduledThreadPoolExecutor watchdog() {
    ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "td-docker-api-deadline");
      t.setDaemon(true);
      return t;
    });
    e.setRemoveOnCancelPolicy(true);
    return e;
  }

  /** The engine's address, {@code unix:///...}. */
  public String address() {
    return address;
  }

  /** What an engine answered: the status, the headers (lower-case names) and the body. */
  public record Response(int status, Map<String, String> headers, byte[] body) {
    /** The body as JSON ({@code null} node when empty). */
    public JsonNode json() throws IOException {
      return body.length == 0 ? JSON.nullNode() : JSON.readTree(body);
    }

    /** The engine's own explanation of an error: its {@code message} field, else the body as text. */
    public String message() {
      try {
        JsonNode m = json().path("message");
        if (m.isTextual()) {
          return m.asText();
        }
      } catch (IOException e) {
        // not JSON: the text is the explanation
      }
      String s = new String(body, StandardCharsets.UTF_8).strip();
      return s.isEmpty() ? "HTTP status " + status : s;
    }

    public boolean ok() {
      return status >= 200 && status < 300;
    }
  }

  /** Thrown when the engine cannot be reached at all: the message is the same as the docker CLI's. */
  public static final class Unreachable extends IOException {
    private static final long serialVersionUID = 1L;

    Unreachable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Thrown when the engine speaks no API version this client does. */
  public static final class UnsupportedVersion extends IOException {
    private static final long serialVersionUID = 1L;

    UnsupportedVersion(String message) {
      super(message);
    }
  }

  // ------------------------------------------------------------------ version

  /**
   * Asks the engine for its version ({@code GET /version}, unversioned) and picks the API version
   * to speak: the engine's own, capped at {@link #MAX_VERSION}.
   *
   * @return the engine's product version, e.g. {@code 20.10.24}
   * @throws UnsupportedVersion when the engine is older than {@link #MIN_VERSION} or newer than the
   *     cap allows (its minimum above {@link #MAX_VERSION})
   */
  public String negotiate(Duration bound) throws IOException {
    Response r = call("GET", "/version", null, bound);
    if (!r.ok()) {
      throw new IOException("the Docker engine at " + address + " answered GET /version with " + r.status() + ": "
          + r.message());
    }
    JsonNode v = r.json();
    String api = v.path("ApiVersion").asText("");
    String min = v.path("MinAPIVersion").asText(MIN_VERSION);
    if (api.isEmpty() || compare(api, MIN_VERSION) < 0 || compare(min, MAX_VERSION) > 0) {
      throw new UnsupportedVersion("the Docker engine at " + address + " (version " + v.path("Version").asText("?")
          + ") speaks API versions " + min + " to " + (api.isEmpty() ? "?" : api)
          + ", and the api transport speaks " + MIN_VERSION + " to " + MAX_VERSION);
    }
    prefix = "/v" + (compare(api, MAX_VERSION) > 0 ? MAX_VERSION : api);
    return v.path("Version").asText("");
  }

  static int compare(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      int p = i < x.length ? parse(x[i]) : 0;
      int q = i < y.length ? parse(y[i]) : 0;
      if (p != q) {
        return Integer.compare(p, q);
      }
    }
    return 0;
  }

  private static int parse(String s) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The path prefix of the negotiated version, e.g. {@code /v1.41}; negotiates on first use. */
  String versionPrefix() throws IOException {
    String p = prefix;
    if (p == null) {
      negotiate(Duration.ofSeconds(20));
      p = prefix;
    }
    return p;
  }

  private String versioned(String path) throws IOException {
    String p = prefix;
    if (p == null) {
      negotiate(Duration.ofSeconds(20));
      p = prefix;
    }
    return p + path;
  }

  // ------------------------------------------------------------------ operations

  /** {@code GET /images/{name}/json}: whether the engine has the image. */
  public boolean hasImage(String image, Duration bound) throws IOException {
    Response r = call("GET", versioned("/images/" + encodePath(image) + "/json"), null, bound);
    if (r.status() == 404) {
      return false;
    }
    if (!r.ok()) {
      throw new IOException(r.message());
    }
    return true;
  }

  /**
   * {@code POST /images/create}: pulls an image. The engine answers 200 and then streams progress;
   * a failure during the pull arrives as an {@code error} in that stream.
   *
   * @return {@code null} when pulled, else the engine's or registry's reason
   */
  public String pull(String image, Duration bound) throws IOException {
    String from = image;
    String tag = null;
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    if (!image.contains("@") && colon > slash) {
      from = image.substring(0, colon);
      tag = image.substring(colon + 1);
    }
    String q = "/images/create?fromImage=" + encode(from) + (tag != null ? "&tag=" + encode(tag) : "");
    Response r = call("POST", versioned(q), new byte[0], bound);
    if (!r.ok()) {
      return r.message();
    }
    // Progress is a sequence of JSON objects; the last error, if any, is the reason.
    String error = null;
    try (com.fasterxml.jackson.core.JsonParser p = JSON.getFactory().createParser(r.body())) {
      for (java.util.Iterator<JsonNode> it = JSON.readValues(p, JsonNode.class); it.hasNext(); ) {
        JsonNode n = it.next();
        if (n.hasNonNull("error")) {
          error = n.get("error").asText();
        }
      }
    }
    return error;
  }

  /** {@code POST /containers/create}; returns the new container's id. */
  public String create(String name, Map<String, Object> config, Duration bound) throws IOException {
    Response r = call("POST", versioned("/containers/create?name=" + encode(name)), JSON.writeValueAsBytes(config),
        bound);
    if (r.status() != 201) {
      throw new IOException("the Docker engine at " + address + " could not create container " + name + ": "
          + r.message());
    }
    return r.json().path("Id").asText();
  }

  /** {@code POST /containers/{id}/start}; the engine's reason on failure. */
  public void start(String id, Duration bound) throws IOException {
    Response r = call("POST", versioned("/containers/" + id + "/start"), new byte[0], bound);
    if (!r.ok() && r.status() != 304) {
      throw new IOException(r.message());
    }
  }

  /** {@code POST /containers/{id}/kill}: true when a signal was sent, false when not running or gone. */
  public boolean kill(String id, Duration bound) throws IOException {
    Response r = call("POST", versioned("/containers/" + id + "/kill"), new byte[0], bound);
    return r.ok();
  }

  /** {@code POST /containers/{id}/stop?t=N}. */
  public void stop(String id, int seconds, Duration bound) throws IOException {
    call("POST", versioned("/containers/" + id + "/stop?t=" + seconds), new byte[0], bound);
  }

  /**
   * {@code DELETE /containers/{id}?force=1}.
   *
   * @return {@code "removed"}, {@code "gone"}, {@code "in progress"}, or the engine's reason
   */
  public String remove(String id, Duration bound) throws IOException {
    Response r = call("DELETE", versioned("/containers/" + encodePath(id) + "?force=1"), null, bound);
    if (r.ok()) {
      return "removed";
    }
    if (r.status() == 404) {
      return "gone";
    }
    String m = r.message();
    return m.contains("already in progress") ? "in progress" : m;
  }

  /** {@code GET /containers/{id}/json}, or {@code null} when there is no such container. */
  public JsonNode inspect(String id, Duration bound) throws IOException {
    Response r = call("GET", versioned("/containers/" + encodePath(id) + "/json"), null, bound);
    if (r.status() == 404) {
      return null;
    }
    if (!r.ok()) {
      throw new IOException(r.message());
    }
    return r.json();
  }

  /** {@code GET /containers/json?all=1} filtered by labels ({@code key=value}); returns the ids. */
  public List<String> list(List<String> labels, Duration bound) throws IOException {
    String filters = JSON.writeValueAsString(Map.of("label", labels));
    Response r = call("GET", versioned("/containers/json?all=1&filters=" + encode(filters)), null, bound);
    if (!r.ok()) {
      throw new IOException("listing containers on " + address + " failed: " + r.message());
    }
    List<String> ids = new java.util.ArrayList<>();
    for (JsonNode c : r.json()) {
      ids.add(c.path("Id").asText());
    }
    return ids;
  }

  /** The statuses of a container's events between two times ({@code GET /events}, which ends at {@code until}). */
  public List<String> events(String container, String since, String until, Duration bound) throws IOException {
    Map<String, List<String>> f = new LinkedHashMap<>();
    f.put("container", List.of(container));
    f.put("event", List.of("oom", "kill", "die"));
    Response r = call("GET", versioned("/events?since=" + since + "&until=" + until + "&filters="
        + encode(JSON.writeValueAsString(f))), null, bound);
    if (!r.ok()) {
      throw new IOException(r.message());
    }
    List<String> out = new java.util.ArrayList<>();
    try (com.fasterxml.jackson.core.JsonParser p = JSON.getFactory().createParser(r.body())) {
      for (java.util.Iterator<JsonNode> it = JSON.readValues(p, JsonNode.class); it.hasNext(); ) {
        JsonNode n = it.next();
        out.add(n.path("status").asText(n.path("Action").asText()));
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ HTTP

  /** Opens a connection to the engine's socket. */
  SocketChannel connect() throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.connect(UnixDomainSocketAddress.of(socket));
      return ch;
    } catch (IOException e) {
      ch.close();
      throw new Unreachable("Cannot connect to the Docker daemon at " + address + ". Is the docker daemon running?",
          e);
    }
  }

  /** One request on its own connection, within {@code bound}. */
  public Response call(String method, String path, byte[] body, Duration bound) throws IOException {
    SocketChannel ch = connect();
    ScheduledFuture<?> guard = WATCHDOG.schedule(() -> closeQuietly(ch), bound.toNanos(), TimeUnit.NANOSECONDS);
    try (ch) {
      write(ch, request(method, path, body, Map.of()));
      Reader in = new Reader(ch);
      return in.response(method.equals("HEAD"));
    } catch (java.nio.channels.ClosedChannelException e) {
      throw new IOException("the Docker engine at " + address + " did not answer " + method + " " + strip(path)
          + " within " + bound.toSeconds() + "s", e);
    } finally {
      guard.cancel(false);
    }
  }

  private static String strip(String path) {
    int q = path.indexOf('?');
    return q < 0 ? path : path.substring(0, q);
  }

  static byte[] request(String method, String path, byte[] body, Map<String, String> extra) {
    StringBuilder sb = new StringBuilder(256).append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
        .append("Host: docker\r\nUser-Agent: taskdaemon\r\n");
    extra.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
    if (!extra.containsKey("Connection")) {
      sb.append("Connection: close\r\n");
    }
    if (body != null) {
      sb.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
    }
    sb.append("\r\n");
    byte[] head = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    if (body == null || body.length == 0) {
      return head;
    }
    byte[] all = new byte[head.length + body.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(body, 0, all, head.length, body.length);
    return all;
  }

  static void write(SocketChannel ch, byte[] bytes) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  static void closeQuietly(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // closing is all that was asked
    }
  }

  static ScheduledFuture<?> deadline(SocketChannel ch, Duration bound) {
    return WATCHDOG.schedule(() -> closeQuietly(ch), bound.toNanos(), TimeUnit.NANOSECONDS);
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** A path segment: image names keep their slashes, which the engine's router expects as written. */
  private static String encodePath(String s) {
    return encode(s).replace("%2F", "/").replace("%3A", ":").replace("%40", "@");
  }

  /**
   * Reads an HTTP response from a channel through a buffer; after the headers of an upgraded
   * connection, what is left in the buffer belongs to the raw stream.
   */
  static final class Reader {
    final SocketChannel ch;
    final ByteBuffer buf;

    Reader(SocketChannel ch) {
      this(ch, 8 * 1024);
    }

    Reader(SocketChannel ch, int capacity) {
      this.ch = ch;
      this.buf = ByteBuffer.allocate(capacity).flip();
    }

    boolean fill() throws IOException {
      buf.compact();
      try {
        int n = ch.read(buf);
        return n > 0;
      } finally {
        buf.flip();
      }
    }

    String line() throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream(64);
      while (true) {
        while (buf.hasRemaining()) {
          byte b = buf.get();
          if (b == '\n') {
            String s = out.toString(StandardCharsets.ISO_8859_1);
            return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
          }
          if (out.size() > 64 * 1024) {
            throw new IOException("an HTTP header line from the Docker engine is longer than 64 KiB");
          }
          out.write(b);
        }
        if (!fill()) {
          throw new java.io.EOFException("the Docker engine closed the connection in the middle of a response");
        }
      }
    }

    /** Status line and headers. */
    Response head() throws IOException {
      String status = line();
      String[] parts = status.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
        throw new IOException("not an HTTP response from the Docker engine: " + shorten(status));
      }
      int code;
      try {
        code = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        throw new IOException("not an HTTP status from the Docker engine: " + shorten(status), e);
      }
      Map<String, String> headers = new LinkedHashMap<>();
      for (String h = line(); !h.isEmpty(); h = line()) {
        int c = h.indexOf(':');
        if (c > 0) {
          headers.put(h.substring(0, c).strip().toLowerCase(Locale.ROOT), h.substring(c + 1).strip());
        }
      }
      return new Response(code, headers, new byte[0]);
    }

    Response response(boolean noBody) throws IOException {
      Response h = head();
      if (noBody || h.status() == 204 || h.status() == 304) {
        return h;
      }
      return new Response(h.status(), h.headers(), body(h.headers()));
    }

    byte[] body(Map<String, String> headers) throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      String te = headers.getOrDefault("transfer-encoding", "");
      if (te.equalsIgnoreCase("chunked")) {
        while (true) {
          String size = line();
          int semi = size.indexOf(';');
          long n;
          try {
            n = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).strip(), 16);
          } catch (NumberFormatException e) {
            throw new IOException("a malformed chunk size from the Docker engine: " + shorten(size), e);
          }
          if (n == 0) {
            for (String t = line(); !t.isEmpty(); t = line()) {
              // trailers: none that matter
            }
            return out.toByteArray();
          }
          copy(n, out);
          line();
        }
      }
      String cl = headers.get("content-length");
      if (cl != null) {
        long n;
        try {
          n = Long.parseLong(cl.strip());
        } catch (NumberFormatException e) {
          throw new IOException("a malformed Content-Length from the Docker engine: " + shorten(cl), e);
        }
        copy(n, out);
        return out.toByteArray();
      }
      while (true) {
        copyAvailable(out);
        if (!fill()) {
          return out.toByteArray();
        }
      }
    }

    private void copy(long n, ByteArrayOutputStream out) throws IOException {
      if (out.size() + n > MAX_BODY) {
        throw new IOException("a response from the Docker engine is larger than " + MAX_BODY + " bytes");
      }
      long left = n;
      while (left > 0) {
        if (!buf.hasRemaining() && !fill()) {
          throw new java.io.EOFException("the Docker engine closed the connection in the middle of a response");
        }
        int k = (int) Math.min(left, buf.remaining());
        out.write(buf.array(), buf.arrayOffset() + buf.position(), k);
        buf.position(buf.position() + k);
        left -= k;
      }
    }

    private void copyAvailable(ByteArrayOutputStream out) throws IOException {
      if (out.size() + buf.remaining() > MAX_BODY) {
        throw new IOException("a response from the Docker engine is larger than " + MAX_BODY + " bytes");
      }
      out.write(buf.array(), buf.arrayOffset() + buf.position(), buf.remaining());
      buf.position(buf.limit());
    }
  }

  static String shorten(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}

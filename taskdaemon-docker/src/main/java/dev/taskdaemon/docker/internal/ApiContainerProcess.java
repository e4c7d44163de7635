package dev.taskdaemon.docker.internal;

import dev.taskdaemon.spi.HandlerProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One container reached through the Engine API, with no CLI process in between: its stdin, stdout
 * and stderr travel on one hijacked attach connection, where the engine (no TTY) frames stdout and
 * stderr with 8-byte headers. The thread that reads stdout also takes the stderr frames off the
 * connection and hands them to a bounded buffer that the stderr reader drains, so no extra thread
 * sits between the engine and a response. A second connection waits for the container's removal
 * and gives the exit code.
 */
public final class ApiContainerProcess implements HandlerProcess {
  private static final Logger LOG = LoggerFactory.getLogger(ApiContainerProcess.class);
  private static final Duration CALL_BOUND = Duration.ofSeconds(30);
  private static final Duration KILL_CALL_BOUND = Duration.ofSeconds(5);
  private static final Duration EVENTS_WAIT = Duration.ofSeconds(3);
  /** Exit code reported when the engine stopped answering before it said how the container ended. */
  public static final int ENGINE_GONE = -1;
  /** The most stderr held for the stderr reader; the buffer grows to it only when stderr comes faster than it is read. */
  private static final int STDERR_BUFFER = 256 * 1024;
  /** What one read from the attach connection takes: large answers pass through in pieces of this size. */
  private static final int ATTACH_BUFFER = 32 * 1024;

  private final EngineApi api;
  private final Endpoint engine;
  private final String name;
  private final String id;
  private final String memoryLimit;
  private final Instant launched;
  private final SocketChannel attach;
  private final Demux demux;
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private final KillOnce killing = new KillOnce();
  private final OutputStream stdin;
  private volatile String engineGone;
  /** Why the attach stream was given up, when that came before the container's end. */
  private volatile String streamFailure;

  private ApiContainerProcess(EngineApi api, Endpoint engine, String name, String id, String memoryLimit,
      Instant launched, SocketChannel attach, EngineApi.Reader attachReader) {
    this.api = api;
    this.engine = engine;
    this.name = name;
    this.id = id;
    this.memoryLimit = memoryLimit;
    this.launched = launched;
    this.attach = attach;
    this.demux = new Demux(attachReader);
    this.stdin = new Stdin();
  }

  /**
   * Creates, attaches to and starts a container. Attach and wait are set up before the start, so
   * that no output and no exit can be missed. Anything created is removed again when a later step fails.
   *
   * @param config the create request's body: it holds env values, so it is never logged
   */
  public static ApiContainerProcess launch(EngineApi api, Endpoint engine, String name, Map<String, Object> config,
      String memoryLimit) throws IOException {
    Instant launched = Instant.now();
    long t0 = System.nanoTime();
    String id = api.create(name, config, CALL_BOUND);
    long created = System.nanoTime();
    SocketChannel attach = null;
    SocketChannel wait = null;
    try {
      attach = api.connect();
      EngineApi.Reader attachReader = new EngineApi.Reader(attach, ATTACH_BUFFER);
      ScheduledFuture<?> guard = EngineApi.deadline(attach, CALL_BOUND);
      try {
        EngineApi.write(attach, EngineApi.request("POST", versioned(api, "/containers/" + id
            + "/attach?stream=1&stdin=1&stdout=1&stderr=1"), null, Map.of("Connection", "Upgrade", "Upgrade", "tcp")));
        EngineApi.Response h = attachReader.head();
        if (h.status() != 101 && h.status() != 200) {
          throw new IOException("the Docker engine at " + api.address() + " refused to attach to container " + name
              + ": " + new EngineApi.Response(h.status(), h.headers(), attachReader.body(h.headers())).message());
        }
      } finally {
        guard.cancel(false);
      }
      wait = api.connect();
      EngineApi.Reader waitReader = new EngineApi.Reader(wait, 1024);
      guard = EngineApi.deadline(wait, CALL_BOUND);
      EngineApi.Response wh;
      try {
        EngineApi.write(wait, EngineApi.request("POST", versioned(api, "/containers/" + id
            + "/wait?condition=removed"), new byte[0], Map.of()));
        // The engine sends the headers once the wait is registered.
        wh = waitReader.head();
      } finally {
        guard.cancel(false);
      }
      if (wh.status() != 200) {
        throw new IOException("the Docker engine at " + api.address() + " cannot wait for container " + name + ": "
            + new EngineApi.Response(wh.status(), wh.headers(), waitReader.body(wh.headers())).message());
      }
      ApiContainerProcess p = new ApiContainerProcess(api, engine, name, id, memoryLimit, launched, attach,
          attachReader);
      byte[] already = new byte[waitReader.buf.remaining()];
      waitReader.buf.get(already);
      ExitWatcher.get().watch(wait, already, p::exited);
      wait = null;
      long attached = System.nanoTime();
      try {
        api.start(id, CALL_BOUND);
      } catch (IOException e) {
        p.kill(KILL_CALL_BOUND);
        throw new IOException("the Docker engine at " + api.address() + " could not start container " + name + ": "
            + e.getMessage(), e);
      }
      attach = null;
      if (LOG.isDebugEnabled()) {
        long started = System.nanoTime();
        LOG.debug("container {}: created in {} ms, attached and waited on in {} ms, started in {} ms", name,
            (created - t0) / 1_000_000, (attached - created) / 1_000_000, (started - attached) / 1_000_000);
      }
      return p;
    } catch (IOException | RuntimeException e) {
      if (attach != null) {
        EngineApi.closeQuietly(attach);
        removeQuietly(api, id, name);
      }
      if (wait != null) {
        EngineApi.closeQuietly(wait);
      }
      throw e;
    }
  }

  private static String versioned(EngineApi api, String path) throws IOException {
    return api.versionPrefix() + path;
  }

  private static void removeQuietly(EngineApi api, String id, String name) {
    try {
      api.remove(id, KILL_CALL_BOUND);
    } catch (IOException e) {
      LOG.debug("container {}: remove after a failed launch failed: {}", name, e.toString());
    }
  }

  private void exited(Integer code, String why) {
    if (code == null) {
      engineGone = why;
      exit.complete(ENGINE_GONE);
    } else {
      exit.complete(code);
    }
  }

  /** The container's name. */
  public String name() {
    return name;
  }

  @Override
  public OutputStream stdin() {
    return stdin;
  }

  @Override
  public InputStream stdout() {
    return demux.stdout;
  }

  @Override
  public InputStream stderr() {
    return demux.stderr;
  }

  @Override
  public CompletableFuture<Integer> onExit() {
    return exit;
  }

  @Override
  public void terminate() {
    Thread t = new Thread(() -> {
      try {
        api.stop(id, ContainerProcess.STOP_SECONDS, Duration.ofSeconds(ContainerProcess.STOP_SECONDS + 10));
      } catch (IOException e) {
        LOG.debug("container {}: stop failed: {}", name, e.toString());
      }
    }, "td-docker-stop-" + name);
    t.setDaemon(true);
    t.start();
  }

  /** Kill, then forced removal (waiting, bounded, while the engine is already removing it), then the streams. */
  @Override
  public void kill(Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    killing.run(bound, () -> {
      try {
        if (!exit.isDone()) {
          api.kill(id, min(KILL_CALL_BOUND, deadline));
          String removed = api.remove(id, min(KILL_CALL_BOUND, deadline));
          while (removed.equals("in progress") && System.nanoTime() < deadline) {
            if (api.inspect(id, min(KILL_CALL_BOUND, deadline)) == null) {
              break;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
          }
          if (!removed.equals("removed") && !removed.equals("gone") && !removed.equals("in progress")) {
            LOG.warn("container {} on {}: forced removal failed: {}", name, engine, removed);
          }
        }
      } catch (IOException e) {
        LOG.debug("container {}: kill failed: {}", name, e.toString());
      } finally {
        EngineApi.closeQuietly(attach);
        demux.endStderr();
        try {
          exit.get(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (Exception e) {
          // the engine did not confirm in time; the session's cleanup at close() covers the rest
        }
      }
    });
  }

  @Override
  public String describeExit(int exitCode) {
    String how = exitCode == ENGINE_GONE
        ? "the Docker engine at " + api.address() + " stopped answering: " + engineGone
        : ExitReasons.describe(exitCode, killing.started(), memoryLimit, this::killCause);
    String broke = streamFailure;
    return broke == null ? how : how == null ? broke : broke + "; " + how;
  }

  private ExitReasons.KillCause killCause() {
    long deadline = System.nanoTime() + EVENTS_WAIT.toNanos();
    String since = ContainerProcess.epoch(launched.minusSeconds(2));
    while (true) {
      try {
        ExitReasons.KillCause c = ExitReasons.fromEvents(api.events(name, since,
            ContainerProcess.epoch(Instant.now()), EVENTS_WAIT));
        if (c != null) {
          return c;
        }
      } catch (IOException e) {
        return ExitReasons.KillCause.UNKNOWN;
      }
      if (System.nanoTime() > deadline) {
        return ExitReasons.KillCause.UNKNOWN;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  @Override
  public String describe() {
    return "container " + name + (engine.host() != null ? " on " + engine.host() : "");
  }

  private static Duration min(Duration d, long deadlineNanos) {
    long left = Math.max(1_000_000, deadlineNanos - System.nanoTime());
    return Duration.ofNanos(Math.min(d.toNanos(), left));
  }

  /** Writes go straight to the attach connection; closing half-closes it, which the engine passes on as EOF. */
  private final class Stdin extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
      ByteBuffer buf = ByteBuffer.wrap(b, off, len);
      while (buf.hasRemaining()) {
        attach.write(buf);
      }
    }

    @Override
    public void close() throws IOException {
      try {
        attach.shutdownOutput();
      } catch (java.nio.channels.ClosedChannelException ignored) {
        // already gone: EOF is what the container has anyway
      }
    }
  }

  /**
   * Splits the engine's multiplexed stream: each frame is a header (stream type 1 = stdout, 2 =
   * stderr; three zero bytes; a big-endian 32-bit payload length) and its payload. A header that
   * breaks these rules ends both streams with an error naming the container.
   */
  final class Demux {
    private final EngineApi.Reader in;
    private int type = -1;
    private long left;
    private final Ring err = new Ring(STDERR_BUFFER);
    final InputStream stdout = new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] b = new byte[1];
        int n = read(b, 0, 1);
        return n < 0 ? -1 : b[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return readStdout(b, off, len);
      }

      @Override
      public int available() {
        return availableStdout();
      }

      @Override
      public void close() {
        EngineApi.closeQuietly(attach);
      }
    };
    final InputStream stderr = err;

    Demux(EngineApi.Reader in) {
      this.in = in;
    }

    void endStderr() {
      err.end();
    }

    synchronized int availableStdout() {
      return type == 1 && left > 0 ? (int) Math.min(left, in.buf.remaining()) : 0;
    }

    synchronized int readStdout(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      try {
        while (true) {
          ByteBuffer buf = in.buf;
          if (left == 0) {
            while (buf.remaining() < 8) {
              if (!in.fill()) {
                endStderr();
                return -1;
              }
            }
            int t = buf.get() & 0xff;
            int reserved = (buf.get() & 0xff) | (buf.get() & 0xff) | (buf.get() & 0xff);
            long size = buf.getInt() & 0xffffffffL;
            if ((t != 1 && t != 2) || reserved != 0) {
              throw new IOException("the Docker engine's attach stream for container " + name + " sent a malformed"
                  + " frame header (stream type " + t + ", reserved bytes " + (reserved == 0 ? "zero" : "not zero")
                  + ", length " + size + "); the stream cannot be trusted any more");
            }
            type = t;
            left = size;
            continue;
          }
          if (!buf.hasRemaining() && !in.fill()) {
            endStderr();
            return -1;
          }
          int n = (int) Math.min(left, buf.remaining());
          if (type == 1) {
            n = Math.min(n, len);
            buf.get(b, off, n);
            left -= n;
            return n;
          }
          err.write(buf.array(), buf.arrayOffset() + buf.position(), n);
          buf.position(buf.position() + n);
          left -= n;
        }
      } catch (IOException e) {
        if (!killing.started() && streamFailure == null) {
          streamFailure = e.getMessage();
        }
        endStderr();
        EngineApi.closeQuietly(attach);
        throw e;
      }
    }
  }

  /**
   * A bounded byte buffer between the stdout reader (which writes stderr frames into it) and the
   * stderr reader. A full buffer makes the writer wait; a reader that closed its end makes writes
   * drop, so a reader that went away can never stall stdout.
   */
  static final class Ring extends InputStream {
    private final int capacity;
    private byte[] data = new byte[0];
    private int head;
    private int size;
    private boolean ended;
    private boolean readerClosed;

    Ring(int capacity) {
      this.capacity = capacity;
    }

    /** Grows the buffer (doubling, up to the capacity) so that most instances, which log little, hold little. */
    private void grow(int wanted) {
      if (size + wanted <= data.length || data.length == capacity) {
        return;
      }
      int n = Math.min(capacity, Math.max(Math.max(4096, data.length * 2), Integer.highestOneBit(size + wanted) * 2));
      byte[] d = new byte[n];
      for (int i = 0; i < size; i++) {
        d[i] = data[(head + i) % data.length];
      }
      data = d;
      head = 0;
    }

    synchronized void write(byte[] b, int off, int len) throws InterruptedIOException {
      while (len > 0) {
        grow(len);
        while (size == data.length && !readerClosed && !ended) {
          try {
            wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while passing on stderr");
          }
        }
        if (readerClosed || ended) {
          return;
        }
        int tail = (head + size) % data.length;
        int n = Math.min(len, Math.min(data.length - size, data.length - tail));
        System.arraycopy(b, off, data, tail, n);
        size += n;
        off += n;
        len -= n;
        notifyAll();
      }
    }

    synchronized void end() {
      ended = true;
      notifyAll();
    }

    @Override
    public int read() throws IOException {
      byte[] b = new byte[1];
      int n = read(b, 0, 1);
      return n < 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (size == 0 && !ended) {
        try {
          wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while reading stderr");
        }
      }
      if (size == 0) {
        return -1;
      }
      int n = Math.min(len, Math.min(size, data.length - head));
      System.arraycopy(data, head, b, off, n);
      head = (head + n) % data.length;
      size -= n;
      notifyAll();
      return n;
    }

    @Override
    public synchronized int available() {
      return size;
    }

    @Override
    public synchronized void close() {
      readerClosed = true;
      notifyAll();
    }
  }

  /** For tests: the container id. */
  public String id() {
    return id;
  }
}

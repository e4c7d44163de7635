package dev.taskdaemon.testkit;

import dev.taskdaemon.Task;
import dev.taskdaemon.spi.HandlerProcess;
import dev.taskdaemon.spi.InstanceInfo;
import dev.taskdaemon.testkit.internal.Pipe;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One fake instance: three in-memory pipes and a thread that plays the handler program, reading
 * request lines from stdin and writing response lines to stdout. It ends like a process does: on
 * end of stdin (exit 0), a scripted crash, {@link #terminate()} (143) or {@link #kill(Duration)}
 * (137); ending closes its side of every pipe, so the engine's readers see end of file.
 */
final class FakeProcess implements HandlerProcess {
  /** The size of each pipe, as a Linux pipe: a writer blocks when this much is unread. */
  static final int PIPE_CAPACITY = 64 * 1024;
  static final int EXIT_TERMINATED = 143;
  static final int EXIT_KILLED = 137;
  static final int EXIT_PROTOCOL = 2;

  private final FakeHandler fake;
  private final String name;
  private final Pipe stdin;
  private final Pipe stdout;
  private final Pipe stderr;
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private final CountDownLatch stop = new CountDownLatch(1);
  private final AtomicBoolean ended = new AtomicBoolean();
  private final Thread thread;
  private volatile int crashCode = -1;

  FakeProcess(FakeHandler fake, InstanceInfo info) {
    this.fake = fake;
    this.name = info.name();
    this.stdin = new Pipe(name + " stdin", PIPE_CAPACITY);
    this.stdout = new Pipe(name + " stdout", PIPE_CAPACITY);
    this.stderr = new Pipe(name + " stderr", PIPE_CAPACITY);
    this.thread = new Thread(this::run, Fakes.THREAD_NAME_PREFIX + info.daemon() + "-" + name);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  Thread thread() {
    return thread;
  }

  private void run() {
    LineInput in = new LineInput(stdin.source());
    try {
      while (true) {
        byte[] line = in.readLine();
        if (line == null) {
          end(0);
          return;
        }
        Task task;
        try {
          task = Wire.decodeRequest(line);
        } catch (IllegalArgumentException e) {
          String msg = "instance " + name + " received a request that breaks the protocol: " + e.getMessage();
          fake.fail(msg, null);
          writeLine(stderr, msg);
          end(EXIT_PROTOCOL);
          return;
        }
        if (!play(fake.next(task))) {
          return;
        }
      }
    } catch (IOException e) {
      // The pipes were closed under us: the instance was killed or terminated, and has already ended.
    } finally {
      end(0);
    }
  }

  /** Acts out one reply; false when the instance has ended. */
  private boolean play(Reply r) throws IOException {
    for (String l : r.stderr) {
      writeLine(stderr, l);
    }
    for (String l : r.noise) {
      writeLine(stdout, l);
    }
    if (!r.delay.isZero() && awaitStop(r.delay)) {
      return false;
    }
    switch (r.kind) {
      case CRASH:
        crashCode = r.exitCode;
        end(r.exitCode);
        return false;
      case HANG:
        awaitStop(null);
        return false;
      case RAW: {
        OutputStream out = stdout.sink();
        out.write(r.raw);
        out.flush();
        if (r.exitCode >= 0) {
          crashCode = r.exitCode;
          end(r.exitCode);
          return false;
        }
        return true;
      }
      default:
        OutputStream out = stdout.sink();
        out.write(Wire.encodeResponse(r.result));
        out.flush();
        return true;
    }
  }

  /** Waits until the instance is stopped, or {@code d} passes (forever when null); true if stopped. */
  private boolean awaitStop(Duration d) {
    try {
      if (d == null) {
        stop.await();
        return true;
      }
      return stop.await(d.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      // Only kill() interrupts this thread.
      return true;
    }
  }

  private static void writeLine(Pipe p, String text) throws IOException {
    p.sink().write((text + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** Ends the instance once: closes its ends of the pipes, then reports the exit code. */
  private void end(int code) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    stop.countDown();
    stdout.closeWriter();
    stderr.closeWriter();
    stdin.closeReader();
    exit.complete(code);
  }

  @Override
  public OutputStream stdin() {
    return stdin.sink();
  }

  @Override
  public InputStream stdout() {
    return stdout.source();
  }

  @Override
  public InputStream stderr() {
    return stderr.source();
  }

  @Override
  public CompletableFuture<Integer> onExit() {
    return exit.copy();
  }

  @Override
  public void terminate() {
    // Like SIGTERM on a program with no handler for it: the instance ends at once, even mid-function.
    end(EXIT_TERMINATED);
    if (Thread.currentThread() != thread) {
      thread.interrupt();
    }
  }

  @Override
  public void kill(Duration bound) {
    end(EXIT_KILLED);
    if (Thread.currentThread() == thread) {
      return;
    }
    // A kill must also stop a function that blocks (on a latch, in a sleep) inside the test's code.
    thread.interrupt();
    join(bound);
  }

  /** Waits up to {@code bound} for the thread to end; true if it has. */
  boolean join(Duration bound) {
    try {
      thread.join(Math.max(1, bound.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return !thread.isAlive();
  }

  @Override
  public String describeExit(int exitCode) {
    if (exitCode == crashCode) {
      return "a crash the test injected";
    }
    if (exitCode == EXIT_KILLED) {
      return "killed";
    }
    if (exitCode == EXIT_TERMINATED) {
      return "terminated";
    }
    if (exitCode == EXIT_PROTOCOL) {
      return "the fake received a request that breaks the protocol";
    }
    return null;
  }

  /** A fake's writes reach the engine at once: a hang is a hang, never an unflushed answer. */
  @Override
  public boolean mayHoldBackOutput() {
    return false;
  }

  @Override
  public String describe() {
    return "fake, thread " + thread.getName();
  }
}

package dev.taskdaemon.internal;

import dev.taskdaemon.Result;
import dev.taskdaemon.spi.HandlerProcess;
import dev.taskdaemon.spi.InstanceInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * One running instance: its process, a stdout reader thread that only decodes lines and hands them
 * to the pool, and a stderr thread that drains, logs and remembers the last lines. All state
 * changes go through the pool, under the pool lock.
 */
final class Instance {
  enum State { IDLE, BUSY, DEAD }

  private static final long THREAD_STACK = 256 * 1024;
  private static final int STDERR_MAX_LINE = 64 * 1024;

  final HandlerPool pool;
  final InstanceInfo info;
  final String name;
  final HandlerProcess process;
  final StderrTail stderrTail = new StderrTail(20);
  final long startedNanos;
  final CountDownLatch stderrDone = new CountDownLatch(1);
  private final int maxLineBytes;
  private final Logger handlerLog;
  private volatile long stdoutBytes;
  private Thread stdoutThread;
  private Thread stderrThread;

  // Guarded by pool.lock.
  State state = State.IDLE;
  Attempt current;
  /** A watchdog timer is scheduled for this instance (see HandlerPool.armWatchdogLocked). */
  boolean watchdogArmed;
  long responses;
  /** Why the engine retired this instance, or null while it has not. */
  String retiredFor;

  Instance(HandlerPool pool, InstanceInfo info, HandlerProcess process, int maxLineBytes, Logger handlerLog,
      long startedNanos) {
    this.pool = pool;
    this.info = info;
    this.name = info.name();
    this.process = process;
    this.maxLineBytes = maxLineBytes;
    this.handlerLog = handlerLog;
    this.startedNanos = startedNanos;
  }

  void startThreads(String daemonName) {
    stdoutThread = new Thread(null, this::readStdout, "td-" + daemonName + "-" + name + "-stdout", THREAD_STACK);
    stderrThread = new Thread(null, this::drainStderr, "td-" + daemonName + "-" + name + "-stderr", THREAD_STACK);
    stdoutThread.setDaemon(true);
    stderrThread.setDaemon(true);
    stderrThread.start();
    stdoutThread.start();
  }

  long stdoutBytes() {
    return stdoutBytes;
  }

  boolean joinThreads(long deadlineNanos) throws InterruptedException {
    for (Thread t : new Thread[] {stdoutThread, stderrThread}) {
      if (t == null) {
        continue;
      }
      long left = deadlineNanos - System.nanoTime();
      if (left > 0) {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      }
      if (t.isAlive()) {
        return false;
      }
    }
    return true;
  }

  private void readStdout() {
    LineReader reader = new LineReader(process.stdout(), maxLineBytes);
    try {
      while (true) {
        int len = reader.readLine();
        stdoutBytes = reader.bytesRead();
        if (len == LineReader.EOF) {
          break;
        }
        if (len == LineReader.TOO_LONG) {
          pool.onLineTooLong(this);
          return;
        }
        byte[] buf = reader.buffer();
        int off = reader.lineStart();
        Result result = Codec.decode(buf, off, len);
        if (result == null || result == Codec.MALFORMED) {
          if (result == Codec.MALFORMED) {
            pool.log.warn("handler '{}' instance {}: skipped a stdout line that looks like a response but is not"
                + " valid protocol JSON: {}", pool.name, name, preview(buf, off, len));
          } else if (pool.log.isDebugEnabled()) {
            pool.log.debug("handler '{}' instance {}: skipped a stdout line that is not a response: {}",
                pool.name, name, preview(buf, off, len));
          }
          continue;
        }
        // Responses carry no task id: a second response already waiting right behind this one
        // means the handler answered twice, and the instance is out of sync.
        boolean answeredTwice = reader.fillAvailable() && containsResponse(reader);
        stdoutBytes = reader.bytesRead();
        pool.onResponse(this, result, answeredTwice);
        if (answeredTwice) {
          break;
        }
      }
    } catch (IOException e) {
      pool.log.debug("handler '{}' instance {}: stdout read failed: {}", pool.name, name, e.toString());
    } catch (RuntimeException | Error e) {
      pool.log.error("handler '{}' instance {}: stdout reader failed", pool.name, name, e);
    }
    pool.onStdoutClosed(this);
  }

  private static boolean containsResponse(LineReader reader) {
    boolean[] found = {false};
    reader.peekLines((b, o, l) -> {
      Result r = Codec.decode(b, o, l);
      found[0] = r != null && r != Codec.MALFORMED;
      return found[0];
    });
    return found[0];
  }

  private void drainStderr() {
    InputStream err = process.stderr();
    LineReader reader = new LineReader(err, STDERR_MAX_LINE);
    try {
      while (true) {
        int len = reader.readLine();
        if (len == LineReader.EOF) {
          break;
        }
        String line = len == LineReader.TOO_LONG
            ? "[a stderr line longer than " + STDERR_MAX_LINE + " bytes was dropped]"
            : new String(reader.buffer(), reader.lineStart(), len, StandardCharsets.UTF_8);
        stderrTail.add(line);
        if (handlerLog.isInfoEnabled()) {
          handlerLog.info("[{}] {}", name, line);
        }
      }
    } catch (IOException e) {
      pool.log.debug("handler '{}' instance {}: stderr read ended: {}", pool.name, name, e.toString());
    } catch (RuntimeException | Error e) {
      pool.log.error("handler '{}' instance {}: stderr reader failed", pool.name, name, e);
    } finally {
      stderrDone.countDown();
    }
  }

  /** Waits (bounded) until stderr has been drained to its end, so failure messages see the last lines. */
  void awaitStderr(Duration bound) {
    try {
      stderrDone.await(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static String preview(byte[] buf, int off, int len) {
    int n = Math.min(len, 200);
    String s = new String(buf, off, n, StandardCharsets.UTF_8);
    return len > n ? s + "… (" + len + " bytes)" : s;
  }

  @Override
  public String toString() {
    return name + " (" + process.describe() + ")";
  }
}

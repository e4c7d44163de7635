package dev.taskdaemon.internal;

import dev.taskdaemon.InstanceState;
import dev.taskdaemon.InstanceStatus;
import dev.taskdaemon.spi.HandlerProcess;
import dev.taskdaemon.spi.InstanceInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;

/**
 * One running instance: its process, a stdout reader thread that only decodes lines and hands them
 * to the pool, and a stderr thread that drains, logs and remembers the last lines. Its state moves
 * only through {@link InstanceSlots}, under the pool lock.
 */
final class Instance {
  private static final long THREAD_STACK = 256 * 1024;
  private static final int STDERR_MAX_LINE = 64 * 1024;

  final Pool pool;
  final InstanceInfo info;
  final String name;
  final HandlerProcess process;
  final StderrTail stderrTail = new StderrTail(20);
  final long startedNanos;
  final long launchedAtMillis = System.currentTimeMillis();
  final CountDownLatch stderrDone = new CountDownLatch(1);
  final CountDownLatch stdoutDone = new CountDownLatch(1);
  private final LineReader stdout;
  private final Logger handlerLog;
  Thread stdoutThread;
  private Thread stderrThread;
  /** A non-response line was logged at WARN already; later ones go to DEBUG. Reader thread only. */
  private boolean warnedSkip;

  /**
   * Who reads stdout (see CONCURRENCY.md, "stdout ownership"). Written under pool.lock only, read
   * without it by the dedicated thread while it waits for the role.
   */
  volatile int stdoutOwner = BY_THREAD;
  /** The dedicated thread reads (or is about to). */
  static final int BY_THREAD = 0;
  /** Nobody reads: the instance is idle and the dedicated thread parked. */
  static final int PARKED = 1;
  /** A dispatching thread checks the idle pipe before writing a request. */
  static final int SENDING = 2;
  /** The request is written; the thread that submitted the task is expected to read the answer. */
  static final int AWAITING_CALLER = 3;
  /** A thread waiting for its task's outcome reads. */
  static final int BY_CALLER = 4;
  /** Whether callers may read for themselves: local process pipes only. */
  final boolean callerReads;

  // Guarded by pool.lock.
  /** A caller waited for a task of this instance and wants to read the next answer itself. */
  boolean callerWanted;
  /**
   * Idle output was found in the pipe while nobody read it: the dedicated thread reads it, as idle
   * output, before the instance gets a task. Volatile for that thread's check after each line.
   */
  volatile boolean strayPending;
  /** When {@link #AWAITING_CALLER} began (engine nanos), for the sweep that hands unread answers back. */
  long awaitingSince;
  InstanceState state = InstanceState.STARTING;
  Attempt current;
  /** A watchdog timer is scheduled for this instance (see Pool.armWatchdogLocked). */
  boolean watchdogArmed;
  /** Must survive the health window before it gets a task (see HealthTracker). */
  boolean probe;
  /** The health window has passed with this instance alive. */
  boolean proven;
  /** Started by a rolling restart beside the instance it replaces. */
  boolean standby;
  /** Retire at the end of the task in flight (shrink, restart) instead of taking another. */
  boolean retireWhenIdle;
  String retireWhenIdleReason;
  long served;
  /** Why the engine retired this instance, or null while it has not. */
  String retiredFor;
  /** The death of this instance has been handled. */
  boolean deathHandled;

  Instance(Pool pool, InstanceInfo info, HandlerProcess process, int maxLineBytes, Logger handlerLog,
      long startedNanos) {
    this.pool = pool;
    this.info = info;
    this.name = info.name();
    this.process = process;
    this.stdout = new LineReader(process.stdout(), maxLineBytes);
    this.handlerLog = handlerLog;
    this.startedNanos = startedNanos;
    this.callerReads = process instanceof ProcessRuntime.LocalProcess;
  }

  void startThreads(String daemonName) {
    stdoutThread = Threads.start("td-" + daemonName + "-" + name + "-stdout", THREAD_STACK, this::readStdout);
    stderrThread = Threads.start("td-" + daemonName + "-" + name + "-stderr", THREAD_STACK, this::drainStderr);
    // The process itself, not only its stdout, tells of its death: a child that inherited stdout
    // would otherwise keep the pipe open long after the handler died.
    process.onExit().whenComplete((code, error) -> pool.onProcessExit(this, code));
  }

  /** Stdout bytes received so far, including any not yet decoded. */
  long receivedBytes() {
    return stdout.bytesRead();
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
    READING.set(Boolean.TRUE);
    try {
      while (true) {
        while (stdoutOwner != BY_THREAD) {
          // Given away: a caller reads, or nobody needs to while the instance is idle.
          LockSupport.park(this);
        }
        int len = stdout.readLine();
        if (len == LineReader.EOF) {
          break;
        }
        handleLine(len, true);
        if (strayPending && stdoutOwner == BY_THREAD) {
          pool.strayRead(this);
        }
      }
    } catch (IOException e) {
      pool.log.debug("handler '{}' instance {}: stdout read failed: {}", pool.name, name, e.toString());
    } catch (Throwable e) {
      pool.log.error("handler '{}' instance {}: stdout reader failed", pool.name, name, e);
    } finally {
      stdoutDone.countDown();
      pool.onStdoutEnd(this);
    }
  }

  /** Handles one line the stdout reader returned; the same whichever thread read it. */
  private void handleLine(int len, boolean readerThread) {
    try {
      if (len == LineReader.TOO_LONG) {
        pool.onLineTooLong(this);
        return; // the reader drains until the instance is gone; nothing it writes counts any more
      }
      byte[] buf = stdout.buffer();
      int off = stdout.lineStart();
      long at = stdout.lineStartPosition();
      Codec.Line line = Codec.decodeLine(buf, off, len);
      if (line instanceof Codec.Response r) {
        pool.onResponse(this, r, at, len, readerThread);
      } else {
        Codec.Skipped s = (Codec.Skipped) line;
        String preview = preview(buf, off, len);
        logSkipped(s, preview);
        pool.onSkipped(this, s, preview, at);
      }
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      // A bug in the engine must not stop the reader: the instance's tasks would never end.
      pool.log.error("handler '{}' instance {}: failed to handle a stdout line", pool.name, name, e);
    }
  }

  /**
   * Reads stdout on a caller's thread, which holds the role ({@link #BY_CALLER}), until attempt {@code a}
   * has ended; then gives the role back. The end of stdout, an over-long line and a read error are left
   * to the dedicated thread, which meets them again and handles them as always.
   */
  void readFor(Attempt a) {
    READING.set(Boolean.TRUE);
    try {
      while (!a.ended) {
        int len = stdout.readLine();
        if (len == LineReader.EOF) {
          return;
        }
        handleLine(len, false);
        if (len == LineReader.TOO_LONG) {
          return;
        }
      }
    } catch (IOException e) {
      pool.log.debug("handler '{}' instance {}: stdout read failed on a waiting caller's thread: {}", pool.name, name,
          e.toString());
    } finally {
      READING.remove();
      pool.releaseStdout(this);
    }
  }

  /**
   * Set on a thread while it reads an instance's stdout (its reader thread, or a caller reading for
   * itself): such a thread never takes another instance's role, which would leave its own unread.
   */
  static final ThreadLocal<Boolean> READING = new ThreadLocal<>();

  /**
   * True if a complete line waits in the pipe or the buffer; reads what the pipe holds, without
   * blocking. Only the role's holder may ask.
   */
  boolean pipeHoldsLine() {
    if (!stdout.hasBuffered() && stdout.unread() == 0) {
      return false;
    }
    try {
      return stdout.fillAvailable();
    } catch (IOException e) {
      return false; // whoever reads next meets the failure again
    }
  }

  /** True if a complete line waits in the buffer. Only the role's holder may ask. */
  boolean bufferHoldsLine() {
    return stdout.hasBufferedLine();
  }

  /** True if bytes the instance wrote wait in the reader's buffer. Only the role's holder may ask. */
  boolean hasUnconsumedOutput() {
    return stdout.hasBuffered();
  }

  /** Bytes in the pipe not read yet. Only the role's holder may ask (the stream's monitor is the reader's). */
  int unreadInPipe() {
    return stdout.unread();
  }

  private void logSkipped(Codec.Skipped s, String preview) {
    if (s.meantAsResponse() || !warnedSkip) {
      warnedSkip = true;
      pool.log.warn("handler '{}' instance {}: skipped a stdout line that is not a response ({}): {}{}", pool.name,
          name, s.why(), preview, s.meantAsResponse() ? "" : ". Logs belong on stderr; later such lines are logged"
              + " at DEBUG");
    } else if (pool.log.isDebugEnabled()) {
      pool.log.debug("handler '{}' instance {}: skipped a stdout line that is not a response ({}): {}", pool.name,
          name, s.why(), preview);
    }
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
    } catch (Throwable e) {
      pool.log.error("handler '{}' instance {}: stderr reader failed", pool.name, name, e);
    } finally {
      stderrDone.countDown();
    }
  }

  /** Waits (bounded) until stderr has been drained to its end, so failure messages see the last lines. */
  void awaitStderr(Duration bound) {
    await(stderrDone, bound);
  }

  /** Waits (bounded) until stdout has been read to its end; true if it has. */
  boolean awaitStdout(Duration bound) {
    return await(stdoutDone, bound);
  }

  private static boolean await(CountDownLatch latch, Duration bound) {
    try {
      return latch.await(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return latch.getCount() == 0;
    }
  }

  /** A snapshot for {@link dev.taskdaemon.HandlerPool#instances()}. Pool lock held. */
  InstanceStatus statusLocked(long nowMillis) {
    return new InstanceStatus(name, state, process.describe(), served,
        Duration.ofMillis(Math.max(0, nowMillis - launchedAtMillis)));
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

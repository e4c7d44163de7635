package dev.taskdaemon.testkit.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded in-memory byte pipe with the semantics of an OS pipe: a writer blocks while it is full,
 * a reader blocks while it is empty, closing the write end gives the reader end-of-file once the
 * buffered bytes are read, and closing the read end makes writes fail with "broken pipe".
 *
 * <p>{@link java.io.PipedInputStream} is not used because it ties each end to the thread that last
 * used it and reports "write end dead" when that thread ends, which happens with pooled engine threads.
 */
public final class Pipe {
  private final String name;
  private final byte[] buf;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Condition notFull = lock.newCondition();
  private final Source source = new Source();
  private final Sink sink = new Sink();
  // Guarded by lock.
  private int head;
  private int count;
  private boolean writerClosed;
  private boolean readerClosed;

  /**
   * @param name names the pipe in exception messages, e.g. {@code resize-0 stdout}
   * @param capacity how many bytes may wait before a writer blocks
   */
  public Pipe(String name, int capacity) {
    this.name = Objects.requireNonNull(name, "name");
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive, was " + capacity);
    }
    this.buf = new byte[capacity];
  }

  /** The read end. */
  public InputStream source() {
    return source;
  }

  /** The write end. */
  public OutputStream sink() {
    return sink;
  }

  /** Closes the write end: the reader sees end-of-file after the bytes already written. */
  public void closeWriter() {
    lock.lock();
    try {
      writerClosed = true;
      notEmpty.signalAll();
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Closes the read end: buffered bytes are dropped and writers fail from now on. */
  public void closeReader() {
    lock.lock();
    try {
      readerClosed = true;
      count = 0;
      notEmpty.signalAll();
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private final class Source extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      lock.lock();
      try {
        while (count == 0 && !writerClosed && !readerClosed) {
          awaitOn(notEmpty);
        }
        if (readerClosed) {
          throw new IOException(name + ": stream closed");
        }
        if (count == 0) {
          return -1;
        }
        int n = Math.min(len, count);
        int first = Math.min(n, buf.length - head);
        System.arraycopy(buf, head, b, off, first);
        System.arraycopy(buf, 0, b, off + first, n - first);
        head = (head + n) % buf.length;
        count -= n;
        notFull.signalAll();
        return n;
      } finally {
        lock.unlock();
      }
    }

    @Override
    public int available() {
      lock.lock();
      try {
        return count;
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void close() {
      closeReader();
    }
  }

  private final class Sink extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      lock.lock();
      try {
        while (len > 0) {
          while (count == buf.length && !writerClosed && !readerClosed) {
            awaitOn(notFull);
          }
          if (writerClosed) {
            throw new IOException(name + ": stream closed");
          }
          if (readerClosed) {
            throw new IOException(name + ": broken pipe (the reading end is closed)");
          }
          int tail = (head + count) % buf.length;
          int n = Math.min(len, buf.length - count);
          int first = Math.min(n, buf.length - tail);
          System.arraycopy(b, off, buf, tail, first);
          System.arraycopy(b, off + first, buf, 0, n - first);
          count += n;
          off += n;
          len -= n;
          notEmpty.signalAll();
        }
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void close() {
      closeWriter();
    }
  }

  private static void awaitOn(Condition c) throws InterruptedIOException {
    try {
      c.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting on a pipe");
    }
  }
}

package dev.taskdaemon.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** The engine's threads: all daemon threads, all named {@code td-<daemon>-...}. */
final class Threads {
  private Threads() {}

  /** Starts a daemon thread. */
  static Thread start(String name, long stackSize, Runnable body) {
    Thread t = new Thread(null, body, name, stackSize);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** A factory of daemon threads named {@code prefix-1}, {@code prefix-2}, … */
  static ThreadFactory factory(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}

package dev.taskdaemon;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The warm pool of one handler: its instances and its queue. Obtain one with {@link
 * TaskDaemon#pool(String)}. Thread-safe.
 *
 * <pre>{@code
 * HandlerPool pool = daemon.pool("resize");
 * pool.resize(8);                       // grow at once
 * pool.restart().join();                // roll every instance onto a new handler version
 * pool.instances().forEach(System.out::println);
 * }</pre>
 */
public interface HandlerPool {

  /** The handler's name. */
  String name();

  /** The pool's counters now. */
  HandlerStats stats();

  /** Every instance the pool holds now (starting, idle, busy, and those being retired), by slot. */
  List<InstanceStatus> instances();

  /** The number of instances the pool keeps running (its {@code instances} setting, or the last resize). */
  int size();

  /**
   * Changes the number of instances at run time. Growing starts the new instances at once. Shrinking
   * retires idle instances first and lets a busy one finish its task before it is stopped; no task
   * fails because of a resize.
   *
   * @throws IllegalArgumentException if {@code instances} is below 1 or above 10,000
   * @throws DaemonClosedException if the daemon is closed
   */
  void resize(int instances);

  /**
   * Replaces every instance, one at a time, e.g. after a new handler version was installed: each
   * replacement is started, and must survive the health window, before the instance it replaces is
   * retired (a busy one after its task). A replacement that dies in its health window stops the
   * rollout: the returned future fails with a {@link HandlerStartException} saying why, and the
   * instances not yet replaced keep serving. No task fails because of a restart.
   *
   * @return completes when every instance has been replaced
   */
  CompletableFuture<Void> restart();
}

package dev.taskdaemon.internal;

import dev.taskdaemon.Result;
import dev.taskdaemon.Task;
import dev.taskdaemon.TaskListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers events to the user's listeners on one thread of their own ({@code td-<daemon>-events}), in
 * the order the engine emits them, so that a listener that blocks or throws (even an {@code Error})
 * never stalls or breaks the engine. With no listeners, emitting costs nothing.
 */
final class Events {
  private static final Logger LOG = LoggerFactory.getLogger(Events.class);
  private static final Runnable END = () -> { };

  private final List<TaskListener> listeners;
  private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
  private final Thread thread;

  Events(List<TaskListener> listeners, String threadName) {
    this.listeners = List.copyOf(listeners);
    this.thread = this.listeners.isEmpty() ? null : Threads.start(threadName, 0, this::run);
  }

  private void run() {
    while (true) {
      Runnable r;
      try {
        r = queue.take();
      } catch (InterruptedException e) {
        continue; // only END stops delivery
      }
      if (r == END) {
        return;
      }
      r.run();
    }
  }

  private void emit(String event, Consumer<TaskListener> call) {
    if (thread == null) {
      return;
    }
    queue.add(() -> {
      for (TaskListener l : listeners) {
        try {
          call.accept(l);
        } catch (Throwable e) {
          LOG.warn("task listener {} threw from {}; ignored", l, event, e);
        }
      }
    });
  }

  /** True on the delivery thread (a listener calling back into the daemon). */
  boolean onDeliveryThread() {
    return Thread.currentThread() == thread;
  }

  /** Delivers what is queued, then stops; waits until {@code deadlineNanos} unless called by a listener. */
  void close(long deadlineNanos) {
    if (thread == null) {
      return;
    }
    queue.add(END);
    if (onDeliveryThread()) {
      return;
    }
    try {
      thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      LOG.warn("task listeners did not finish within close()'s bound; {} events left undelivered", queue.size());
    }
  }

  void taskSubmitted(Task task) {
    emit("taskSubmitted", l -> l.taskSubmitted(task));
  }

  void attemptStarted(Task task, String instance) {
    emit("attemptStarted", l -> l.attemptStarted(task, instance));
  }

  void attemptEnded(Task task, String instance, Result outcome, Duration elapsed) {
    emit("attemptEnded", l -> l.attemptEnded(task, instance, outcome, elapsed));
  }

  void retryScheduled(Task failed, Result.Failure cause, Duration delay) {
    emit("retryScheduled", l -> l.retryScheduled(failed, cause, delay));
  }

  void taskCompleted(Task task, Result result) {
    emit("taskCompleted", l -> l.taskCompleted(task, result));
  }

  void instanceStarted(String handler, String instance) {
    emit("instanceStarted", l -> l.instanceStarted(handler, instance));
  }

  void instanceExited(String handler, String instance, String reason) {
    emit("instanceExited", l -> l.instanceExited(handler, instance, reason));
  }
}

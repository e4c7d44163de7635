package dev.taskdaemon.internal;

import dev.taskdaemon.Result;
import dev.taskdaemon.Task;
import dev.taskdaemon.TaskListener;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Calls the user's listeners, isolating the engine from their exceptions. */
final class Events implements TaskListener {
  private static final Logger LOG = LoggerFactory.getLogger(Events.class);

  private final List<TaskListener> listeners;

  Events(List<TaskListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  private void each(String event, Consumer<TaskListener> call) {
    for (TaskListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        LOG.warn("task listener {} threw from {}; ignored", l, event, e);
      }
    }
  }

  @Override
  public void taskSubmitted(Task task) {
    each("taskSubmitted", l -> l.taskSubmitted(task));
  }

  @Override
  public void attemptStarted(Task task, String instance) {
    each("attemptStarted", l -> l.attemptStarted(task, instance));
  }

  @Override
  public void attemptEnded(Task task, String instance, Result outcome, Duration elapsed) {
    each("attemptEnded", l -> l.attemptEnded(task, instance, outcome, elapsed));
  }

  @Override
  public void retryScheduled(Task failed, Result.Failure cause, Duration delay) {
    each("retryScheduled", l -> l.retryScheduled(failed, cause, delay));
  }

  @Override
  public void taskCompleted(Task task, Result result) {
    each("taskCompleted", l -> l.taskCompleted(task, result));
  }

  @Override
  public void instanceStarted(String handler, String instance) {
    each("instanceStarted", l -> l.instanceStarted(handler, instance));
  }

  @Override
  public void instanceExited(String handler, String instance, String reason) {
    each("instanceExited", l -> l.instanceExited(handler, instance, reason));
  }
}

package dev.taskdaemon;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A listener that records every event, for tests to wait on and assert against. */
public final class Recorder implements TaskListener {
  public final List<String> attemptInstances = new CopyOnWriteArrayList<>();
  public final List<Task> attemptsStarted = new CopyOnWriteArrayList<>();
  public final List<Result> attemptOutcomes = new CopyOnWriteArrayList<>();
  public final List<Task> retries = new CopyOnWriteArrayList<>();
  public final List<String> started = new CopyOnWriteArrayList<>();
  public final List<String> exited = new CopyOnWriteArrayList<>();
  public final Map<String, AtomicInteger> completions = new ConcurrentHashMap<>();
  public final AtomicInteger submitted = new AtomicInteger();

  @Override
  public void taskSubmitted(Task task) {
    submitted.incrementAndGet();
  }

  @Override
  public void attemptStarted(Task task, String instance) {
    attemptsStarted.add(task);
    attemptInstances.add(instance);
  }

  @Override
  public void attemptEnded(Task task, String instance, Result outcome, Duration elapsed) {
    attemptOutcomes.add(outcome);
  }

  @Override
  public void retryScheduled(Task failed, Result.Failure cause, Duration delay) {
    retries.add(failed);
  }

  @Override
  public void taskCompleted(Task task, Result result) {
    completions.computeIfAbsent(task.taskId(), k -> new AtomicInteger()).incrementAndGet();
  }

  @Override
  public void instanceStarted(String handler, String instance) {
    started.add(instance);
  }

  @Override
  public void instanceExited(String handler, String instance, String reason) {
    exited.add(instance + ": " + reason);
  }

  /** Blocks until {@code n} attempts have started, or fails after {@code timeout}. */
  public void awaitAttempts(int n, Duration timeout) {
    org.awaitility.Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(5))
        .until(() -> attemptsStarted.size() >= n);
  }
}

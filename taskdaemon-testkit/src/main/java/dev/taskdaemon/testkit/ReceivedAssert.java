package dev.taskdaemon.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.taskdaemon.Task;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Assertions on the attempts a {@link FakeHandler} received, from {@link FakeHandler#assertReceived()}.
 * Each method throws {@link AssertionError} with a message that lists what was received, so a failure
 * reads the same under any test framework.
 *
 * <pre>{@code
 * resize.assertReceived()
 *     .hasCount(3)
 *     .hasAttempts(1, 2, 3)
 *     .areAttemptsOfOneTask()
 *     .allHaveTaskData(Map.of("url", "s3://in/cat.png", "width", 128));
 * }</pre>
 */
public final class ReceivedAssert {
  /** Numbers compare by value, so an expected {@code 128} matches a received {@code 128} of any width. */
  private static final Comparator<JsonNode> BY_VALUE = (a, b) -> {
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue());
    }
    return a.equals(b) ? 0 : 1;
  };

  private final String fake;
  private final List<Task> tasks;

  ReceivedAssert(String fake, List<Task> tasks) {
    this.fake = fake;
    this.tasks = tasks;
  }

  /** The attempts this assertion looks at, in arrival order. */
  public List<Task> tasks() {
    return tasks;
  }

  /** Exactly {@code expected} attempts were received. */
  public ReceivedAssert hasCount(int expected) {
    if (tasks.size() != expected) {
      fail("expected " + expected + " attempts, received " + tasks.size());
    }
    return this;
  }

  /** The received attempts carry these {@code attempt} numbers, in arrival order. */
  public ReceivedAssert hasAttempts(int... expected) {
    int[] actual = tasks.stream().mapToInt(Task::attempt).toArray();
    if (!Arrays.equals(actual, expected)) {
      fail("expected attempt numbers " + Arrays.toString(expected) + ", received " + Arrays.toString(actual));
    }
    return this;
  }

  /**
   * Every received attempt belongs to one task: one {@code task_id}, attempts numbered 1, 2, 3...
   * in order. Fails when nothing was received.
   */
  public ReceivedAssert areAttemptsOfOneTask() {
    if (tasks.isEmpty()) {
      fail("expected the attempts of one task, received none");
    }
    String id = tasks.get(0).taskId();
    for (int i = 0; i < tasks.size(); i++) {
      Task t = tasks.get(i);
      if (!t.taskId().equals(id) || t.attempt() != i + 1) {
        fail("expected the attempts 1.." + tasks.size() + " of one task, in order");
      }
    }
    return this;
  }

  /**
   * Every received attempt's {@code task_data} equals {@code expected} as JSON (numbers compared by
   * value). Fails when nothing was received.
   *
   * @param expected a {@code Map}, record, POJO or {@code JsonNode}, converted to JSON with Jackson
   */
  public ReceivedAssert allHaveTaskData(Object expected) {
    if (tasks.isEmpty()) {
      fail("expected task_data " + Reply.toJson(expected) + ", received no attempts");
    }
    for (int i = 0; i < tasks.size(); i++) {
      hasTaskData(i, expected);
    }
    return this;
  }

  /** The {@code index}-th received attempt (0-based) has {@code task_data} equal to {@code expected} as JSON. */
  public ReceivedAssert hasTaskData(int index, Object expected) {
    JsonNode want = Reply.toJson(expected);
    if (index < 0 || index >= tasks.size()) {
      fail("expected task_data " + want + " at index " + index + ", but only " + tasks.size()
          + " attempts were received");
    }
    JsonNode got = tasks.get(index).taskData();
    if (!want.equals(BY_VALUE, got)) {
      fail("expected task_data " + want + " at index " + index + ", received " + got);
    }
    return this;
  }

  /** No attempt was received. */
  public ReceivedAssert isEmpty() {
    return hasCount(0);
  }

  private void fail(String what) {
    throw new AssertionError(fake + ": " + what + "; received: " + describe(tasks));
  }

  static String describe(List<Task> tasks) {
    if (tasks.isEmpty()) {
      return "nothing";
    }
    return tasks.stream()
        .map(t -> "[attempt " + t.attempt() + " of task " + t.taskId() + ", task_data " + t.taskData() + "]")
        .collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return "ReceivedAssert[" + fake + ", " + tasks.size() + " attempts]";
  }
}

package dev.taskdaemon.handler;

/**
 * What a handler does with one task: returns the task's result, or throws to answer an error.
 *
 * <p>The returned object is serialized with Jackson as the response's {@code result} (a {@code Map},
 * a record, a {@code JsonNode}, a string, a number, or {@code null}). Throw {@link RetryableException}
 * for an error the engine may retry; any other exception answers a non-retryable error with its
 * message. See {@link Handler}.
 */
@FunctionalInterface
public interface TaskFunction {
  /**
   * Handles one task.
   *
   * @param task the request: its id, type, attempt and data
   * @return the result, anything Jackson can serialize, or {@code null}
   * @throws Exception to answer an error instead of a result
   */
  Object apply(Task task) throws Exception;
}

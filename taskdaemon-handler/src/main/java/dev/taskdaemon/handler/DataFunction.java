package dev.taskdaemon.handler;

/**
 * A handler function that takes the task's {@code task_data} already bound to a type, a record or a
 * POJO: {@code Handler.serve(Range.class, range -> count(range.from(), range.to()))}.
 *
 * @param <T> the type {@code task_data} is bound to
 */
@FunctionalInterface
public interface DataFunction<T> {
  /**
   * Handles the data of one task.
   *
   * @param data the task's {@code task_data}, bound to {@code T}; never {@code null}
   * @return the result, anything Jackson can serialize, or {@code null}
   * @throws Exception to answer an error instead of a result (see {@link Handler})
   */
  Object apply(T data) throws Exception;
}

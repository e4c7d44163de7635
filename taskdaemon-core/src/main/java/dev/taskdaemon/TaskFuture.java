package dev.taskdaemon;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The future of one submitted task, with its id.
 *
 * <p><b>Threads.</b> The engine completes it on one of its own threads (often the thread that read
 * the handler's answer), or on the thread waiting for it: with the local {@code process} runtime and
 * the in-memory store, a thread that waits in {@link #get()}, {@link #join()} or a long enough {@link
 * #get(long, TimeUnit)} for a task it has just submitted reads the handler's answer itself, which
 * saves a thread wake-up per task. Threads blocked in {@code get()} or {@code join()} are woken at once. Every
 * dependent action ({@code thenApply}, {@code whenComplete}, {@code thenAccept}, … and their
 * {@code Async} forms without an executor) runs on the daemon's <em>callback executor</em>
 * ({@link TaskDaemon.Builder#callbackExecutor}), never on an engine thread, so a callback may block,
 * wait for another task, or close the daemon. Dependents given an executor of their own run there.
 * Stages derived from this one are plain {@link CompletableFuture}s.
 */
public final class TaskFuture extends CompletableFuture<Result> {
  private final String taskId;
  private final Executor callbacks;

  /**
   * A future for task {@code taskId} whose dependents run on {@code callbacks}. Engine and testkit use;
   * applications receive these from {@link TaskDaemon#submit}.
   */
  public TaskFuture(String taskId, Executor callbacks) {
    this(taskId, callbacks, null);
  }

  /**
   * A future whose {@link #cancel(boolean)} also cancels the task through {@code canceller} (given the
   * task id): the engine stops it and records it {@code CANCELLED}.
   */
  public TaskFuture(String taskId, Executor callbacks, java.util.function.Predicate<String> canceller) {
    this(taskId, callbacks, canceller, null);
  }

  /**
   * A future whose blocking waits first offer the waiting thread to the engine: {@code reader} is
   * given the task id and the wait's deadline ({@link System#nanoTime()} based, {@link Long#MAX_VALUE}
   * for none) and may read the task's answer on that thread, returning when it has it or when it
   * leaves the wait to the engine's own threads. Engine use.
   */
  public TaskFuture(String taskId, Executor callbacks, java.util.function.Predicate<String> canceller,
      java.util.function.ObjLongConsumer<String> reader) {
    this.taskId = taskId;
    this.callbacks = callbacks;
    this.canceller = canceller;
    this.reader = reader;
  }

  private final java.util.function.Predicate<String> canceller;
  private final java.util.function.ObjLongConsumer<String> reader;

  /**
   * Waits for the outcome. With the local {@code process} runtime the waiting thread may read its
   * task's answer from the handler itself (one thread wake-up less per task); while it does, an
   * interrupt is noticed once the handler answers or the attempt ends (at the latest when its
   * timeout kills the instance), no later.
   */
  @Override
  public Result get() throws InterruptedException, ExecutionException {
    if (reader != null && !isDone()) {
      reader.accept(taskId, Long.MAX_VALUE);
    }
    return super.get();
  }

  /**
   * Waits at most {@code timeout} for the outcome. The waiting thread reads its task's answer itself
   * (see {@link #get()}) only when this wait outlasts the attempt's own timeout, so it returns on time.
   */
  @Override
  public Result get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException,
      TimeoutException {
    if (reader == null || isDone()) {
      return super.get(timeout, unit);
    }
    long start = System.nanoTime();
    long nanos = Math.max(0, unit.toNanos(timeout));
    // A wait too long to fit the clock counts as one without a deadline.
    reader.accept(taskId, nanos >= Long.MAX_VALUE / 2 ? Long.MAX_VALUE : start + nanos);
    return super.get(Math.max(0, nanos - (System.nanoTime() - start)), TimeUnit.NANOSECONDS);
  }

  /** Waits for the outcome; the waiting thread may read its task's answer itself (see {@link #get()}). */
  @Override
  public Result join() {
    if (reader != null && !isDone()) {
      reader.accept(taskId, Long.MAX_VALUE);
    }
    return super.join();
  }

  /**
   * Cancels the task, not only this future: a queued task leaves the queue, a running one has its
   * instance stopped and replaced, and the store records it {@code CANCELLED}; this future is cancelled
   * ({@code get()} throws {@link java.util.concurrent.CancellationException}).
   */
  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    if (cancelled && canceller != null) {
      canceller.test(taskId);
    }
    return cancelled;
  }

  /** The task's id: the {@code task_id} its handler receives. */
  public String taskId() {
    return taskId;
  }

  @Override
  public Executor defaultExecutor() {
    return callbacks;
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new CompletableFuture<>();
  }

  @Override
  public <U> CompletableFuture<U> thenApply(Function<? super Result, ? extends U> fn) {
    return thenApplyAsync(fn, callbacks);
  }

  @Override
  public CompletableFuture<Void> thenAccept(Consumer<? super Result> action) {
    return thenAcceptAsync(action, callbacks);
  }

  @Override
  public CompletableFuture<Void> thenRun(Runnable action) {
    return thenRunAsync(action, callbacks);
  }

  @Override
  public <U, V> CompletableFuture<V> thenCombine(CompletionStage<? extends U> other,
      BiFunction<? super Result, ? super U, ? extends V> fn) {
    return thenCombineAsync(other, fn, callbacks);
  }

  @Override
  public <U> CompletableFuture<Void> thenAcceptBoth(CompletionStage<? extends U> other,
      BiConsumer<? super Result, ? super U> action) {
    return thenAcceptBothAsync(other, action, callbacks);
  }

  @Override
  public CompletableFuture<Void> runAfterBoth(CompletionStage<?> other, Runnable action) {
    return runAfterBothAsync(other, action, callbacks);
  }

  @Override
  public <U> CompletableFuture<U> applyToEither(CompletionStage<? extends Result> other,
      Function<? super Result, U> fn) {
    return applyToEitherAsync(other, fn, callbacks);
  }

  @Override
  public CompletableFuture<Void> acceptEither(CompletionStage<? extends Result> other,
      Consumer<? super Result> action) {
    return acceptEitherAsync(other, action, callbacks);
  }

  @Override
  public CompletableFuture<Void> runAfterEither(CompletionStage<?> other, Runnable action) {
    return runAfterEitherAsync(other, action, callbacks);
  }

  @Override
  public <U> CompletableFuture<U> thenCompose(Function<? super Result, ? extends CompletionStage<U>> fn) {
    return thenComposeAsync(fn, callbacks);
  }

  @Override
  public <U> CompletableFuture<U> handle(BiFunction<? super Result, Throwable, ? extends U> fn) {
    return handleAsync(fn, callbacks);
  }

  @Override
  public CompletableFuture<Result> whenComplete(BiConsumer<? super Result, ? super Throwable> action) {
    return whenCompleteAsync(action, callbacks);
  }

  @Override
  public CompletableFuture<Result> exceptionally(Function<Throwable, ? extends Result> fn) {
    return exceptionallyAsync(fn, callbacks);
  }

  @Override
  public CompletableFuture<Result> exceptionallyCompose(
      Function<Throwable, ? extends CompletionStage<Result>> fn) {
    return exceptionallyComposeAsync(fn, callbacks);
  }

  @Override
  public CompletableFuture<Result> toCompletableFuture() {
    return this;
  }

  @Override
  public String toString() {
    return "TaskFuture[" + taskId + ", " + super.toString() + "]";
  }
}

package dev.taskdaemon.testkit;

/**
 * The faults a {@link FakeHandler} can inject, each a one-liner in a test:
 *
 * <pre>{@code
 * resize.inject(Fault.RETRYABLE_ERROR, 2);  // the next two attempts fail, retryable; then it answers
 * resize.inject(Fault.CRASH);               // the next attempt kills its instance mid-task
 * resize.injectAlways(Fault.HANG);          // every attempt hangs until the daemon's timeout
 * }</pre>
 *
 * <p>For a fault with other details (another message, exit code or delay), enqueue a {@link Reply}
 * instead: {@code resize.enqueue(Reply.error("disk full", true))}.
 */
public enum Fault {
  /** Answers {@code {"status":"error","error":"injected retryable error","retryable":true}}. */
  RETRYABLE_ERROR,

  /** Answers {@code {"status":"error","error":"injected permanent error","retryable":false}}. */
  PERMANENT_ERROR,

  /**
   * The instance dies mid-task: it writes {@code crashing on purpose (Fault.CRASH)} to stderr, closes
   * its output and exits with code 1, without answering. The engine counts one attempt (retryable)
   * and starts a replacement instance.
   */
  CRASH,

  /**
   * The instance reads the task and never answers; the daemon's timeout for the handler ends the
   * attempt and kills the instance. Set a short timeout with {@link Fakes#timeout(java.time.Duration)}.
   */
  HANG,

  /**
   * The instance writes lines that are not responses to stdout (plain text, unrelated JSON, a blank
   * line) before its normal answer; the engine must skip them.
   */
  NOISE,

  /** The instance gives its normal answer after {@link FakeHandler#slowDelay(java.time.Duration)}. */
  SLOW;

  /** The error message of {@link #RETRYABLE_ERROR}. */
  public static final String RETRYABLE_MESSAGE = "injected retryable error";
  /** The error message of {@link #PERMANENT_ERROR}. */
  public static final String PERMANENT_MESSAGE = "injected permanent error";
  /** The stderr line a {@link #CRASH} writes before the instance dies. */
  public static final String CRASH_STDERR = "crashing on purpose (Fault.CRASH)";
  /** The exit code of a {@link #CRASH}. */
  public static final int CRASH_EXIT_CODE = 1;
}

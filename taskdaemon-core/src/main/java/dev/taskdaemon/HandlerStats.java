package dev.taskdaemon;

/**
 * A snapshot of one handler's counters, from {@link TaskDaemon#stats()}.
 *
 * @param handler the handler name
 * @param queued tasks waiting in the queue (including retries waiting out their back-off)
 * @param inFlight attempts running on an instance now
 * @param succeeded tasks completed with a success
 * @param failed tasks completed with an error (after their last attempt)
 * @param retried attempts that were followed by a retry
 * @param timedOut attempts that ended by timeout
 * @param instancesAlive instances running now
 * @param restarts instances started to replace one that exited or was killed
 * @param healthy false while every instance exits as soon as it starts
 */
public record HandlerStats(
    String handler,
    int queued,
    int inFlight,
    long succeeded,
    long failed,
    long retried,
    long timedOut,
    int instancesAlive,
    long restarts,
    boolean healthy) {

  /** Tasks completed either way. */
  public long completed() {
    return succeeded + failed;
  }
}

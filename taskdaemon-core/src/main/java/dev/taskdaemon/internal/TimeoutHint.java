package dev.taskdaemon.internal;

import dev.taskdaemon.spi.HandlerProcess;

/** What a timeout message adds about the instance's stdout: the one place that decides it. */
final class TimeoutHint {
  private TimeoutHint() {}

  /**
   * The sentence to append to a timeout message: a hint to flush stdout when the instance wrote
   * nothing during the attempt and its process can hold output back; otherwise nothing.
   *
   * @param stdoutBytesAtStart stdout bytes the instance had produced when the attempt started
   * @param stdoutBytesNow stdout bytes it has produced by the timeout
   */
  static String forSilence(HandlerProcess process, long stdoutBytesAtStart, long stdoutBytesNow) {
    if (stdoutBytesNow != stdoutBytesAtStart || !process.mayHoldBackOutput()) {
      return "";
    }
    return ". It wrote nothing to stdout during the attempt: if it did answer, make it flush stdout"
        + " after each line (e.g. print(..., flush=True), System.out.flush(), fflush(stdout))";
  }
}

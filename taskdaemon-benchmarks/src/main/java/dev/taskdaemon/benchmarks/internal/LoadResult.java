package dev.taskdaemon.benchmarks.internal;

/**
 * One measured closed-loop window.
 *
 * @param ops round trips completed inside the window
 * @param seconds the window's length
 * @param p50Micros median latency
 * @param p99Micros 99th percentile latency
 * @param p999Micros 99.9th percentile latency
 * @param maxMicros the longest round trip
 * @param meanMicros mean latency (with no think time, {@code submitters ÷ perSecond()} when every
 *     submitter's round trips fall in the window; lower when some waited out the window unrecorded)
 */
public record LoadResult(long ops, double seconds, double p50Micros, double p99Micros, double p999Micros,
    double maxMicros, double meanMicros) {
  /** Round trips per second. */
  public double perSecond() {
    return ops / seconds;
  }
}

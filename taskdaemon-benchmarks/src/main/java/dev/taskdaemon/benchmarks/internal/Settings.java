package dev.taskdaemon.benchmarks.internal;

import java.time.Duration;
import java.util.List;

/**
 * How big one benchmark run is. {@link #full()} is the manual run the README gives; {@link #smoke()}
 * runs every measurement with tiny sizes so CI proves the benchmark still works.
 *
 * @param mode "full" or "smoke"
 * @param warmup load before the first measured window of a cell (JIT, process start)
 * @param rewarm load before each later window of a cell
 * @param measure one measured window
 * @param rounds how many raw/engine window pairs each matrix cell alternates
 * @param instanceCounts pool sizes of the throughput/latency matrix
 * @param submitterCounts closed-loop submitters of the matrix
 * @param payloadBytes task_data sizes of the payload rows
 * @param payloadMinOps the fewest round trips per measured window of the 1 MB and 10 MB payloads
 * @param warmCounts pool sizes whose start-up time is measured
 * @param memoryCounts pool sizes whose memory per instance is measured
 * @param memoryHeapMb the child JVM's -Xmx for the memory rows
 * @param dockerInstances warm containers of the docker rows
 * @param dockerSubmitters closed-loop submitters of the docker rows
 * @param perTaskContainers the fewest {@code docker run --rm} tasks measured
 * @param jmhForks JMH forks (0 runs in this JVM)
 * @param jmhWarmupIterations JMH warm-up iterations
 * @param jmhIterations JMH measured iterations
 * @param jmhIterationTime JMH time per iteration
 * @param dockerMemoryCounts container pool sizes whose host memory per instance is measured, per transport
 * @param dockerStartRuns container starts timed per transport (the median is reported)
 */
public record Settings(
    String mode,
    Duration warmup,
    Duration rewarm,
    Duration measure,
    int rounds,
    List<Integer> instanceCounts,
    List<Integer> submitterCounts,
    List<Integer> payloadBytes,
    int payloadMinOps,
    List<Integer> warmCounts,
    List<Integer> memoryCounts,
    int memoryHeapMb,
    int dockerInstances,
    int dockerSubmitters,
    int perTaskContainers,
    int jmhForks,
    int jmhWarmupIterations,
    int jmhIterations,
    Duration jmhIterationTime,
    List<Integer> dockerMemoryCounts,
    int dockerStartRuns) {

  /** Sizes of the throughput/latency target rows, which every mode measures. */
  public static final int TARGET_INSTANCES = 4;

  /** The manual run: the sizes the issue asks for. */
  public static Settings full() {
    return new Settings("full", Duration.ofMillis(1000), Duration.ofMillis(200), Duration.ofMillis(1000), 3,
        List.of(1, 4, 16), List.of(1, 4, 16, 64),
        List.of(100, 10 * 1024, 1024 * 1024, 10 * 1024 * 1024), 8,
        List.of(10, 100), List.of(100, 1000), 256,
        4, 4, 24,
        1, 3, 5, Duration.ofSeconds(1),
        List.of(4, 50), 10);
  }

  /**
   * The CI run: every row, tiny windows. Payload sizes stay real (the 10 MB path is worth proving)
   * but only a couple of round trips each; the memory rows use small pools.
   */
  public static Settings smoke() {
    return new Settings("smoke", Duration.ofMillis(100), Duration.ofMillis(20), Duration.ofMillis(150), 1,
        List.of(1, 4, 16), List.of(1, 4, 16, 64),
        List.of(100, 10 * 1024, 1024 * 1024, 10 * 1024 * 1024), 2,
        List.of(10, 100), List.of(10, 50), 256,
        2, 2, 2,
        0, 0, 1, Duration.ofMillis(100),
        List.of(2), 2);
  }

  /** These settings with another throughput/latency matrix (for profiling one cell). */
  public Settings withMatrix(List<Integer> instances, List<Integer> submitters) {
    return new Settings(mode, warmup, rewarm, measure, rounds, List.copyOf(instances), List.copyOf(submitters),
        payloadBytes, payloadMinOps, warmCounts, memoryCounts, memoryHeapMb, dockerInstances, dockerSubmitters,
        perTaskContainers, jmhForks, jmhWarmupIterations, jmhIterations, jmhIterationTime, dockerMemoryCounts,
        dockerStartRuns);
  }

  /** True for the CI run. */
  public boolean smokeMode() {
    return "smoke".equals(mode);
  }
}

package dev.taskdaemon.benchmarks.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;

/**
 * One side of one pipe cell alone, for a whole-process counter such as {@code perf stat}, which cannot
 * tell the benchmark's alternating windows apart. Run it with a short and a long window and take the
 * difference, so that start-up and warm-up cancel out:
 *
 * <pre>
 * perf stat -e user_time,system_time,context-switches java -cp taskdaemon-benchmarks/target/benchmarks.jar \
 *     dev.taskdaemon.benchmarks.internal.SideProbe engine target/bench-work/echo-handler 13 4 4
 * </pre>
 *
 * <p>Sides: {@code raw} (the benchmark's baseline: an idle process goes to whichever thread asks
 * first), {@code raw-fifo} (idle processes go to waiting threads in the order they came, as the
 * engine serves its queue), {@code engine} (a {@code JsonNode} per task, as the pipe rows submit) and
 * {@code engine-encoded} (the same bytes as the raw side, through {@code RawJson}).
 */
public final class SideProbe {
  private SideProbe() {}

  /**
   * Arguments: the side, the echo handler's command, the measured window in seconds, then optionally
   * instances and submitters (4 and 4).
   */
  public static void main(String[] args) throws Exception {
    List<String> sides = List.of("raw", "raw-fifo", "engine", "engine-encoded");
    if ((args.length != 3 && args.length != 5) || !sides.contains(args[0])) {
      System.err.println("usage: SideProbe raw|raw-fifo|engine|engine-encoded <echo handler command> <seconds>"
          + " [<instances> <submitters>]");
      System.exit(2);
    }
    List<String> command = List.of(args[1]);
    Duration measure = Duration.ofSeconds(Long.parseLong(args[2]));
    int instances = args.length == 5 ? Integer.parseInt(args[3]) : 4;
    int submitters = args.length == 5 ? Integer.parseInt(args[4]) : 4;
    Duration warmup = Duration.ofSeconds(2);
    Duration cap = measure.plusMinutes(1);
    JsonNode data = Payloads.ofSize(100);
    byte[] request = Payloads.requestLine(data);
    byte[] expected = Payloads.expectedResponse(request);
    LoadResult r;
    String label = "probe-" + args[0];
    if (args[0].startsWith("raw")) {
      try (RawPipe raw = new RawPipe(command, instances, args[0].equals("raw-fifo"))) {
        r = Load.closedLoop(label, submitters, raw.op(request, expected), warmup, measure, 1, cap);
      }
    } else {
      try (EngineLoad engine = EngineLoad.start(instances, h -> h.command(command))) {
        Load.Op op = args[0].equals("engine") ? engine.op(data) : engine.encodedOp(Payloads.json(data), false);
        r = Load.closedLoop(label, submitters, op, warmup, measure, 1, cap);
        engine.checkHealthy();
      }
    }
    System.out.printf("%s %d/%d: %.0f tasks/s, %d tasks in the window, p50 %.1f us, p99 %.1f us, p99.9 %.1f us,"
        + " max %.1f us, mean %.1f us%n", args[0], instances, submitters, r.perSecond(),
        Math.round(r.perSecond() * measure.toNanos() / 1e9), r.p50Micros(), r.p99Micros(), r.p999Micros(),
        r.maxMicros(), r.meanMicros());
  }
}

package dev.taskdaemon.benchmarks.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;

/**
 * One side of the 4-instance, 4-submitter pipe cell alone (the raw pipe or the engine), for a whole-process
 * counter such as {@code perf stat}, which cannot tell the benchmark's alternating windows apart. Run it
 * with a short and a long window and take the difference, so that start-up and warm-up cancel out:
 *
 * <pre>
 * perf stat -e user_time,system_time,context-switches java -cp taskdaemon-benchmarks/target/benchmarks.jar \
 *     dev.taskdaemon.benchmarks.internal.SideProbe engine target/bench-work/echo-handler 13
 * </pre>
 */
public final class SideProbe {
  private SideProbe() {}

  /** Arguments: {@code raw} or {@code engine}, the echo handler's command, the measured window in seconds. */
  public static void main(String[] args) throws Exception {
    if (args.length != 3 || !(args[0].equals("raw") || args[0].equals("engine"))) {
      System.err.println("usage: SideProbe raw|engine <echo handler command> <seconds>");
      System.exit(2);
    }
    List<String> command = List.of(args[1]);
    Duration measure = Duration.ofSeconds(Long.parseLong(args[2]));
    Duration warmup = Duration.ofSeconds(2);
    Duration cap = measure.plusMinutes(1);
    JsonNode data = Payloads.ofSize(100);
    byte[] request = Payloads.requestLine(data);
    byte[] expected = Payloads.expectedResponse(request);
    LoadResult r;
    if (args[0].equals("raw")) {
      try (RawPipe raw = new RawPipe(command, 4)) {
        r = Load.closedLoop("probe-raw", 4, raw.op(request, expected), warmup, measure, 1, cap);
      }
    } else {
      try (EngineLoad engine = EngineLoad.start(4, h -> h.command(command))) {
        r = Load.closedLoop("probe-engine", 4, engine.op(data), warmup, measure, 1, cap);
        engine.checkHealthy();
      }
    }
    System.out.printf("%s: %.0f tasks/s, %d tasks in the window%n", args[0], r.perSecond(),
        Math.round(r.perSecond() * measure.toNanos() / 1e9));
  }
}

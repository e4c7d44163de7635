package dev.taskdaemon.benchmarks.internal;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/** Runs {@link CodecBenchmarks} with JMH and turns the scores into rows. */
final class CodecBench {
  static final String SECTION = "Codec microbenchmarks (JMH, ns/op; ratio = codec ÷ plain ObjectMapper, lower is better)";

  private CodecBench() {}

  static void run(Settings s, Report report) throws RunnerException {
    Options opts = new OptionsBuilder()
        .include(CodecBenchmarks.class.getName() + "\\.")
        .forks(s.jmhForks())
        .warmupIterations(s.jmhWarmupIterations())
        .warmupTime(TimeValue.milliseconds(s.jmhIterationTime().toMillis()))
        .measurementIterations(s.jmhIterations())
        .measurementTime(TimeValue.milliseconds(s.jmhIterationTime().toMillis()))
        .threads(1)
        .shouldFailOnError(true)
        .verbosity(VerboseMode.SILENT)
        .build();
    Collection<RunResult> results = new Runner(opts).run();
    // benchmark method -> size -> ns/op
    Map<String, Map<Integer, Double>> scores = new LinkedHashMap<>();
    for (RunResult r : results) {
      String method = r.getParams().getBenchmark();
      method = method.substring(method.lastIndexOf('.') + 1);
      int size = Integer.parseInt(r.getParams().getParam("size"));
      scores.computeIfAbsent(method, k -> new LinkedHashMap<>()).put(size, r.getPrimaryResult().getScore());
    }
    for (int size : BenchmarkRun.CODEC_SIZES) {
      row(report, "encode", size, scores.get("encodeCodec"), scores.get("encodeObjectMapper"),
          "request encoding", "writeValueAsString");
      row(report, "decode", size, scores.get("decodeCodec"), scores.get("decodeObjectMapper"),
          "response decoding", "readTree");
    }
  }

  private static void row(Report report, String op, int size, Map<Integer, Double> codec, Map<Integer, Double> plain,
      String what, String baselineName) {
    String id = "codec_" + op + "_" + BenchmarkRun.sizeId(size);
    Double c = codec == null ? null : codec.get(size);
    Double p = plain == null ? null : plain.get(size);
    if (c == null || p == null) {
      report.add(Row.notMeasured(id, SECTION, what + ", " + BenchmarkRun.sizeLabel(size), null,
          "JMH returned no score for this benchmark"));
      return;
    }
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("codec_ns_per_op", c);
    figures.put("object_mapper_ns_per_op", p);
    report.add(new Row(id, SECTION, what + ", " + BenchmarkRun.sizeLabel(size),
        baselineName + " " + ns(p), "Codec." + op + " " + ns(c), c / p, null, null, figures));
  }

  private static String ns(double v) {
    return String.format(Locale.ROOT, "%,.0f ns", v);
  }
}

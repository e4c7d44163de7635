package dev.taskdaemon.benchmarks.internal;

import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.docker.DockerRuntime;
import dev.taskdaemon.spi.HandlerProcess;
import dev.taskdaemon.spi.InstanceInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;

/**
 * Container start to first answer, through the docker runtime's SPI as the engine uses it: launch
 * an instance, write one request, read its answer, kill it. Each run is a new container.
 */
final class DockerStart {
  private static final Duration ANSWER_BOUND = Duration.ofSeconds(60);

  private DockerStart() {}

  /**
   * {@code runs} starts with each transport, alternating cli and api so that load from elsewhere
   * lands on both alike; returns the sorted milliseconds, cli first, then api.
   */
  static double[][] millis(String image, String runId, int runs, byte[] request, byte[] expected) throws IOException {
    DockerRuntime runtime = new DockerRuntime();
    String[] transports = {"cli", "api"};
    double[][] ms = new double[2][runs];
    for (int i = 0; i < runs; i++) {
      for (int t = 0; t < 2; t++) {
        HandlerSpec spec = HandlerSpec.builder(Payloads.TASK_TYPE).image(image).option("network", "none")
            .option("pull", "never").option("docker_transport", transports[t]).build();
        long t0 = System.nanoTime();
        HandlerProcess p = runtime.launch(spec, new InstanceInfo("bench-start", runId + transports[t],
            Payloads.TASK_TYPE, 0, i + 1));
        try {
          OutputStream in = p.stdin();
          in.write(request);
          in.flush();
          // Bounded: an engine that never starts the container must fail this row, not hang the run.
          byte[] line;
          try {
            line = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
              try {
                return readLine(p.stdout());
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            }).get(ANSWER_BOUND.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
          } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException("a " + transports[t] + " container did not answer within " + ANSWER_BOUND.toSeconds()
                + " s of its launch: the engine did not start it", e);
          } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("a " + transports[t] + " container could not answer: " + e.getCause().getMessage(),
                e.getCause());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while timing container starts", e);
          }
          ms[t][i] = (System.nanoTime() - t0) / 1e6;
          if (!Arrays.equals(line, expected)) {
            throw new IOException("the started container answered " + line.length + " bytes, expected "
                + expected.length);
          }
        } finally {
          p.kill(Duration.ofSeconds(20));
        }
      }
    }
    Arrays.sort(ms[0]);
    Arrays.sort(ms[1]);
    return ms;
  }

  private static byte[] readLine(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      out.write(b);
    }
    if (b < 0) {
      throw new IOException("the container closed its stdout before answering");
    }
    return out.toByteArray();
  }
}

package dev.taskdaemon.benchmarks.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.taskdaemon.Result;
import dev.taskdaemon.Task;
import dev.taskdaemon.internal.Codec;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The protocol codec against plain Jackson doing the same job: building the request object and
 * {@code writeValueAsString}, and {@code readTree} of a response line. Run by {@link CodecBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CodecBenchmarks {
  private static final ObjectMapper PLAIN = new ObjectMapper();
  private static final String TASK_ID = "3f1c2f0e-8d3b-4c43-9a57-0a6b8f7a6c11";

  /** task_data size in bytes. */
  @Param({"100", "10240", "1048576"})
  public int size;

  private JsonNode data;
  private Task task;
  private byte[] response;

  /** Builds the task and the response line once per size. */
  @Setup
  public void setUp() {
    data = Payloads.ofSize(size);
    task = new Task(TASK_ID, Payloads.TASK_TYPE, data, 1);
    response = Payloads.expectedResponse(Payloads.requestLine(data));
  }

  /** The engine's request encoding. */
  @Benchmark
  public byte[] encodeCodec() {
    return Codec.encode(task);
  }

  /** Baseline: the same four fields as an object, through {@code writeValueAsString}. */
  @Benchmark
  public String encodeObjectMapper() throws JsonProcessingException {
    ObjectNode request = PLAIN.createObjectNode();
    request.put("task_id", TASK_ID);
    request.put("task_type", Payloads.TASK_TYPE);
    request.set("task_data", data);
    request.put("attempt", 1);
    return PLAIN.writeValueAsString(request);
  }

  /** The engine's response decoding, from the bytes its line reader holds. */
  @Benchmark
  public Result decodeCodec() {
    return Codec.decode(response, 0, response.length);
  }

  /** Baseline: {@code readTree} of the same bytes. */
  @Benchmark
  public JsonNode decodeObjectMapper() throws IOException {
    return PLAIN.readTree(response);
  }
}

package dev.taskdaemon.handler;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.taskdaemon.handler.internal.LineReader;
import dev.taskdaemon.handler.internal.Protocol;
import dev.taskdaemon.handler.internal.ResponseBuffer;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TaskDaemon handler written as a function. The whole program of an echo handler:
 *
 * <pre>{@code
 * import dev.taskdaemon.handler.Handler;
 *
 * public class Echo {
 *   public static void main(String[] args) {
 *     Handler.serve(task -> task.data());
 *   }
 * }
 * }</pre>
 *
 * <p>Run it as {@code java -cp taskdaemon-handler.jar:jackson-databind.jar:jackson-core.jar:jackson-annotations.jar
 * Echo.java}, or from a jar. With {@code task_data} bound to a record:
 * {@code Handler.serve(Range.class, range -> sieve(range.from(), range.to()))}.
 *
 * <h2>What {@link #serve()} does</h2>
 * <ul>
 *   <li>Reads one request per line from stdin, calls the function, and writes exactly one response
 *       line to stdout, written and flushed at once, before it reads the next request. Every response
 *       carries the request's {@code task_id}, so the engine can never take it for another task's.
 *   <li>The function's return value, serialized by Jackson, is the {@code result}. An exception answers
 *       an error instead: {@link RetryableException} a retryable one, any other exception (or
 *       {@link Error}) a non-retryable one with its message, and the handler goes on with the next
 *       request. The stack trace goes to stderr. After a {@link VirtualMachineError} such as
 *       {@link OutOfMemoryError} the handler answers, then exits with code 1: the JVM can no longer be
 *       trusted, and the engine starts a fresh instance.
 *   <li>A line that is not a request (not JSON, not an object, a field of the wrong type) is answered
 *       with a non-retryable error starting {@code bad request: }. Blank lines are skipped.
 *   <li>Both streams are UTF-8 whatever the platform's charset or locale; lines may be of any length.
 *   <li>{@code System.out} writes to stderr while the handler runs, so that a {@code println} in the
 *       function is a log line and never a response; {@code System.err} is UTF-8 too, and {@code
 *       System.in} is empty (the requests are the handler's).
 *   <li>When stdin ends, the task in progress has been answered; the resources given to {@link
 *       #onClose(AutoCloseable)} are closed, and the JVM exits with code 0. If the JVM is stopped
 *       another way (SIGTERM), they are closed by a shutdown hook.
 * </ul>
 *
 * <p>Tasks are handled one at a time, in order: the engine sends an instance one task at a time and
 * scales with more instances. A {@code Handler} is immutable and may be kept in a static field, so
 * that a test can run it in-process (the testkit's {@code SdkFakes.running(handler)}, or {@link
 * #serve(InputStream, OutputStream)}).
 */
public final class Handler {
  private final TaskFunction function;
  private final ObjectMapper mapper;
  private final List<AutoCloseable> resources;

  private Handler(TaskFunction function, ObjectMapper mapper, List<AutoCloseable> resources) {
    this.function = function;
    this.mapper = mapper;
    this.resources = resources;
  }

  /**
   * Serves {@code function} on stdin and stdout until stdin ends, then exits the JVM; see the class
   * description. Does not return.
   *
   * @param function what to do with each task
   */
  public static void serve(TaskFunction function) {
    of(function).serve();
  }

  /**
   * Serves {@code function} with each task's {@code task_data} bound to {@code dataType}, until stdin
   * ends, then exits the JVM. Data that does not fit the type is answered with a non-retryable error
   * naming the field; a task whose data is JSON null too. Does not return.
   *
   * @param dataType a record or POJO type for {@code task_data}
   * @param function what to do with each task's data
   * @param <T> the data type
   */
  public static <T> void serve(Class<T> dataType, DataFunction<T> function) {
    of(dataType, function).serve();
  }

  /**
   * A handler that runs {@code function} for each task; start it with {@link #serve()}.
   *
   * @param function what to do with each task
   * @return the handler
   */
  public static Handler of(TaskFunction function) {
    return new Handler(Objects.requireNonNull(function, "function"), Protocol.newMapper(), List.of());
  }

  /**
   * A handler that binds each task's {@code task_data} to {@code dataType} and runs {@code function}.
   *
   * @param dataType a record or POJO type for {@code task_data}
   * @param function what to do with each task's data
   * @param <T> the data type
   * @return the handler
   */
  public static <T> Handler of(Class<T> dataType, DataFunction<T> function) {
    Objects.requireNonNull(dataType, "dataType");
    Objects.requireNonNull(function, "function");
    return of(task -> {
      T data = task.data(dataType);
      if (data == null) {
        throw new IllegalArgumentException("task_data is null; expected " + dataType.getSimpleName());
      }
      return function.apply(data);
    });
  }

  /**
   * This handler with {@code mapper} binding {@code task_data} and writing results, e.g. one with
   * modules registered. Requests themselves are always read with no limit on string length; the
   * response is one line whatever the mapper's indentation setting.
   *
   * @param mapper the mapper to use
   * @return a new handler; this one is unchanged
   */
  public Handler withObjectMapper(ObjectMapper mapper) {
    return new Handler(function, Objects.requireNonNull(mapper, "mapper"), resources);
  }

  /**
   * This handler with {@code resource} closed when the handler stops (after the last answer, or in
   * a shutdown hook if the JVM is stopped): a connection pool, a model, a temporary directory.
   * Resources close in the reverse order of these calls; one that throws is logged on stderr and the
   * others still close.
   *
   * @param resource what to close
   * @return a new handler; this one is unchanged
   */
  public Handler onClose(AutoCloseable resource) {
    List<AutoCloseable> more = new ArrayList<>(resources);
    more.add(Objects.requireNonNull(resource, "resource"));
    return new Handler(function, mapper, List.copyOf(more));
  }

  /**
   * Serves this handler on the process's stdin and stdout until stdin ends, then closes its
   * resources and exits the JVM with code 0 (1 if stdout failed, or after a {@link
   * VirtualMachineError}). See the class description. Does not return.
   */
  public void serve() {
    InputStream stdin = System.in;
    // Our own UTF-8 streams over the file descriptors: the platform charset never touches the
    // protocol, and a print in the function (System.out) becomes a log line on stderr.
    PrintStream log = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    System.setErr(log);
    System.setOut(log);
    System.setIn(InputStream.nullInputStream());
    AtomicBoolean closed = new AtomicBoolean();
    Thread hook = new Thread(() -> closeResources(closed), "taskdaemon-handler-close");
    Runtime.getRuntime().addShutdownHook(hook);
    int code = 0;
    try {
      serve(stdin, new FileOutputStream(FileDescriptor.out));
    } catch (VirtualMachineError e) {
      log.println("handler: exiting after " + e + ": the JVM can no longer be trusted");
      log.flush();
      // halt, not exit: shutdown hooks might need the memory or stack that ran out.
      Runtime.getRuntime().halt(1);
    } catch (IOException e) {
      log.println("handler: stopping, the protocol streams failed: " + e);
      code = 1;
    }
    closeResources(closed);
    log.flush();
    // Exit rather than return: a thread the function left running must not keep the instance alive
    // after the engine asked it to stop.
    System.exit(code);
  }

  /**
   * Serves this handler on the given streams until {@code requests} ends, then returns: the
   * protocol loop of {@link #serve()} without its process-wide effects (no change to {@code
   * System.out}, resources not closed, no exit). For tests and for programs that embed a handler.
   *
   * @param requests request lines, UTF-8
   * @param responses where response lines go; written and flushed once per response
   * @throws IOException if reading or writing fails
   * @throws VirtualMachineError rethrown after answering the task during which it was thrown
   */
  public void serve(InputStream requests, OutputStream responses) throws IOException {
    Objects.requireNonNull(requests, "requests");
    Objects.requireNonNull(responses, "responses");
    LineReader reader = new LineReader(requests);
    ResponseBuffer buffer = new ResponseBuffer();
    ObjectWriter resultWriter = Protocol.resultWriter(mapper);
    for (byte[] line; (line = reader.readLine()) != null; ) {
      if (Protocol.isBlank(line)) {
        continue;
      }
      VirtualMachineError fatal = null;
      try {
        answer(line, buffer, resultWriter);
      } catch (VirtualMachineError e) {
        fatal = e;
        buffer.reset();
        Protocol.error(buffer, taskIdOf(line), Protocol.message(e) + " (the handler exits: the JVM can no longer"
            + " be trusted)", false);
      }
      buffer.sendTo(responses);
      if (fatal != null) {
        throw fatal;
      }
    }
  }

  /** Handles one request line, leaving its response in {@code buffer}. */
  private void answer(byte[] line, ResponseBuffer buffer, ObjectWriter resultWriter) {
    Protocol.Request request;
    try {
      request = Protocol.decode(line);
    } catch (Protocol.MalformedRequest e) {
      System.err.println("handler: bad request: " + e.getMessage());
      Protocol.error(buffer, e.taskId, "bad request: " + e.getMessage(), false);
      return;
    }
    Task task = new Task(request, mapper);
    Object result;
    try {
      result = function.apply(task);
    } catch (RetryableException e) {
      System.err.println("handler: " + task + " failed, may be retried: " + Protocol.message(e));
      if (e.getCause() != null) {
        printUpToTheSdk(e.getCause());
      }
      Protocol.error(buffer, request.taskId, Protocol.message(e), true);
      return;
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) { // every other Error too: answered, and the next request is served
      System.err.println("handler: " + task + " failed:");
      printUpToTheSdk(e);
      Protocol.error(buffer, request.taskId, Protocol.message(e), false);
      return;
    }
    try {
      Protocol.success(buffer, request.taskId, result, resultWriter);
    } catch (IOException | RuntimeException e) {
      System.err.println("handler: the result of " + task + " cannot be written as JSON:");
      e.printStackTrace();
      Protocol.error(buffer, request.taskId, "the handler's result cannot be written as JSON: "
          + Protocol.message(e), false);
    }
  }

  /**
   * Logs {@code e} on stderr without the frames of the SDK and the launcher below the function,
   * which are the same for every task and hide the ones that matter.
   */
  private static void printUpToTheSdk(Throwable e) {
    StackTraceElement[] frames = e.getStackTrace();
    int keep = frames.length;
    for (int i = 0; i < frames.length; i++) {
      if (frames[i].getClassName().equals(Handler.class.getName())) {
        keep = i;
        break;
      }
    }
    if (keep < frames.length) {
      // The exception is answered and then dropped: trimming its trace changes nothing else.
      e.setStackTrace(java.util.Arrays.copyOf(frames, keep));
    }
    e.printStackTrace();
  }

  /** The {@code task_id} of a line, if it can be read at all (for the answer to a fatal error). */
  private static String taskIdOf(byte[] line) {
    try {
      return Protocol.decode(line).taskId;
    } catch (Protocol.MalformedRequest | RuntimeException e) {
      return null;
    }
  }

  /**
   * Closes the resources once. A second caller waits until the first has finished: SIGTERM from the
   * engine arrives together with the end of stdin, so the shutdown hook and the main thread race here,
   * and a hook that returned while the main thread was still closing would let the JVM halt halfway.
   */
  private void closeResources(AtomicBoolean closed) {
    synchronized (closed) {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      for (int i = resources.size() - 1; i >= 0; i--) {
        try {
          resources.get(i).close();
        } catch (Exception e) {
          System.err.println("handler: closing " + resources.get(i) + " failed:");
          e.printStackTrace();
        }
      }
    }
  }
}

package dev.taskdaemon.testkit;

import dev.taskdaemon.handler.Handler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * Fakes that run a handler written with the handler SDK ({@code dev.taskdaemon:taskdaemon-handler})
 * in-process: the real handler function, behind the real engine, with no child process. A unit test
 * then covers the handler and the code that submits to it together.
 *
 * <pre>{@code
 * // in the handler's code
 * public static final Handler HANDLER = Handler.of(Text.class, text -> count(text.text()));
 * public static void main(String[] args) { HANDLER.serve(); }
 *
 * // in the test
 * FakeHandler wordcount = SdkFakes.running(WordCount.HANDLER);
 * try (TaskDaemon daemon = Fakes.create().stub("wordcount", wordcount).start(builder)) {
 *   assertThat(daemon.submit("wordcount", Map.of("text", "to be")).get().json().get("words").asInt()).isEqualTo(2);
 * }
 * }</pre>
 *
 * <p>Kept apart from {@link FakeHandler} so that the testkit needs the SDK on the class path only
 * when this class is used (the dependency is optional).
 */
public final class SdkFakes {
  private SdkFakes() {}

  /**
   * A fake whose every attempt is handled by {@code handler}: the request line goes through the
   * SDK's own protocol loop ({@link Handler#serve(java.io.InputStream, java.io.OutputStream)}) and its
   * response bytes, {@code task_id} echo included, go to the engine unchanged. What the function
   * throws is answered as the SDK answers it; after a {@link VirtualMachineError} the instance
   * exits with code 1, as the real program does. Everything else of {@link FakeHandler} works as
   * usual: recorded tasks, queued replies and injected faults come first.
   *
   * @param handler the handler under test
   * @return a fake to give to {@link Fakes#stub(String, FakeHandler)}
   */
  public static FakeHandler running(Handler handler) {
    Objects.requireNonNull(handler, "handler");
    return FakeHandler.replying(task -> {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try {
        handler.serve(new ByteArrayInputStream(Wire.encodeRequest(task)), out);
        return Reply.raw(out.toByteArray(), -1);
      } catch (VirtualMachineError e) {
        return Reply.raw(out.toByteArray(), 1);
      } catch (IOException e) {
        throw new UncheckedIOException("in-memory streams failed", e);
      }
    });
  }
}

package dev.taskdaemon.spi;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One running instance as a runtime exposes it: three byte streams and two ways to stop it. The
 * engine writes requests to {@link #stdin()}, reads responses from {@link #stdout()} and drains
 * {@link #stderr()} at all times.
 */
public interface HandlerProcess {

  /** The instance's standard input. Closing it is how the engine asks the handler to finish. */
  OutputStream stdin();

  /** The instance's standard output, carrying responses. */
  InputStream stdout();

  /** The instance's standard error, a log channel. */
  InputStream stderr();

  /** Completes with the exit code once the instance has ended. */
  CompletableFuture<Integer> onExit();

  /** Asks the instance to stop (SIGTERM, {@code docker stop}); returns without waiting. */
  void terminate();

  /**
   * Kills the instance for certain (SIGKILL, {@code docker kill} then {@code docker rm -f}). May
   * block for at most {@code bound}.
   */
  void kill(Duration bound);

  /**
   * Explains an exit code in this runtime's terms, for error messages: e.g. for a container, 137
   * after an out-of-memory kill. Returns {@code null} when there is nothing to add.
   */
  default String describeExit(int exitCode) {
    return null;
  }

  /**
   * Whether the handler behind this process can have written an answer that is still held in a
   * buffer of its own, such as a program's stdio buffer on a pipe. When it can, a timeout during which
   * nothing reached stdout tells the user to flush stdout after each line. True by default, as for
   * every real program; an in-memory stand-in whose writes reach the engine at once returns false, so
   * its timeouts say only that they timed out.
   */
  default boolean mayHoldBackOutput() {
    return true;
  }

  /** A short identification for logs: a pid, a container name. */
  String describe();
}

package dev.taskdaemon.spi;

import dev.taskdaemon.HandlerSpec;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * Turns a handler definition into running instances. Core ships {@code process}; {@code
 * taskdaemon-docker} ships {@code docker}; the testkit ships an in-process fake.
 *
 * <p>Runtimes on the class path are found with {@link java.util.ServiceLoader}; a runtime given to
 * {@code TaskDaemon.Builder.runtime(...)} takes precedence over one of the same name found there.
 * One runtime object serves every handler that names it and every daemon it is given to; it must be
 * thread-safe.
 */
public interface HandlerRuntime {

  /** The name handlers use in {@code runtime = "..."}. */
  String name();

  /**
   * Per-handler TOML keys this runtime understands beyond the core ones. Their values reach the
   * runtime through {@link HandlerSpec#options()}.
   */
  default Set<String> optionKeys() {
    return Set.of();
  }

  /**
   * Checks a handler definition for this runtime. The engine prefixes each problem with the
   * handler's dotted key and, for TOML, {@code file:line:column}.
   */
  default List<ConfigProblem> validate(HandlerSpec spec) {
    return List.of();
  }

  /**
   * Called once per daemon at {@code start()}, before any instance of these handlers starts: the
   * place to check that an engine is reachable and images exist, and to clean up after earlier
   * sessions. Throw {@link dev.taskdaemon.HandlerStartException} naming what to fix.
   */
  default void open(RuntimeContext context, List<HandlerSpec> handlers) {}

  /** Starts one instance. Failing to start throws with a message naming the command or image. */
  HandlerProcess launch(HandlerSpec spec, InstanceInfo instance) throws IOException;

  /** Called once per daemon after all its instances have stopped. */
  default void close(RuntimeContext context) {}

  /**
   * A problem with one key of a handler definition.
   *
   * @param key the key as written in TOML, e.g. {@code cpus}
   * @param value the offending value, or {@code null} when the problem is not about one value
   * @param message what is wrong: for a bad value, what was expected ({@code "expected a number such as 0.5"})
   */
  record ConfigProblem(String key, Object value, String message) {
    /** A bad value: rendered as {@code handlers.NAME.KEY = VALUE: expected ...}. */
    public static ConfigProblem badValue(String key, Object value, String expected) {
      return new ConfigProblem(key, value, "expected " + expected);
    }

    /** Any other problem with a key: rendered as {@code handlers.NAME.KEY: message}. */
    public static ConfigProblem of(String key, String message) {
      return new ConfigProblem(key, null, message);
    }
  }
}

package dev.taskdaemon.testkit;

/** What {@link Fakes#install} does with the handlers of the builder that have no fake. */
public enum Unstubbed {
  /**
   * {@code start()} fails with a {@link dev.taskdaemon.ConfigException} naming each handler without a
   * fake (the default): nothing real runs by accident.
   */
  FAIL_START,

  /**
   * The daemon starts; each handler without a fake answers every task with a permanent error naming
   * it, and records a {@link FakeHandlerException} (the JUnit extension then fails the test). For a
   * large {@code handlers.toml} of which the code under test uses a few handlers.
   */
  FAIL_TASKS,

  /** Handlers without a fake keep their configured runtime and run for real (a local process, a container). */
  REAL
}

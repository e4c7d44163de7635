package dev.taskdaemon;

import dev.taskdaemon.internal.config.Keys;
import java.util.List;

/**
 * The keys {@code handlers.toml} accepts, for tools that check or generate configuration (and the
 * project's own README check). Runtime-specific keys of a handler come from its runtime's {@link
 * dev.taskdaemon.spi.HandlerRuntime#optionKeys()}.
 */
public final class ConfigKeys {
  private ConfigKeys() {}

  /** The keys of the {@code [daemon]} table. */
  public static List<String> daemon() {
    return Keys.DAEMON_KEYS;
  }

  /** The keys of a {@code [handlers.NAME]} table that every runtime understands. */
  public static List<String> handler() {
    return Keys.HANDLER_KEYS;
  }
}

package dev.taskdaemon;

import java.util.Locale;

/** The order in which a handler's queued tasks are dispatched ({@code task_selection} in TOML). */
public enum QueueOrder {
  /** Oldest first (the default). */
  FIFO,
  /** Newest first. */
  LIFO,
  /** Highest priority (0–100) first; first-in-first-out among equal priorities. */
  PRIORITY;

  /** The TOML spelling: {@code fifo}, {@code lifo}, {@code priority}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses the TOML spelling in any letter case ({@code "FIFO"} too, as {@code handler_selection}
   * takes {@code "Round-Robin"}); {@code null} when it is none of them.
   */
  public static QueueOrder fromConfigName(String name) {
    for (QueueOrder o : values()) {
      if (o.configName().equalsIgnoreCase(name)) {
        return o;
      }
    }
    return null;
  }
}

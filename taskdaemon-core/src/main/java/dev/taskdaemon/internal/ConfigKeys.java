package dev.taskdaemon.internal;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** The keys {@code handlers.toml} accepts, and the nearest-key hint for unknown ones. */
public final class ConfigKeys {
  /** Keys of a {@code [handlers.NAME]} table that every runtime understands. */
  public static final List<String> HANDLER = List.of(
      "image", "instances", "timeout", "handler_selection", "memory_limit", "env",
      "runtime", "command", "workdir", "max_retries", "queue_capacity", "task_selection",
      "retry_backoff", "retry_backoff_max", "retry_backoff_multiplier", "retry_jitter",
      "retry_on_timeout", "retry_on_crash", "max_line_bytes", "stop_grace");

  /** Keys of the {@code [daemon]} table. */
  public static final List<String> DAEMON = List.of(
      "name", "task_timeout", "max_retries", "task_selection", "queue_capacity",
      "retry_backoff", "retry_backoff_max", "retry_backoff_multiplier", "retry_jitter",
      "drain_timeout", "stop_grace", "max_line_bytes");

  /** Top-level tables. */
  public static final List<String> TOP = List.of("daemon", "handlers");

  private ConfigKeys() {}

  /** "unknown key; did you mean 'x'?" with the closest of {@code valid}. */
  public static String unknownKey(String key, Collection<String> valid) {
    return nearest(key, valid, Integer.MAX_VALUE).map(best -> "unknown key; did you mean '" + best + "'?")
        .orElse("unknown key");
  }

  /**
   * The entry of {@code valid} closest to {@code name} (the first of equals), if it is at most
   * {@code maxDistance} edits away: the "did you mean" of config keys and of task types.
   */
  public static Optional<String> nearest(String name, Collection<String> valid, int maxDistance) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String v : valid) {
      int d = distance(name, v);
      if (d < bestDistance) {
        best = v;
        bestDistance = d;
      }
    }
    return bestDistance <= maxDistance ? Optional.of(best) : Optional.empty();
  }

  /** Optimal string alignment distance: edits, with a swap of two neighbours counting as one. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}

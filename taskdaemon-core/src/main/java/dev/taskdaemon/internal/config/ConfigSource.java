package dev.taskdaemon.internal.config;

/**
 * Something that edits a {@link DaemonConfig}: a {@code handlers.toml}, later the process
 * environment ({@code DAEMON_*}). A source never throws for bad input; it adds problems to the value,
 * each naming where the bad input is, so that {@code start()} reports every problem of every source
 * at once.
 *
 * <p>A new source maps its names to {@link Keys}, converts with the key's kind and sets daemon-wide
 * keys with {@link DaemonConfig#with}; handler keys go through {@code HandlerSpec.Builder} as
 * {@link TomlSource} does.
 */
@FunctionalInterface
public interface ConfigSource {
  /** Returns {@code config} with this source's settings (and problems) applied. */
  DaemonConfig applyTo(DaemonConfig config);
}

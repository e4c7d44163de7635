package dev.taskdaemon.spi;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code [daemon]} store settings, resolved: what a {@link TaskStoreProvider} needs to create its
 * store. {@link #toString()} never shows the password.
 *
 * @param store the store's name ({@code memory}, {@code sqlite}, {@code postgres}, ...)
 * @param path the store file, resolved against the TOML file's directory, or {@code null}
 * @param url a JDBC URL, or {@code null}
 * @param password the password read from the environment variable that {@code store_password_env}
 *     names, or {@code null}
 * @param retention how long finished tasks are kept
 * @param maxFinished how many finished tasks an in-memory store keeps at most
 */
public record StoreSettings(String store, Path path, String url, String password, Duration retention,
    int maxFinished) {

  @Override
  public String toString() {
    return "StoreSettings[store=" + store + ", path=" + path + ", url=" + url
        + ", password=" + (password == null ? "none" : "***") + ", retention=" + retention
        + ", maxFinished=" + maxFinished + "]";
  }
}

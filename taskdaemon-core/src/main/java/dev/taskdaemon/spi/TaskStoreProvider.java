package dev.taskdaemon.spi;

/**
 * Creates a {@link TaskStore} by name. Store modules ({@code taskdaemon-store-sqlite}, {@code
 * taskdaemon-store-postgres}) register one with {@link java.util.ServiceLoader} under
 * {@code META-INF/services/dev.taskdaemon.spi.TaskStoreProvider}; {@code [daemon] store = "<name>"}
 * selects it.
 */
public interface TaskStoreProvider {

  /** The name {@code store = "..."} uses. */
  String name();

  /**
   * Creates a store from the settings; it is opened later with {@link TaskStore#open}. Throw {@link
   * dev.taskdaemon.StoreException} naming the setting to fix when one is missing or wrong.
   */
  TaskStore create(StoreSettings settings);
}

package dev.taskdaemon.store.sqlite;

import dev.taskdaemon.StoreException;
import dev.taskdaemon.spi.StoreSettings;
import dev.taskdaemon.spi.TaskStore;
import dev.taskdaemon.spi.TaskStoreProvider;

/**
 * Makes {@code [daemon] store = "sqlite"} work: found through {@link java.util.ServiceLoader} when this
 * module is on the class path. The file comes from {@code store_path}; durability is {@link
 * Synchronous#NORMAL}.
 */
public final class SqliteStoreProvider implements TaskStoreProvider {

  /** For {@link java.util.ServiceLoader}. */
  public SqliteStoreProvider() {}

  @Override
  public String name() {
    return "sqlite";
  }

  @Override
  public TaskStore create(StoreSettings settings) {
    if (settings.path() == null) {
      throw new StoreException("store = \"sqlite\" needs store_path = \"tasks.db\" in [daemon] or "
          + "TaskDaemon.Builder.storePath(...): the file the tasks are kept in");
    }
    return SqliteTaskStore.builder(settings.path()).build();
  }
}

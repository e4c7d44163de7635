package dev.taskdaemon.store.sqlite;

import dev.taskdaemon.spi.TaskStore;
import dev.taskdaemon.spi.TaskStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store contract, on a real file per test. */
class SqliteTaskStoreTest extends TaskStoreContract {
  @TempDir
  Path dir;

  @Override
  protected TaskStore newStore() {
    return SqliteTaskStore.builder(dir.resolve("tasks.db")).build();
  }
}

package dev.taskdaemon.store.postgres;

import dev.taskdaemon.spi.TaskStore;
import dev.taskdaemon.spi.TaskStoreContract;

/** The store contract against a real PostgreSQL server (see {@link PostgresTestServer}). */
class PostgresTaskStoreTest extends TaskStoreContract {
  @Override
  protected TaskStore newStore() {
    return PostgresTestServer.newStore();
  }
}

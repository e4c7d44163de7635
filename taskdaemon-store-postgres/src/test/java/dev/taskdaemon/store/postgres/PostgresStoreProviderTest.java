package dev.taskdaemon.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskdaemon.StoreException;
import dev.taskdaemon.spi.StoreContext;
import dev.taskdaemon.spi.StoreSettings;
import dev.taskdaemon.spi.TaskStore;
import dev.taskdaemon.spi.TaskStoreProvider;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Creating the store from the {@code [daemon]} settings, and keeping the password out of every message. */
class PostgresStoreProviderTest {
  private static final String WRONG = "Wr0ng-pass!word-4711";

  private static StoreSettings settings(String url, String password) {
    return new StoreSettings("postgres", null, url, password, Duration.ofDays(7), 10_000);
  }

  @Test
  void theServiceLoaderFindsTheProvider_byItsName() {
    assertThat(ServiceLoader.load(TaskStoreProvider.class).stream().map(p -> p.get().name()))
        .contains("postgres");
  }

  @Test
  void aMissingUrl_namesTheKeyToSet() {
    assertThatThrownBy(() -> new PostgresStoreProvider().create(settings(null, null)))
        .isInstanceOf(StoreException.class)
        .hasMessage("store \"postgres\" needs [daemon] store_url: a JDBC URL such as"
            + " jdbc:postgresql://db:5432/tasks?user=td (the password goes in the variable store_password_env names)");
    assertThatThrownBy(() -> new PostgresStoreProvider().create(settings(" ", null)))
        .isInstanceOf(StoreException.class).hasMessageContaining("store_url");
  }

  @Test
  void aUrlOfAnotherDatabase_isRefused() {
    assertThatThrownBy(() -> new PostgresStoreProvider().create(settings("jdbc:mysql://db/tasks", null)))
        .isInstanceOf(StoreException.class)
        .hasMessage("store_url must be a PostgreSQL JDBC URL starting with jdbc:postgresql:, got 'jdbc:mysql://db/tasks'");
  }

  @Test
  void aUrlWithAPasswordInIt_isRefused_withoutShowingIt() {
    assertThatThrownBy(() -> new PostgresStoreProvider().create(
        settings("jdbc:postgresql://db:5432/tasks?user=td&password=" + WRONG + "&ssl=true", null)))
        .isInstanceOf(StoreException.class)
        .hasMessage("store_url must not contain a password (got 'jdbc:postgresql://db:5432/tasks?user=td&password=***"
            + "&ssl=true'): put the password in an environment variable and name it with store_password_env");
  }

  @Test
  void describeAndToString_showTheUrl_neverThePassword() {
    String url = "jdbc:postgresql://db:5432/tasks?user=td";
    TaskStore s = new PostgresStoreProvider().create(settings(url, WRONG));
    try {
      assertThat(s.describe()).isEqualTo("postgres " + url);
      assertThat(s.toString()).doesNotContain(WRONG);
      assertThat(s.durable()).isTrue();
      assertThat(settings(url, WRONG).toString()).doesNotContain(WRONG);
    } finally {
      s.close();
    }
  }

  @Test
  void aWrongPassword_givesAMessageNamingTheUrl_andNowhereThePassword() throws Exception {
    PostgresTestServer.Server server = PostgresTestServer.get();
    TaskStore s = new PostgresStoreProvider().create(settings(server.url(), WRONG));
    try {
      Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(
          () -> s.open(new StoreContext(StoreFixture.uniqueDaemon("pw"), "h", List.of("a"), () -> {})));
      assertThat(thrown).as("the server at %s must ask for passwords for this test to mean anything", server.url())
          .isInstanceOf(StoreException.class);
      assertThat(thrown.getMessage())
          .startsWith("PostgreSQL store " + server.url() + " refused the login: ")
          .contains("password authentication failed")
          .endsWith("(check the user in store_url and the password in the variable store_password_env names)");
      StringWriter trace = new StringWriter();
      thrown.printStackTrace(new PrintWriter(trace));
      assertThat(trace.toString()).doesNotContain(WRONG);
    } finally {
      s.close();
    }
    Path log = Path.of("target/test.log");
    if (Files.exists(log)) {
      assertThat(Files.readString(log, StandardCharsets.UTF_8)).doesNotContain(WRONG);
    }
  }

  @Test
  void aServerThatIsDown_failsFast_namingTheUrl() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    String url = "jdbc:postgresql://127.0.0.1:" + port + "/tasks?user=td";
    TaskStore s = new PostgresStoreProvider().create(settings(url, WRONG));
    try {
      long start = System.nanoTime();
      assertThatThrownBy(() -> s.open(new StoreContext("down", "h", List.of("a"), () -> {})))
          .isInstanceOf(StoreException.class)
          .hasMessageStartingWith("PostgreSQL store " + url + " is unreachable while trying to create or migrate the"
              + " tables td_down_tasks: ")
          .hasMessageEndingWith("(check that the server runs and that store_url is right)")
          .message().doesNotContain(WRONG);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("refused connections fail at once")
          .isLessThan(Duration.ofSeconds(20));
    } finally {
      s.close();
    }
  }

  @Test
  void theTestServerCommitsDurably() throws Exception {
    try (Connection c = PostgresTestServer.get().connect(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SHOW synchronous_commit")) {
      rs.next();
      assertThat(rs.getString(1)).as("synchronous_commit of the test server").isEqualTo("on");
    }
  }
}

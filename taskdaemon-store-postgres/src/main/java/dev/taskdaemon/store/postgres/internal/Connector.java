package dev.taskdaemon.store.postgres.internal;

import dev.taskdaemon.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Opens JDBC connections to the store's database and turns driver errors into {@link StoreException}s
 * that name the URL and never the password. No pool: the store keeps a few long-lived connections
 * (see {@link Slot}) and reopens one when it is lost.
 */
final class Connector {
  private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)(password=)[^&]*");
  private static final Pattern USER_INFO = Pattern.compile("(//[^/@:]*:)[^/@]*@");

  private final String url;
  private final String shownUrl;
  private final String password;
  private final org.postgresql.Driver driver = new org.postgresql.Driver();
  private volatile String applicationName = "taskdaemon";

  Connector(String url, String password) {
    this.url = url;
    this.password = password;
    this.shownUrl = redact(url);
  }

  /** The URL without any password in it: the only form that reaches messages and logs. */
  static String redact(String url) {
    return USER_INFO.matcher(PASSWORD_PARAM.matcher(url).replaceAll("$1***")).replaceAll("$1***@");
  }

  /** True when the URL carries a password itself (which the store refuses: it belongs in the environment). */
  static boolean hasPassword(String url) {
    return PASSWORD_PARAM.matcher(url).find() || USER_INFO.matcher(url).find();
  }

  String shownUrl() {
    return shownUrl;
  }

  void applicationName(String name) {
    this.applicationName = name;
  }

  /**
   * A new connection; {@code role} ({@code write}, {@code claim}, ..., {@code listen}) names it to the
   * server. Timeouts bound every wait on a server that is down or unreachable; parameters in
   * the URL override these defaults.
   */
  Connection open(boolean autoCommit, String role) throws SQLException {
    return open(autoCommit, role, 60);
  }

  /** A new connection whose reads give up after {@code socketTimeoutSeconds}. */
  Connection open(boolean autoCommit, String role, int socketTimeoutSeconds) throws SQLException {
    Properties p = new Properties();
    p.setProperty("connectTimeout", "5");
    p.setProperty("loginTimeout", "10");
    // Longer than any statement the store runs on a healthy server, short enough that a server that
    // stops answering surfaces as an error instead of a hang.
    p.setProperty("socketTimeout", Integer.toString(socketTimeoutSeconds));
    p.setProperty("tcpKeepAlive", "true");
    // "taskdaemon <daemon> <role>": which host's which connection, in pg_stat_activity.
    p.setProperty("ApplicationName", applicationName + " " + role);
    if (password != null) {
      p.setProperty("password", password);
    }
    Connection c = driver.connect(url, p);
    if (c == null) {
      throw new SQLException("not a PostgreSQL JDBC URL (it must start with jdbc:postgresql:)", "08001");
    }
    try {
      c.setAutoCommit(autoCommit);
      try (Statement s = c.createStatement()) {
        // Times are stored as timestamptz; UTC keeps any text an operator reads unambiguous.
        s.execute("SET TIME ZONE 'UTC'");
      }
      return c;
    } catch (SQLException e) {
      closeQuietly(c);
      throw e;
    }
  }

  /**
   * True when the error means the connection is gone (SQLState class 08, or the server shutting down or
   * restarting): the caller reconnects and may retry.
   */
  static boolean lost(SQLException e) {
    for (SQLException x = e; x != null; x = x.getNextException()) {
      String state = x.getSQLState();
      if (state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
          || state.equals("57P03"))) {
        return true;
      }
    }
    return false;
  }

  /** The store error for a failed operation: names the URL and what was being done, never the password. */
  StoreException failure(String what, SQLException e) {
    String detail = scrub(e.getMessage());
    if (lost(e)) {
      return new StoreException("PostgreSQL store " + shownUrl + " is unreachable while trying to " + what + ": "
          + detail + " (check that the server runs and that store_url is right)", e);
    }
    if ("28P01".equals(e.getSQLState()) || "28000".equals(e.getSQLState())) {
      return new StoreException("PostgreSQL store " + shownUrl + " refused the login: " + detail
          + " (check the user in store_url and the password in the variable store_password_env names)", e);
    }
    return new StoreException("PostgreSQL store " + shownUrl + " failed to " + what + ": " + detail, e);
  }

  /** The driver's messages do not carry the password; this makes sure of it. */
  String scrub(String message) {
    if (message == null) {
      return "no detail";
    }
    return password == null || password.isEmpty() ? message : message.replace(password, "***");
  }

  static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException | RuntimeException ignored) {
        // The connection is being thrown away; a failure to close it says nothing new.
      }
    }
  }
}

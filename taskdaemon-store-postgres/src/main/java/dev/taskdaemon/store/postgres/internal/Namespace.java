package dev.taskdaemon.store.postgres.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * One daemon's names in a shared database: its tables, indexes, notification channel and advisory
 * lock key, all derived from the daemon name so that several daemons share a database without
 * touching each other's rows.
 *
 * <p>Names keep the daemon name as it is (quoted, so case and {@code . -} survive) when it is short
 * enough; a longer one is cut and given a hash of the whole name, so every identifier stays well under
 * PostgreSQL's 63-byte limit. The mapping is one-to-one: a kept name is at most {@value #KEEP} characters,
 * a hashed one exactly {@value #HASHED}, so the two kinds never meet.
 */
public final class Namespace {
  /** What the engine accepts as a daemon name; checked again here because it becomes SQL. */
  static final Pattern DAEMON = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
  static final int KEEP = 36;
  static final int HASHED = 40;

  private final String daemon;
  private final String base;

  private Namespace(String daemon, String base) {
    this.daemon = daemon;
    this.base = base;
  }

  /** The namespace of a daemon name; IllegalArgumentException for a name that is not one. */
  public static Namespace of(String daemon) {
    if (daemon == null || !DAEMON.matcher(daemon).matches()) {
      throw new IllegalArgumentException("daemon name '" + daemon + "' is not 1 to 63 letters, digits, _ . -"
          + " starting with a letter or digit");
    }
    if (daemon.length() <= KEEP) {
      return new Namespace(daemon, daemon);
    }
    String hash = HexFormat.of().formatHex(sha256(daemon), 0, 4);
    return new Namespace(daemon, daemon.substring(0, HASHED - 1 - hash.length()) + "_" + hash);
  }

  /** The daemon name this namespace belongs to. */
  public String daemon() {
    return daemon;
  }

  /** The quoted name of the tasks table. */
  public String tasks() {
    return quote("td_" + base + "_tasks");
  }

  /** The quoted name of the schema version table. */
  public String schema() {
    return quote("td_" + base + "_schema");
  }

  /** The quoted name of one of the tasks table's indexes. */
  String index(String suffix) {
    return quote("td_" + base + "_" + suffix);
  }

  /** The tasks table's name unquoted, as catalog queries and messages show it. */
  public String tasksName() {
    return "td_" + base + "_tasks";
  }

  /** The schema table's name unquoted. */
  public String schemaName() {
    return "td_" + base + "_schema";
  }

  /** The LISTEN/NOTIFY channel, unquoted: pg_notify takes it as a string, LISTEN quoted. */
  String channel() {
    return "td_" + base;
  }

  /** The key of the advisory lock that serializes schema changes of this namespace across hosts. */
  long lockKey() {
    return ByteBuffer.wrap(sha256("taskdaemon:" + base)).getLong();
  }

  static String quote(String identifier) {
    // Daemon names hold no double quote (DAEMON), so quoting cannot be escaped out of.
    return '"' + identifier + '"';
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return tasksName();
  }
}

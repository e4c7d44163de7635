package dev.taskdaemon.store.postgres.internal;

import dev.taskdaemon.StoreException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The tables of one namespace and their forward-only migrations. Each migration runs once, in order,
 * inside one transaction that holds the namespace's advisory lock, so hosts that start together take
 * turns and the second finds the work done. A database at a version this code does not know (a newer
 * release wrote it) is refused: an older host never runs against a newer schema, and nothing
 * downgrades.
 */
final class Schema {
  /** The version this code writes; each entry of {@link #migrations} raises it by one. */
  static final int LATEST = 1;

  private Schema() {}

  /** The statements that bring a namespace from version {@code index} to {@code index + 1}. */
  static List<List<String>> migrations(Namespace ns) {
    String t = ns.tasks();
    String open = "status IN ('pending', 'processing')";
    return List.of(List.of(
        "CREATE TABLE " + t + " ("
            + "seq bigint GENERATED ALWAYS AS IDENTITY, "
            + "id text NOT NULL PRIMARY KEY, "
            + "task_type text NOT NULL, "
            + "data bytea NOT NULL, "
            + "priority integer NOT NULL, "
            + "status text NOT NULL CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')), "
            + "attempts integer NOT NULL, "
            + "retry_base integer NOT NULL, "
            + "max_retries integer, "
            + "timeout_ms bigint, "
            + "created_at timestamptz NOT NULL, "
            + "updated_at timestamptz NOT NULL, "
            + "not_before timestamptz, "
            + "owner text, "
            + "lease_until timestamptz, "
            + "result bytea, "
            + "error_kind text, "
            + "last_error text, "
            + "cancel_requested boolean NOT NULL DEFAULT false)",
        "CREATE UNIQUE INDEX " + ns.index("seq") + " ON " + t + " (seq)",
        // Claims read only unfinished rows; partial indexes keep them small however many finished rows
        // retention keeps. One per claim order: fifo/lifo walk seq, priority walks priority then seq.
        "CREATE INDEX " + ns.index("claim") + " ON " + t + " (task_type, seq) WHERE " + open,
        "CREATE INDEX " + ns.index("claim_prio") + " ON " + t + " (task_type, priority DESC, seq) WHERE " + open,
        "CREATE INDEX " + ns.index("owner") + " ON " + t + " (owner) WHERE owner IS NOT NULL",
        "CREATE INDEX " + ns.index("purge") + " ON " + t + " (updated_at) WHERE NOT (" + open + ")"));
  }

  /** Creates or migrates the namespace's tables; refuses a version it does not know. */
  static void migrate(Slot slot, Namespace ns, Connector connector) {
    slot.run("create or migrate the tables " + ns.tasksName(), s -> {
      try (PreparedStatement lock = s.connection().prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
        lock.setLong(1, ns.lockKey());
        lock.execute();
      }
      try (Statement st = s.connection().createStatement()) {
        st.execute("CREATE TABLE IF NOT EXISTS " + ns.schema()
            + " (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
        int version = 0;
        try (ResultSet rs = st.executeQuery("SELECT coalesce(max(version), 0) FROM " + ns.schema())) {
          if (rs.next()) {
            version = rs.getInt(1);
          }
        }
        if (version > LATEST) {
          s.connection().rollback();
          throw new StoreException("PostgreSQL store " + connector.shownUrl() + ": the tables of daemon '"
              + ns.daemon() + "' (" + ns.tasksName() + ") have schema version " + version
              + ", written by a newer TaskDaemon; this host knows versions up to " + LATEST
              + ". Upgrade this host: an older host never runs against a newer schema.");
        }
        List<List<String>> all = migrations(ns);
        for (int v = version; v < LATEST; v++) {
          for (String sql : all.get(v)) {
            st.execute(sql);
          }
          st.execute("INSERT INTO " + ns.schema() + " (version) VALUES (" + (v + 1) + ")");
        }
      }
      s.commit();
      return null;
    });
  }
}

package dev.taskdaemon.store.postgres.internal;

import dev.taskdaemon.spi.StoreWrite;
import dev.taskdaemon.spi.StoredTask;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A run of writes of one kind as one statement over arrays ({@code unnest}), instead of one statement
 * per write: the server plans and executes once for the whole run, which is most of the cost of a
 * group commit besides the commit itself. RETURNING tells which rows applied. Used only when the ids of
 * the run are distinct, since one statement cannot apply two changes to one row in order; other runs
 * go through a JDBC batch.
 */
final class Bulk {
  /** Below this many writes a JDBC batch costs about the same. */
  static final int MIN = 8;

  private static final String OPEN = "status IN ('pending', 'processing')";

  final String insert;
  final String start;
  final String finish;

  Bulk(Namespace ns) {
    String t = ns.tasks();
    insert = "INSERT INTO " + t + " (" + Sql.COLUMNS + ") SELECT v.id, v.task_type, v.data, v.priority, v.status,"
        + " v.attempts, v.retry_base, v.max_retries, v.timeout_ms, " + time("v.created_at") + ", "
        + time("v.updated_at") + ", " + time("v.not_before") + ", v.owner, " + time("v.lease_until")
        + ", v.result, v.error_kind, v.last_error, v.cancel_requested"
        + " FROM unnest(?::text[], ?::text[], ?::bytea[], ?::int4[], ?::text[], ?::int4[], ?::int4[], ?::int4[],"
        + " ?::int8[], ?::int8[], ?::int8[], ?::int8[], ?::text[], ?::int8[], ?::bytea[], ?::text[], ?::text[],"
        + " ?::bool[]) WITH ORDINALITY AS v(id, task_type, data, priority, status, attempts, retry_base, max_retries,"
        + " timeout_ms, created_at, updated_at, not_before, owner, lease_until, result, error_kind, last_error,"
        + " cancel_requested, ord) ORDER BY v.ord ON CONFLICT (id) DO NOTHING RETURNING id";
    start = "UPDATE " + t + " AS t SET status = 'processing', attempts = greatest(t.attempts, v.attempt), updated_at = "
        + time("v.at") + ", not_before = NULL, result = NULL, error_kind = NULL,"
        + " lease_until = CASE WHEN t.owner IS NOT DISTINCT FROM v.owner THEN t.lease_until END, owner = v.owner"
        + " FROM unnest(?::text[], ?::text[], ?::int4[], ?::int8[]) AS v(id, owner, attempt, at)"
        + " WHERE t.id = v.id AND t." + OPEN + " AND (t.owner = v.owner OR " + free("v.at") + ") RETURNING t.id";
    finish = "UPDATE " + t + " AS t SET status = v.status, result = v.result, error_kind = v.error_kind,"
        + " last_error = coalesce(v.error, t.last_error), updated_at = " + time("v.at") + ", owner = NULL,"
        + " lease_until = NULL, not_before = NULL, cancel_requested = false"
        + " FROM unnest(?::text[], ?::text[], ?::text[], ?::bytea[], ?::text[], ?::text[], ?::int8[])"
        + " AS v(id, owner, status, result, error_kind, error, at)"
        + " WHERE t.id = v.id AND t." + OPEN + " AND (CASE WHEN v.owner IS NULL THEN " + free("v.at")
        + " ELSE t.owner = v.owner END) RETURNING t.id";
  }

  /** {@link Sql#FREE} with the time taken from an array column. */
  private static String free(String micros) {
    return "(t.owner IS NULL OR (t.lease_until IS NOT NULL AND t.lease_until <= " + time(micros) + "))";
  }

  /** Times travel as microseconds since the epoch: integer arithmetic, exact to the microsecond. */
  private static String time(String micros) {
    return "(timestamptz 'epoch' + " + micros + " * interval '1 microsecond')";
  }

  static Long micros(Instant t) {
    return t == null ? null : t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
  }

  /** True when the run can go as one statement: long enough, an unnest form for its kind, distinct ids. */
  static boolean fits(List<StoreWrite> run) {
    if (run.size() < MIN || run.get(0) instanceof StoreWrite.Release) {
      return false;
    }
    Set<String> ids = new HashSet<>();
    for (StoreWrite w : run) {
      if (!ids.add(w.id())) {
        return false;
      }
    }
    return true;
  }

  /** Runs the run as one statement; returns the ids it applied to. */
  Set<String> apply(Slot slot, List<StoreWrite> run) throws SQLException {
    Connection c = slot.connection();
    int n = run.size();
    PreparedStatement ps;
    if (run.get(0) instanceof StoreWrite.Insert) {
      ps = slot.prepare(insert);
      Object[][] cols = new Object[18][n];
      for (int i = 0; i < n; i++) {
        StoredTask t = ((StoreWrite.Insert) run.get(i)).task();
        Object[] row = {t.id(), t.taskType(), t.data(), t.priority(), t.status().wireName(), t.attempts(),
            t.retryBase(), t.maxRetries(), t.timeoutMillis(), micros(t.createdAt()), micros(t.updatedAt()),
            micros(t.notBefore()), t.owner(), micros(t.leaseUntil()), t.resultJson(), t.errorKind(), t.lastError(),
            t.cancelRequested()};
        for (int col = 0; col < row.length; col++) {
          cols[col][i] = row[col];
        }
      }
      String[] types = {"text", "text", "bytea", "int4", "text", "int4", "int4", "int4", "int8", "int8", "int8",
          "int8", "text", "int8", "bytea", "text", "text", "bool"};
      bindColumns(c, ps, cols, types);
    } else if (run.get(0) instanceof StoreWrite.Start) {
      ps = slot.prepare(start);
      Object[][] cols = new Object[4][n];
      for (int i = 0; i < n; i++) {
        StoreWrite.Start s = (StoreWrite.Start) run.get(i);
        cols[0][i] = s.id();
        cols[1][i] = s.owner();
        cols[2][i] = s.attempt();
        cols[3][i] = micros(s.at());
      }
      bindColumns(c, ps, cols, new String[] {"text", "text", "int4", "int8"});
    } else {
      ps = slot.prepare(finish);
      Object[][] cols = new Object[7][n];
      for (int i = 0; i < n; i++) {
        StoreWrite.Finish f = (StoreWrite.Finish) run.get(i);
        cols[0][i] = f.id();
        cols[1][i] = f.owner();
        cols[2][i] = f.status().wireName();
        cols[3][i] = f.resultJson();
        cols[4][i] = f.errorKind();
        cols[5][i] = f.error();
        cols[6][i] = micros(f.at());
      }
      bindColumns(c, ps, cols, new String[] {"text", "text", "text", "bytea", "text", "text", "int8"});
    }
    Set<String> applied = new HashSet<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        applied.add(rs.getString(1));
      }
    }
    return applied;
  }

  private static void bindColumns(Connection c, PreparedStatement ps, Object[][] cols, String[] types)
      throws SQLException {
    for (int col = 0; col < cols.length; col++) {
      Object[] values = cols[col];
      Object typed = switch (types[col]) {
        case "bytea" -> java.util.Arrays.copyOf(values, values.length, byte[][].class);
        case "int4" -> java.util.Arrays.copyOf(values, values.length, Integer[].class);
        case "int8" -> java.util.Arrays.copyOf(values, values.length, Long[].class);
        case "bool" -> java.util.Arrays.copyOf(values, values.length, Boolean[].class);
        default -> java.util.Arrays.copyOf(values, values.length, String[].class);
      };
      Array a = c.createArrayOf(types[col], (Object[]) typed);
      ps.setArray(col + 1, a);
    }
  }
}

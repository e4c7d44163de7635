package dev.taskdaemon.store.sqlite.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.QueueOrder;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Claims and the backlog count walk only open rows. Without statistics SQLite's planner once chose the
 * listing index on (task_type, seq) for claims, which walks every finished row a week of retention
 * keeps: claims got slower with every task ever run.
 */
class QueryPlanTest {
  @TempDir
  Path dir;

  private static List<String> plan(Connection c, String sql) throws SQLException {
    List<String> steps = new ArrayList<>();
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("EXPLAIN QUERY PLAN " + sql)) {
      while (rs.next()) {
        steps.add(rs.getString(4));
      }
    }
    return steps;
  }

  @Test
  void claimsAndTheBacklogCount_useTheIndexesOfOpenRows() throws Exception {
    Path file = dir.resolve("plan.db");
    try (Connection c = Connections.writer(file, false, Duration.ofSeconds(5))) {
      Schema.prepare(c, file, "plan");
      assertThat(plan(c, WriteSide.claimSql(QueueOrder.FIFO)))
          .anySatisfy(s -> assertThat(s).startsWith("SEARCH tasks USING INDEX tasks_claim_fifo (task_type=?)"))
          .noneSatisfy(s -> assertThat(s).contains("tasks_list_type"));
      assertThat(plan(c, WriteSide.claimSql(QueueOrder.LIFO)))
          .anySatisfy(s -> assertThat(s).startsWith("SEARCH tasks USING INDEX tasks_claim_fifo (task_type=?)"));
      assertThat(plan(c, WriteSide.claimSql(QueueOrder.PRIORITY)))
          .anySatisfy(s -> assertThat(s).startsWith("SEARCH tasks USING INDEX tasks_claim_priority (task_type=?)"));
      // The backlog count reads the claim index alone, and rows only for the held few.
      assertThat(plan(c, ReadSide.COUNT_PENDING))
          .anySatisfy(s -> assertThat(s).startsWith("SEARCH tasks USING COVERING INDEX tasks_claim_fifo (task_type=?)"))
          .anySatisfy(s -> assertThat(s).startsWith("SEARCH tasks USING INDEX tasks_owner"));
      // No temporary sort: the index gives the order.
      for (QueueOrder o : QueueOrder.values()) {
        assertThat(plan(c, WriteSide.claimSql(o))).noneSatisfy(s -> assertThat(s).contains("TEMP B-TREE"));
      }
    }
  }
}

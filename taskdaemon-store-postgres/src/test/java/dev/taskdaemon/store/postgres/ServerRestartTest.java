package dev.taskdaemon.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.StoreException;
import dev.taskdaemon.TaskQuery;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.spi.StoreContext;
import dev.taskdaemon.spi.StoreWrite;
import dev.taskdaemon.spi.TaskStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PostgreSQL server stops and starts again under an open store: while it is down every operation
 * fails fast with a {@link StoreException} naming the URL; once it is back the same store object works
 * again, with what was committed before, and its listener listens again.
 *
 * <p>Always on an embedded server of its own, even when {@code TASKDAEMON_POSTGRES_URL} is set: a test
 * cannot stop somebody else's server.
 */
class ServerRestartTest {
  @TempDir
  Path dataDir;

  /** Where the listen thread is, for the message of a failure. */
  private static String listenerStack() {
    StringBuilder sb = new StringBuilder();
    Thread.getAllStackTraces().forEach((t, stack) -> {
      if (t.getName().equals("td-restart-pg-listen")) {
        sb.append(t.getState());
        for (StackTraceElement e : stack) {
          sb.append("\n  at ").append(e);
        }
      }
    });
    return sb.length() == 0 ? "not running" : sb.toString();
  }

  @Test
  void operationsFailFastWhileTheServerIsDown_andWorkAgainAfterItRestarts() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    EmbeddedPostgres pg = PostgresTestServer.startEmbedded(dataDir, port);
    PostgresTestServer.Server server = PostgresTestServer.embeddedServer(pg);
    StoreFixture fx = new StoreFixture();
    AtomicReference<CountDownLatch> woken = new AtomicReference<>(new CountDownLatch(1));
    TaskStore store = new PostgresStoreProvider().create(server.settings());
    try {
      store.open(new StoreContext("restart", "host-a", List.of("a"), () -> woken.get().countDown()));
      StoreFixture.insert(store, fx.task("before"));
      store.claim("a", QueueOrder.FIFO, 1, "host-a", fx.at(1), fx.at(30));

      pg.close();

      Map<String, Runnable> operations = new LinkedHashMap<>();
      operations.put("write", () -> store.write(List.of(new StoreWrite.Insert(fx.task("during")))));
      operations.put("claim", () -> store.claim("a", QueueOrder.FIFO, 1, "host-a", fx.at(2), fx.at(30)));
      operations.put("find", () -> store.find("before"));
      operations.put("list", () -> store.list(TaskQuery.recent()));
      operations.put("renewLeases", () -> store.renewLeases("host-a", fx.at(40)));
      operations.put("countPending", () -> store.countPending("a"));
      for (Map.Entry<String, Runnable> op : operations.entrySet()) {
        long start = System.nanoTime();
        Throwable thrown = catchThrowable(op.getValue()::run);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(thrown).as(op.getKey()).isInstanceOf(StoreException.class)
            .hasMessageStartingWith("PostgreSQL store " + server.url() + " is unreachable while trying to ")
            .hasMessageNotContaining(server.password());
        assertThat(took).as("%s fails fast, not hanging", op.getKey()).isLessThan(Duration.ofSeconds(20));
      }
      woken.set(new CountDownLatch(1));

      pg = PostgresTestServer.startEmbedded(dataDir, port);

      // The same store object, not reopened.
      assertThat(store.find("before").orElseThrow().owner()).as("committed before the stop").isEqualTo("host-a");
      assertThat(store.find("during")).as("the write that failed was not stored").isEmpty();
      StoreFixture.insert(store, fx.task("after"));
      assertThat(store.claim("a", QueueOrder.FIFO, 5, "host-a", fx.at(3), fx.at(30)))
          .extracting(t -> t.id()).containsExactly("after");
      assertThat(store.write(List.of(new StoreWrite.Finish("after", "host-a", TaskStatus.COMPLETED,
          StoreFixture.json("1"), null, null, fx.at(4))))).containsExactly(true);
      assertThat(woken.get().await(60, TimeUnit.SECONDS)).as("the listener is back and wakes; its thread: %s",
          listenerStack()).isTrue();
    } finally {
      store.close();
      pg.close();
    }
  }
}

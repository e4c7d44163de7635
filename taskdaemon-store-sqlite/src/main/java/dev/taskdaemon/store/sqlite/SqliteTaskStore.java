package dev.taskdaemon.store.sqlite;

import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.StoreException;
import dev.taskdaemon.TaskQuery;
import dev.taskdaemon.spi.StoreContext;
import dev.taskdaemon.spi.StoreWrite;
import dev.taskdaemon.spi.StoredTask;
import dev.taskdaemon.spi.TaskStore;
import dev.taskdaemon.store.sqlite.internal.Connections;
import dev.taskdaemon.store.sqlite.internal.FileCheck;
import dev.taskdaemon.store.sqlite.internal.ReadSide;
import dev.taskdaemon.store.sqlite.internal.Schema;
import dev.taskdaemon.store.sqlite.internal.SqliteErrors;
import dev.taskdaemon.store.sqlite.internal.StoreLock;
import dev.taskdaemon.store.sqlite.internal.WriteSide;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A durable {@link TaskStore} in one SQLite file (WAL journal): tasks survive the host, and a host
 * restarted on the same file finds them. One daemon uses a file at a time; a second one that opens it
 * while the first runs is refused with a message naming the file and its owner. In TOML it is {@code
 * [daemon] store = "sqlite"} with {@code store_path}; in code:
 *
 * <pre>{@code
 * TaskStore store = SqliteTaskStore.builder(Path.of("tasks.db")).synchronous(Synchronous.FULL).build();
 * }</pre>
 *
 * <p>The file's schema is versioned: an older one is migrated forward when a newer release opens it;
 * a newer one is refused. Thread-safe: writes and claims go through one connection, one transaction
 * each; lookups and listings use a second, read-only connection that does not wait for writes.
 */
public final class SqliteTaskStore implements TaskStore {
  private final Path file;
  private final Synchronous synchronous;
  private final Duration busyTimeout;
  private final Object lifecycle = new Object();
  private StoreLock lock;
  private volatile WriteSide writer;
  private volatile ReadSide reader;
  private boolean opened;
  private volatile boolean closed;

  private SqliteTaskStore(Builder b) {
    this.file = b.file;
    this.synchronous = b.synchronous;
    this.busyTimeout = b.busyTimeout;
  }

  /**
   * A builder for a store in {@code file}, which is created (with its directory) on the first {@link
   * #open}. Next to it live {@code <file>-wal} and {@code <file>-shm} (SQLite's) and {@code
   * <file>.lock} (the one-daemon lock).
   */
  public static Builder builder(Path file) {
    return new Builder(file);
  }

  /** Settings of a {@link SqliteTaskStore}; each setter checks its value at once. */
  public static final class Builder {
    private final Path file;
    private Synchronous synchronous = Synchronous.NORMAL;
    private Duration busyTimeout = Duration.ofSeconds(5);

    private Builder(Path file) {
      Objects.requireNonNull(file, "file");
      this.file = file.toAbsolutePath().normalize();
      if (this.file.getFileName() == null) {
        throw new IllegalArgumentException("the SQLite store needs a file, not the root directory " + file);
      }
    }

    /** How hard each commit is pushed to the disk; {@link Synchronous#NORMAL} by default. */
    public Builder synchronous(Synchronous synchronous) {
      this.synchronous = Objects.requireNonNull(synchronous, "synchronous");
      return this;
    }

    /**
     * How long a statement waits when another program (say the {@code sqlite3} shell) holds the file's
     * lock, before it fails; 5 seconds by default.
     */
    public Builder busyTimeout(Duration busyTimeout) {
      Objects.requireNonNull(busyTimeout, "busyTimeout");
      if (busyTimeout.isNegative() || busyTimeout.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("busyTimeout must be from 0 to " + Integer.MAX_VALUE + " ms, was "
            + busyTimeout);
      }
      this.busyTimeout = busyTimeout;
      return this;
    }

    /** The store, not yet opened: the engine opens it at {@code start()}. */
    public SqliteTaskStore build() {
      return new SqliteTaskStore(this);
    }
  }

  /** The store file. */
  public Path file() {
    return file;
  }

  /** The durability each commit has. */
  public Synchronous synchronous() {
    return synchronous;
  }

  @Override
  public String describe() {
    return "sqlite " + file;
  }

  @Override
  public boolean durable() {
    return true;
  }

  @Override
  public void open(StoreContext context) {
    synchronized (lifecycle) {
      if (opened) {
        throw new IllegalStateException("SQLite store " + file + " was opened already; a store opens once");
      }
      opened = true;
      if (Files.isDirectory(file)) {
        throw new StoreException("SQLite store " + file + " is a directory: store_path names the file to keep the "
            + "tasks in, such as " + file.resolve("tasks.db"));
      }
      try {
        Files.createDirectories(file.getParent());
      } catch (IOException e) {
        throw new StoreException("SQLite store " + file + ": cannot create its directory " + file.getParent()
            + ": " + e, e);
      }
      lock = StoreLock.acquire(file, lockTarget(), context.daemon());
      Connection w = null;
      Connection r = null;
      try {
        FileCheck.checkNotTruncated(file);
        w = Connections.writer(file, synchronous == Synchronous.FULL, busyTimeout);
        // Checked before the schema step, so that a migration never writes into a damaged file.
        FileCheck.checkIntact(w, file);
        Schema.prepare(w, file, context.daemon());
        WriteSide ws = new WriteSide(file, w);
        w = null;
        writer = ws;
        ws.expireLeases(Instant.now());
        r = Connections.reader(file, busyTimeout);
        reader = new ReadSide(file, r);
        r = null;
      } catch (SQLException e) {
        closeQuietly(w, r);
        closeSides();
        throw SqliteErrors.wrap(file, "open it", e);
      } catch (RuntimeException e) {
        closeQuietly(w, r);
        closeSides();
        throw e;
      }
    }
  }

  /** The path the lock file sits beside: symbolic links resolved, so two spellings of a file share a lock. */
  private Path lockTarget() {
    try {
      return Files.exists(file) ? file.toRealPath() : file.getParent().toRealPath().resolve(file.getFileName());
    } catch (IOException e) {
      return file;
    }
  }

  private WriteSide writer() {
    WriteSide w = writer;
    if (w == null) {
      throw notOpen();
    }
    return w;
  }

  private ReadSide reader() {
    ReadSide r = reader;
    if (r == null) {
      throw notOpen();
    }
    return r;
  }

  private StoreException notOpen() {
    return new StoreException("SQLite store " + file + (closed ? " is closed" : " is not open yet"));
  }

  @Override
  public List<Boolean> write(List<StoreWrite> writes) {
    if (writes.isEmpty()) {
      return List.of();
    }
    return writer().write(writes);
  }

  @Override
  public List<StoredTask> claim(String taskType, QueueOrder order, int max, String owner, Instant now,
      Instant leaseUntil) {
    if (max <= 0) {
      return List.of();
    }
    return writer().claim(taskType, order, max, owner, now, leaseUntil);
  }

  @Override
  public int renewLeases(String owner, Instant leaseUntil) {
    return writer().renewLeases(owner, leaseUntil);
  }

  @Override
  public List<String> cancelRequested(String owner) {
    return reader().cancelRequested(owner);
  }

  @Override
  public Optional<StoredTask> find(String id) {
    return reader().find(id);
  }

  @Override
  public List<StoredTask> findAll(Collection<String> ids) {
    return reader().findAll(ids);
  }

  @Override
  public List<StoredTask> list(TaskQuery query) {
    return reader().list(query);
  }

  @Override
  public CancelOutcome cancel(String id, String error, Instant now) {
    return writer().cancel(id, error, now);
  }

  @Override
  public boolean redrive(String id, Instant now) {
    return writer().redrive(id, now);
  }

  @Override
  public boolean delete(String id) {
    return writer().delete(id);
  }

  @Override
  public int purge(Instant cutoff) {
    return writer().purge(cutoff);
  }

  @Override
  public long countPending(String taskType) {
    return reader().countPending(taskType, Instant.now());
  }

  /** Closes both connections (the writer's close checkpoints the WAL into the file), then frees the file. */
  @Override
  public void close() {
    synchronized (lifecycle) {
      closed = true;
      closeSides();
    }
  }

  private void closeSides() {
    ReadSide r = reader;
    WriteSide w = writer;
    reader = null;
    writer = null;
    try {
      if (r != null) {
        r.close();
      }
    } finally {
      try {
        if (w != null) {
          w.close();
        }
      } finally {
        if (lock != null) {
          lock.close();
          lock = null;
        }
      }
    }
  }

  private static void closeQuietly(Connection... connections) {
    for (Connection c : connections) {
      if (c != null) {
        try {
          c.close();
        } catch (SQLException ignored) {
          // Already failing; the first error is the one to report.
        }
      }
    }
  }

  @Override
  public String toString() {
    return "SqliteTaskStore[" + file + ", synchronous=" + synchronous + "]";
  }
}

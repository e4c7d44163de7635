package dev.taskdaemon.store.sqlite.internal;

import dev.taskdaemon.StoreException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Keeps a second daemon away from a store file: an operating-system lock on a sibling {@code
 * <file>.lock}, held for the store's life. The kernel drops it when the holder dies, however it dies,
 * so a restart after {@code kill -9} is never refused as a stale owner. The holder writes who it is into
 * the file so that the refused opener can name it.
 */
public final class StoreLock implements AutoCloseable {
  /**
   * The locked byte lies past the owner text: where locks are mandatory (Windows), a refused opener
   * can still read who holds the file.
   */
  private static final long LOCKED_BYTE = 1L << 20;

  private final Path lockFile;
  private final FileChannel channel;
  private final FileLock lock;

  private StoreLock(Path lockFile, FileChannel channel, FileLock lock) {
    this.lockFile = lockFile;
    this.channel = channel;
    this.lock = lock;
  }

  /** The lock file that guards {@code storeFile}. */
  public static Path lockFileOf(Path storeFile) {
    return storeFile.resolveSibling(storeFile.getFileName() + ".lock");
  }

  /**
   * Takes the lock for {@code storeFile} or throws naming the file and the daemon that holds it.
   *
   * @param storeFile the store file as the user named it, for messages
   * @param realFile the same file with symbolic links resolved: the lock file sits beside it
   * @param daemon this daemon's name, recorded for the next opener's message
   */
  public static StoreLock acquire(Path storeFile, Path realFile, String daemon) {
    Path lockFile = lockFileOf(realFile);
    FileChannel ch;
    try {
      ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new StoreException("SQLite store " + storeFile + ": cannot create its lock file " + lockFile + ": " + e,
          e);
    }
    FileLock lock;
    try {
      lock = ch.tryLock(LOCKED_BYTE, 1, false);
    } catch (OverlappingFileLockException e) {
      closeQuietly(ch);
      throw inUse(storeFile, lockFile, "another store in this JVM");
    } catch (IOException e) {
      closeQuietly(ch);
      throw new StoreException("SQLite store " + storeFile + ": cannot lock " + lockFile + ": " + e, e);
    }
    if (lock == null) {
      closeQuietly(ch);
      throw inUse(storeFile, lockFile, "another process");
    }
    StoreLock held = new StoreLock(lockFile, ch, lock);
    try {
      ch.truncate(0);
      ch.write(ByteBuffer.wrap(ownerText(daemon).getBytes(StandardCharsets.UTF_8)), 0);
      ch.force(false);
    } catch (IOException e) {
      held.close();
      throw new StoreException("SQLite store " + storeFile + ": cannot write its lock file " + lockFile + ": " + e,
          e);
    }
    return held;
  }

  private static StoreException inUse(Path storeFile, Path lockFile, String where) {
    return new StoreException("SQLite store " + storeFile + " is in use by " + where + " (" + owner(lockFile)
        + "): one daemon per file; stop that daemon, or give this one its own store_path");
  }

  /** Who holds the lock, as its holder wrote it: {@code pid 12, host h, daemon 'd', since ...}. */
  static String owner(Path lockFile) {
    String pid = null;
    String host = null;
    String daemon = null;
    String since = null;
    try {
      for (String line : Files.readAllLines(lockFile, StandardCharsets.UTF_8)) {
        int eq = line.indexOf('=');
        if (eq < 0) {
          continue;
        }
        String v = line.substring(eq + 1);
        switch (line.substring(0, eq)) {
          case "pid" -> pid = v;
          case "host" -> host = v;
          case "daemon" -> daemon = v;
          case "started" -> since = v;
          default -> { }
        }
      }
    } catch (IOException e) {
      return "owner unknown: " + lockFile + " cannot be read: " + e.getMessage();
    }
    if (pid == null) {
      return "owner unknown: " + lockFile + " names none yet";
    }
    return "pid " + pid + " on host " + host + ", daemon '" + daemon + "', since " + since;
  }

  private static String ownerText(String daemon) {
    return "pid=" + ProcessHandle.current().pid() + "\nhost=" + hostName() + "\ndaemon=" + daemon
        + "\nstarted=" + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "\n";
  }

  private static String hostName() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // Nothing was locked through it.
    }
  }

  /** The lock file's path. */
  public Path file() {
    return lockFile;
  }

  /**
   * Releases the lock. The file stays: were it deleted, an opener that had just opened the old file
   * could lock it while another creates and locks a new one, and both would think they own the store.
   */
  @Override
  public void close() {
    try {
      if (lock.isValid()) {
        lock.release();
      }
    } catch (IOException ignored) {
      // Closing the channel below releases it in any case.
    }
    closeQuietly(channel);
  }
}

package dev.taskdaemon.store.sqlite;

/**
 * How hard a {@link SqliteTaskStore} pushes each commit to the disk (SQLite's {@code synchronous}
 * setting, in WAL mode).
 */
public enum Synchronous {
  /**
   * A commit is in the operating system's hands when {@code write} returns: it survives {@code kill -9}
   * of the host, but the last commits before a power cut or kernel crash may be lost (the file stays
   * consistent). The default: a commit costs no wait for the disk.
   */
  NORMAL,
  /**
   * Every commit is flushed to the disk ({@code fsync}) before it returns: it survives a power cut too,
   * and each commit waits for the disk (a few milliseconds on common hardware).
   */
  FULL
}

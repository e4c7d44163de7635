/**
 * A durable task store in one SQLite file: {@code [daemon] store = "sqlite"} with {@code store_path}, or
 * {@link dev.taskdaemon.store.sqlite.SqliteTaskStore#builder(java.nio.file.Path)} in code. One daemon
 * uses a file at a time.
 */
package dev.taskdaemon.store.sqlite;

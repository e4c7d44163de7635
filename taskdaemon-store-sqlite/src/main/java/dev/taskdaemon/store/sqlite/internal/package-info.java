/**
 * How the SQLite store works inside: its connections, schema, lock file and error messages. Not API:
 * use {@link dev.taskdaemon.store.sqlite.SqliteTaskStore}.
 */
package dev.taskdaemon.store.sqlite.internal;

/**
 * The PostgreSQL task store: several hosts share one queue. See {@link
 * dev.taskdaemon.store.postgres.PostgresStoreProvider} and {@code docs/store-postgres.md}.
 */
package dev.taskdaemon.store.postgres;

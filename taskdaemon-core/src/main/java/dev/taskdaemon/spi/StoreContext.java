package dev.taskdaemon.spi;

import java.util.List;

/**
 * What a store learns about the daemon that opens it.
 *
 * @param daemon the daemon's name: stores that can hold several daemons (PostgreSQL) keep each one's
 *     tasks apart by it
 * @param host this daemon run's id, used as the owner of the tasks it claims
 * @param handlers the task types this daemon runs
 * @param wake call when new work may have become claimable or a watched task may have finished (for
 *     example on a PostgreSQL notification): the engine then claims and checks at once instead of at its
 *     next poll. Cheap and thread-safe; may be called at any time.
 */
public record StoreContext(String daemon, String host, List<String> handlers, Runnable wake) {}

package dev.taskdaemon.internal;

import dev.taskdaemon.Backoff;
import dev.taskdaemon.HandlerSelection;
import dev.taskdaemon.QueueOrder;
import java.time.Duration;

/**
 * A handler's settings with every daemon-wide default applied.
 *
 * @param healthWindow how long a fresh instance must live to count as started ({@code health_window})
 * @param settleTime how long a fresh instance's stdout is watched before its first request may be
 *     written; what it prints then is start-up output, never an answer ({@code settle_time})
 */
record PoolSettings(
    int instances,
    Duration timeout,
    int maxRetries,
    QueueOrder order,
    int queueCapacity,
    Backoff retryBackoff,
    boolean retryOnTimeout,
    boolean retryOnCrash,
    int maxLineBytes,
    Duration stopGrace,
    HandlerSelection selection,
    Backoff restartBackoff,
    Duration healthWindow,
    int unhealthyAfter,
    Duration settleTime,
    boolean startCheck,
    Duration startTimeout) {}

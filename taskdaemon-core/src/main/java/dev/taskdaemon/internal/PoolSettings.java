package dev.taskdaemon.internal;

import dev.taskdaemon.Backoff;
import dev.taskdaemon.HandlerSelection;
import dev.taskdaemon.QueueOrder;
import java.time.Duration;

/** A handler's settings with every daemon-wide default applied. */
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

package dev.taskdaemon.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskdaemon.Backoff;
import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.Scheduler;
import dev.taskdaemon.TaskListener;
import dev.taskdaemon.spi.HandlerRuntime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * What the engine starts from: the checked configuration value with every default applied, plus the
 * objects given in code. Made by {@code DaemonConfig.toEngineConfig}.
 *
 * @param settleTime the daemon-wide {@code settle_time}; a handler's own wins (see {@link #settingsFor})
 * @param healthWindow {@code health_window}: how long an instance must live to count as started
 * @param startCheck {@code start_check}: whether {@code start()} waits for every instance to survive
 *     the health window and fails when all instances of a handler die in it
 */
public record EngineConfig(
    String name,
    Duration taskTimeout,
    int maxRetries,
    QueueOrder taskSelection,
    int queueCapacity,
    Backoff retryBackoff,
    Duration drainTimeout,
    Duration stopGrace,
    int maxLineBytes,
    Duration settleTime,
    Backoff restartBackoff,
    Duration healthWindow,
    int unhealthyAfter,
    Duration startTimeout,
    boolean startCheck,
    List<TaskListener> listeners,
    List<HandlerSpec> handlers,
    Map<String, HandlerRuntime> runtimes,
    ObjectMapper mapper,
    Scheduler scheduler,
    Executor callbackExecutor,
    dev.taskdaemon.spi.StoreSettings store,
    dev.taskdaemon.spi.TaskStore storeObject,
    int claimBatch,
    boolean queueCapacitySet,
    Duration storeLease,
    int maxInFlight) {

  /** One handler's settings: its own where set, else the daemon-wide ones. */
  PoolSettings settingsFor(HandlerSpec h) {
    return new PoolSettings(
        h.instances(),
        h.timeout() != null ? h.timeout() : taskTimeout,
        h.maxRetries() != null ? h.maxRetries() : maxRetries,
        h.queueOrder() != null ? h.queueOrder() : taskSelection,
        h.queueCapacity() != null ? h.queueCapacity() : queueCapacity,
        h.retryBackoff() != null ? h.retryBackoff() : retryBackoff,
        h.retryOnTimeout(),
        h.retryOnCrash(),
        h.maxLineBytes() != null ? h.maxLineBytes() : maxLineBytes,
        h.stopGrace() != null ? h.stopGrace() : stopGrace,
        h.selection(),
        restartBackoff,
        healthWindow,
        unhealthyAfter,
        h.settleTime() != null ? h.settleTime() : settleTime,
        startCheck,
        startTimeout);
  }
}

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

/** Everything the builder collected, validated. */
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
    Backoff restartBackoff,
    Duration healthWindow,
    int unhealthyAfter,
    Duration startTimeout,
    List<TaskListener> listeners,
    List<HandlerSpec> handlers,
    Map<String, HandlerRuntime> runtimes,
    ObjectMapper mapper,
    Scheduler scheduler,
    Executor callbackExecutor,
    Duration settleTime,
    boolean startCheck) {

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
        settleTime,
        startCheck,
        startTimeout);
  }
}

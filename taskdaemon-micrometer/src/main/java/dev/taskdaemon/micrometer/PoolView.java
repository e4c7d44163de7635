package dev.taskdaemon.micrometer;

import dev.taskdaemon.HandlerPool;
import dev.taskdaemon.HandlerStats;
import dev.taskdaemon.InstanceState;
import dev.taskdaemon.InstanceStatus;
import java.lang.ref.WeakReference;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the gauges read of one handler's pool. Holds the pool weakly and never throws: a registry may
 * read a gauge at any time, also long after the daemon closed, and an exception there would break a
 * whole scrape.
 */
final class PoolView {
  private static final Logger LOG = LoggerFactory.getLogger(PoolView.class);

  final String handler;
  private final WeakReference<HandlerPool> pool;
  private volatile boolean warned;

  PoolView(String handler, HandlerPool pool) {
    this.handler = handler;
    this.pool = new WeakReference<>(pool);
  }

  double queued() {
    return stat(s -> s.queued());
  }

  double restarts() {
    return stat(s -> s.restarts());
  }

  double healthy() {
    return stat(s -> s.healthy() ? 1 : 0);
  }

  double instances(InstanceState state) {
    return read(p -> {
      int n = 0;
      for (InstanceStatus i : p.instances()) {
        if (i.state() == state) {
          n++;
        }
      }
      return n;
    });
  }

  private double stat(ToDoubleFunction<HandlerStats> f) {
    return read(p -> f.applyAsDouble(p.stats()));
  }

  private double read(ToDoubleFunction<HandlerPool> f) {
    HandlerPool p = pool.get();
    if (p == null) {
      return Double.NaN;
    }
    try {
      return f.applyAsDouble(p);
    } catch (RuntimeException e) {
      if (!warned) {
        warned = true;
        LOG.warn("reading handler '{}''s pool for a gauge failed; the gauge shows NaN", handler, e);
      }
      return Double.NaN;
    }
  }
}

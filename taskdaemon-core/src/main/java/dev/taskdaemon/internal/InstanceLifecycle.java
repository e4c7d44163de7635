package dev.taskdaemon.internal;

import dev.taskdaemon.HandlerStartException;
import dev.taskdaemon.InstanceState;
import dev.taskdaemon.Result;
import dev.taskdaemon.spi.HandlerProcess;
import dev.taskdaemon.spi.InstanceInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;

/**
 * How a pool's instances come and go: the parallel start, each launch, the settle time, the health
 * window and its probes, replacements after restart back-off, start failures that make a handler
 * unhealthy, resizing and the rolling restart. It works on its {@link Pool}'s state, under the pool's
 * lock, by the same rules (see CONCURRENCY.md); dispatch and the outcomes of attempts stay in the pool.
 */
final class InstanceLifecycle {
  private static final int MAX_PARALLEL_STARTS = 16;
  private static final int MAX_INSTANCES = 10_000;

  private final Pool pool;
  private final Engine engine;
  private final PoolSettings settings;
  private final String name;
  private final Logger log;

  InstanceLifecycle(Pool pool) {
    this.pool = pool;
    this.engine = pool.engine;
    this.settings = pool.settings;
    this.name = pool.name;
    this.log = pool.log;
  }


  /** Starts every instance in parallel; throws naming the failures. */
  void start() {
    int n = pool.slots.size();
    // A bounded pool for the initial launches: the shared I/O pool would grow one thread per
    // instance and keep them idle for its keep-alive time (hundreds of threads for a large pool).
    ExecutorService starter = Executors.newFixedThreadPool(Math.min(n, MAX_PARALLEL_STARTS),
        Threads.factory("td-" + engine.name + "-" + name + "-start"));
    List<CompletableFuture<Instance>> starts = new ArrayList<>();
    try {
      for (int slot = 0; slot < n; slot++) {
        int s = slot;
        starts.add(CompletableFuture.supplyAsync(() -> launchOrThrow(s), starter));
      }
      awaitStarts(starts);
    } finally {
      starter.shutdown();
    }
    if (settings.startCheck()) {
      awaitStartCheck(starts);
    }
  }

  private void awaitStarts(List<CompletableFuture<Instance>> starts) {
    List<String> failures = new ArrayList<>();
    Deadline deadline = Deadline.after(settings.startTimeout());
    for (CompletableFuture<Instance> f : starts) {
      try {
        f.get(deadline.remainingMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        String msg = c.getMessage() != null ? c.getMessage() : c.toString();
        if (!failures.contains(msg)) {
          failures.add(msg);
        }
      } catch (TimeoutException e) {
        failures.add("instance did not start within " + Engine.seconds(settings.startTimeout()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failures.add("interrupted while starting");
      }
    }
    if (!failures.isEmpty()) {
      throw new HandlerStartException(name, "handler '" + name + "' (runtime \"" + pool.spec.runtime()
          + "\") could not start its instances: " + String.join("; ", failures));
    }
  }

  /**
   * With {@code start_check}: waits until each first instance has survived the health window, and
   * fails when every one of them died in it, with the last one's stderr lines.
   */
  private void awaitStartCheck(List<CompletableFuture<Instance>> starts) {
    Deadline deadline = Deadline.after(settings.healthWindow().plus(Duration.ofSeconds(5)));
    List<Instance> first = new ArrayList<>();
    for (CompletableFuture<Instance> f : starts) {
      Instance i = f.join();
      if (i != null) {
        first.add(i);
      }
    }
    pool.lock.lock();
    try {
      while (!pool.stopped && !deadline.expired()) {
        int dead = 0;
        int pending = 0;
        for (Instance i : first) {
          if (i.state == InstanceState.DEAD) {
            dead++;
          } else if (!i.proven) {
            pending++;
          }
        }
        if (dead == first.size() && !first.isEmpty()) {
          Instance last = first.get(first.size() - 1);
          throw new HandlerStartException(name, "handler '" + name + "' (runtime \"" + pool.spec.runtime()
              + "\"): every instance died within the health window (" + Engine.seconds(settings.healthWindow())
              + ") after it started; the last " + last.retiredFor + "; " + last.stderrTail.describe());
        }
        if (pending == 0) {
          return;
        }
        pool.changed.awaitNanos(Math.max(1, deadline.remainingNanos()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      pool.lock.unlock();
    }
  }

  private Instance launchOrThrow(int slot) {
    try {
      return launch(slot, false, false);
    } catch (Exception e) {
      throw new HandlerStartException(name, e.getMessage() != null ? e.getMessage() : e.toString(), e);
    }
  }

  /**
   * Starts an instance for {@code slot}: into the slot, or beside its occupant as the standby of a
   * rolling restart. Blocking; never called with the lock held. Returns null when the pool no longer
   * wants it.
   */
  private Instance launch(int slot, boolean probe, boolean standby) throws Exception {
    int generation;
    pool.lock.lock();
    try {
      if (pool.stopped || slot >= pool.target) {
        return null;
      }
      generation = pool.slots.nextGeneration(slot);
    } finally {
      pool.lock.unlock();
    }
    InstanceInfo info = new InstanceInfo(engine.name, engine.session, name, slot, generation);
    HandlerProcess process = pool.runtime.launch(pool.spec, info);
    Instance inst = new Instance(pool, info, process, settings.maxLineBytes(), pool.handlerLog, engine.nanoTime());
    boolean keep;
    boolean settled = false;
    pool.lock.lock();
    try {
      keep = !pool.stopped && (standby ? pool.slots.placeStandby(inst) : pool.slots.place(inst));
      if (keep) {
        // Threads start under the lock so that stop() either sees this instance and stops it, or
        // this launch sees stopped and never starts them.
        inst.startThreads(engine.name);
        inst.probe = probe || standby;
        inst.standby = standby;
        if (generation > 1) {
          pool.restarts++;
        }
        if (!inst.probe && settings.settleTime().isZero()) {
          settled = pool.slots.move(inst, InstanceState.STARTING, InstanceState.IDLE);
        }
        pool.changed.signalAll();
      }
    } finally {
      pool.lock.unlock();
    }
    if (!keep) {
      // Started while the pool stopped or shrank: nobody will read its streams; make sure it is gone.
      process.kill(Pool.KILL_BOUND);
      return null;
    }
    log.debug("handler '{}' instance {} started ({}){}", name, inst.name, process.describe(),
        inst.probe ? "; it gets no task until it has survived the health window" : "");
    engine.events.instanceStarted(name, inst.name);
    if (settled) {
      pool.dispatch();
    } else if (!inst.probe) {
      engine.schedule(() -> engine.execute(() -> settle(inst)), settings.settleTime());
    }
    engine.schedule(() -> engine.execute(() -> healthCheck(inst)), settings.healthWindow());
    return inst;
  }

  /**
   * The settle time is over: what the instance printed until now was start-up output, never an
   * answer; from now on it gets tasks.
   */
  private void settle(Instance inst) {
    boolean ready;
    pool.lock.lock();
    try {
      ready = !inst.probe && pool.slots.move(inst, InstanceState.STARTING, InstanceState.IDLE);
    } finally {
      pool.lock.unlock();
    }
    if (ready) {
      pool.dispatch();
    }
  }

  /** An instance that lives through the health window proves the handler can start. */
  private void healthCheck(Instance inst) {
    boolean wasUnhealthy;
    boolean promoted = false;
    CompletableFuture<Void> swapped = null;
    pool.lock.lock();
    try {
      if (inst.state == InstanceState.DEAD || inst.state == InstanceState.RETIRING) {
        return;
      }
      inst.proven = true;
      wasUnhealthy = pool.health.survived();
      int slot = inst.info.slot();
      if (pool.slots.standby(slot) == inst) {
        Instance old = pool.slots.get(slot);
        if (old != null && old.state != InstanceState.BUSY) {
          pool.retireLocked(old, "replaced by " + inst.name + " (restart)");
          engine.execute(() -> pool.afterRetire(old, false));
        } else if (old != null) {
          old.retireWhenIdle = true;
          old.retireWhenIdleReason = "replaced by " + inst.name + " (restart)";
        }
        if (pool.slots.promote(slot) != null) {
          inst.probe = false;
          promoted = pool.slots.move(inst, InstanceState.STARTING, InstanceState.IDLE);
          swapped = pool.swap;
        }
      } else if (inst.probe) {
        inst.probe = false;
        promoted = pool.slots.move(inst, InstanceState.STARTING, InstanceState.IDLE);
      }
      pool.changed.signalAll();
    } finally {
      pool.lock.unlock();
    }
    if (wasUnhealthy) {
      log.info("handler '{}' is healthy again: instance {} is running", name, inst.name);
    }
    if (swapped != null) {
      swapped.complete(null);
    }
    if (promoted) {
      pool.dispatch();
    }
  }

  /** Starts a replacement for {@code slot} after the restart back-off, unless one is on its way. */
  void scheduleReplacement(int slot) {
    Duration delay;
    pool.lock.lock();
    try {
      if (pool.stopped || slot >= pool.target || pool.slots.get(slot) != null || pool.slots.standby(slot) != null
          || !pool.launching.add(slot)) {
        return;
      }
      delay = pool.health.restartDelay();
    } finally {
      pool.lock.unlock();
    }
    Runnable r = () -> engine.execute(() -> relaunch(slot));
    if (delay.isZero()) {
      r.run();
    } else {
      log.debug("handler '{}': replacing the instance in slot {} in {}", name, slot, delay);
      engine.schedule(r, delay);
    }
  }

  private void relaunch(int slot) {
    boolean probe;
    pool.lock.lock();
    try {
      probe = pool.health.nextIsProbe();
    } finally {
      pool.lock.unlock();
    }
    String failure = null;
    boolean emptied;
    try {
      launch(slot, probe, false);
    } catch (Throwable e) {
      failure = e.getMessage() != null ? e.getMessage() : e.toString();
      if (e instanceof VirtualMachineError vme) {
        throw vme;
      }
    } finally {
      pool.lock.lock();
      try {
        pool.launching.remove(slot);
        // The instance just launched may already have died: its death found this launch still marked
        // and left the replacement to it. Without this check the slot stayed empty for good.
        emptied = pool.slots.get(slot) == null;
      } finally {
        pool.lock.unlock();
      }
    }
    if (failure != null) {
      log.warn("handler '{}' could not start an instance in slot {}: {}", name, slot, failure);
      onStartFailure("its instances cannot be started: " + failure);
      scheduleReplacement(slot);
    } else if (emptied) {
      scheduleReplacement(slot); // does nothing when the slot is stopped, shrunk away or taken again
    }
  }

  /** Records a start failure; fails every queued task if the handler became unhealthy. */
  void onStartFailure(String why) {
    List<PendingTask> toFail = List.of();
    String reason;
    pool.lock.lock();
    try {
      if (pool.stopped) {
        return;
      }
      String candidate = "handler '" + name + "' is unhealthy: " + why;
      if (pool.health.startFailure(candidate, pool.slots.alive())) {
        log.error(candidate);
      }
      reason = pool.health.unhealthyReason();
      if (reason != null) {
        toFail = pool.queue.drain();
        pool.changed.signalAll();
      }
    } finally {
      pool.lock.unlock();
    }
    failAll(toFail, reason);
  }

  private void failAll(List<PendingTask> tasks, String reason) {
    for (PendingTask t : tasks) {
      pool.finish(t, t.task(t.attempt), new Result.Failure(reason, false, Result.Failure.Kind.UNAVAILABLE));
    }
  }


  void resize(int instances) {
    if (instances < 1 || instances > MAX_INSTANCES) {
      throw new IllegalArgumentException("handler '" + name + "': instances must be from 1 to " + MAX_INSTANCES
          + ", was " + instances);
    }
    List<Integer> grow = new ArrayList<>();
    List<Instance> retireNow = new ArrayList<>();
    pool.lock.lock();
    try {
      if (pool.closing) {
        throw engine.closedException(name);
      }
      int old = pool.target;
      pool.target = instances;
      if (instances > pool.slots.size()) {
        pool.slots.resize(instances);
      }
      for (int s = old; s < instances; s++) {
        grow.add(s);
      }
      for (int s = instances; s < pool.slots.size(); s++) {
        for (Instance i : new Instance[] {pool.slots.get(s), pool.slots.standby(s)}) {
          if (i == null) {
            continue;
          }
          if (i.state == InstanceState.BUSY) {
            i.retireWhenIdle = true;
            i.retireWhenIdleReason = "the pool was resized to " + instances;
          } else {
            pool.retireLocked(i, "the pool was resized to " + instances);
            retireNow.add(i);
          }
        }
      }
      pool.trimLocked();
    } finally {
      pool.lock.unlock();
    }
    log.info("handler '{}' resized to {} instances", name, instances);
    for (Instance i : retireNow) {
      pool.afterRetire(i, false);
    }
    for (int s : grow) {
      scheduleReplacement(s);
    }
  }

  CompletableFuture<Void> restart() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    engine.execute(() -> {
      try {
        rollout();
        done.complete(null);
      } catch (Throwable e) {
        done.completeExceptionally(e);
      }
    });
    return done;
  }

  private void rollout() throws Exception {
    int n = pool.size();
    for (int slot = 0; slot < n; slot++) {
      CompletableFuture<Void> swapped = new CompletableFuture<>();
      pool.lock.lock();
      try {
        if (pool.closing) {
          throw engine.closedException(name);
        }
        if (slot >= pool.target || pool.slots.get(slot) == null) {
          continue; // a replacement is on its way already: it is the new version
        }
        pool.swap = swapped;
      } finally {
        pool.lock.unlock();
      }
      try {
        Instance standby = launch(slot, true, true);
        if (standby == null) {
          continue;
        }
        swapped.get(settings.healthWindow().plus(settings.timeout()).plus(Duration.ofSeconds(30)).toMillis(),
            TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        throw (Exception) e.getCause();
      } catch (TimeoutException e) {
        throw new HandlerStartException(name, "handler '" + name + "': restart stopped at slot " + slot
            + ": its replacement did not take over in time; the instances not yet replaced keep serving");
      } catch (HandlerStartException e) {
        throw e;
      } catch (Exception e) {
        throw new HandlerStartException(name, "handler '" + name + "': restart stopped at slot " + slot
            + ": its replacement could not be started: " + e.getMessage()
            + "; the instances not yet replaced keep serving", e);
      } finally {
        pool.lock.lock();
        try {
          if (pool.swap == swapped) {
            pool.swap = null;
          }
        } finally {
          pool.lock.unlock();
        }
      }
    }
    log.info("handler '{}': every instance was replaced", name);
  }

  /** A standby of a rolling restart died before it took over: the rollout stops. */
  void failSwap(Instance inst, String exit) {
    CompletableFuture<Void> s;
    pool.lock.lock();
    try {
      s = pool.swap;
      if (s == null || inst.proven || !inst.standby) {
        return;
      }
    } finally {
      pool.lock.unlock();
    }
    s.completeExceptionally(new HandlerStartException(name, "handler '" + name + "': restart stopped: the"
        + " replacement " + inst.name + " " + exit + " within the health window ("
        + Engine.seconds(settings.healthWindow()) + "); the instances not yet replaced keep serving; "
        + inst.stderrTail.describe()));
  }
}

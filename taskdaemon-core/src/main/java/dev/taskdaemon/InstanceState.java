package dev.taskdaemon;

/**
 * Where an instance is in its life. The engine moves an instance only along these transitions:
 * {@code STARTING → IDLE ⇄ BUSY}, any live state {@code → RETIRING}, and any state {@code → DEAD}.
 */
public enum InstanceState {
  /** Launched; its start-up output is being read and it gets no task yet (settle time or health probe). */
  STARTING,
  /** Running and waiting for a task. */
  IDLE,
  /** Running one task. */
  BUSY,
  /** Taken out of service by the engine (timed out, out of sync, shrunk, replaced); being stopped. */
  RETIRING,
  /** Ended. */
  DEAD
}

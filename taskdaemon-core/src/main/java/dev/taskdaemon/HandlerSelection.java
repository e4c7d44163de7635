package dev.taskdaemon;

import java.util.Locale;
import java.util.Random;

/**
 * Picks which idle instance of a handler's pool gets the next task ({@code handler_selection} in
 * TOML). Called only when more than one instance is idle, on whichever thread dispatches (a submitting
 * thread, an instance's stdout reader, an engine thread), never while a lock is held; it must be quick
 * and, when shared by several pools, thread-safe. If it throws (even an {@code Error}) or picks a slot
 * that is not idle, the engine logs it and uses the lowest idle slot.
 *
 * <p>Slots are numbered {@code 0 .. poolSize-1}; a replaced instance keeps its slot.
 *
 * <pre>{@code
 * // always prefer the highest idle slot
 * HandlerSelection highest = (idle, poolSize, previous) -> idle[idle.length - 1];
 * }</pre>
 */
@FunctionalInterface
public interface HandlerSelection {

  /**
   * Chooses one slot.
   *
   * @param idleSlots the idle slots in ascending order, never empty; do not modify
   * @param poolSize the configured number of instances
   * @param previousSlot the slot chosen by the previous call for this pool, or -1 before the first
   * @return one of {@code idleSlots}; any other value makes the engine log a warning and take the
   *     lowest idle slot
   */
  int select(int[] idleSlots, int poolSize, int previousSlot);

  /**
   * {@code round-robin}, the default: the first idle slot after the previously chosen one, wrapping
   * around. With every instance idle, sequential tasks go to slots 0, 1, 2, …, n-1, 0, 1, …
   */
  HandlerSelection ROUND_ROBIN = new Named("round-robin") {
    @Override
    public int select(int[] idle, int poolSize, int previous) {
      for (int slot : idle) {
        if (slot > previous) {
          return slot;
        }
      }
      return idle[0];
    }
  };

  /**
   * {@code first-available}: the lowest idle slot, so a light load stays on the same few instances
   * and their caches stay warm.
   */
  HandlerSelection FIRST_AVAILABLE = new Named("first-available") {
    @Override
    public int select(int[] idle, int poolSize, int previous) {
      return idle[0];
    }
  };

  /** {@code random}: a uniformly random idle slot. */
  HandlerSelection RANDOM = random(new Random());

  /** A uniformly random idle slot drawn from {@code random}; pass a seeded one for repeatable tests. */
  static HandlerSelection random(Random random) {
    return new Named("random") {
      @Override
      public int select(int[] idle, int poolSize, int previous) {
        return idle[random.nextInt(idle.length)];
      }
    };
  }

  /** The built-in strategy for a TOML name, or {@code null} when there is none of that name. */
  static HandlerSelection named(String name) {
    switch (name.toLowerCase(Locale.ROOT)) {
      case "round-robin":
        return ROUND_ROBIN;
      case "first-available":
        return FIRST_AVAILABLE;
      case "random":
        return random(new Random());
      default:
        return null;
    }
  }

  /** Base of the built-in strategies: gives them their TOML name as {@code toString()}. */
  abstract class Named implements HandlerSelection {
    private final String name;

    protected Named(String name) {
      this.name = name;
    }

    @Override
    public String toString() {
      return name;
    }
  }
}

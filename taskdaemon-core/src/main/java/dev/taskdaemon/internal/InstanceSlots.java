package dev.taskdaemon.internal;

import dev.taskdaemon.InstanceState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A pool's instances and their states. Each slot holds at most one live instance; a retired instance
 * leaves its slot at once (so its replacement can take it) and is remembered until it is dead. Every
 * state change goes through {@link #move}, which checks the transition. Guarded by the pool lock.
 */
final class InstanceSlots {
  private Instance[] slots;
  /** A replacement started by a rolling restart, waiting to take over its slot. */
  private Instance[] standby;
  private int[] generations;
  private final Set<Instance> retiring = new LinkedHashSet<>();

  InstanceSlots(int size) {
    slots = new Instance[size];
    standby = new Instance[size];
    generations = new int[size];
  }

  int size() {
    return slots.length;
  }

  /** Grows to {@code size} empty slots more, or drops the last slots (which must be empty). */
  void resize(int size) {
    for (int s = size; s < slots.length; s++) {
      if (slots[s] != null || standby[s] != null) {
        throw new IllegalStateException("slot " + s + " is still held");
      }
    }
    slots = Arrays.copyOf(slots, size);
    standby = Arrays.copyOf(standby, size);
    generations = Arrays.copyOf(generations, Math.max(size, generations.length));
  }

  Instance get(int slot) {
    return slot < slots.length ? slots[slot] : null;
  }

  /** The next generation number for {@code slot}. */
  int nextGeneration(int slot) {
    return ++generations[slot];
  }

  /** Puts a new instance (STARTING) into its empty slot; false if the slot is gone or taken. */
  boolean place(Instance inst) {
    int s = inst.info.slot();
    if (s >= slots.length || slots[s] != null || inst.state != InstanceState.STARTING) {
      return false;
    }
    slots[s] = inst;
    return true;
  }

  /** Puts a rolling restart's replacement (STARTING) beside the instance it replaces; false if not possible. */
  boolean placeStandby(Instance inst) {
    int s = inst.info.slot();
    if (s >= slots.length || standby[s] != null || inst.state != InstanceState.STARTING) {
      return false;
    }
    standby[s] = inst;
    return true;
  }

  Instance standby(int slot) {
    return slot < standby.length ? standby[slot] : null;
  }

  /** Moves the standby of {@code slot} into it once the slot is free; returns it, or null. */
  Instance promote(int slot) {
    Instance next = standby(slot);
    if (next == null || slots[slot] != null || next.state != InstanceState.STARTING) {
      return null;
    }
    standby[slot] = null;
    slots[slot] = next;
    return next;
  }

  /**
   * Moves {@code inst} from {@code from} to {@code to} if it is in {@code from}; returns whether it
   * moved. Allowed: STARTING→IDLE, IDLE→BUSY, BUSY→IDLE, STARTING/IDLE/BUSY→RETIRING, any→DEAD.
   */
  boolean move(Instance inst, InstanceState from, InstanceState to) {
    if (inst.state != from || !allowed(from, to)) {
      return false;
    }
    inst.state = to;
    if (to == InstanceState.RETIRING || to == InstanceState.DEAD) {
      int s = inst.info.slot();
      if (s < slots.length && slots[s] == inst) {
        slots[s] = null;
      }
      if (s < standby.length && standby[s] == inst) {
        standby[s] = null;
      }
      if (to == InstanceState.RETIRING) {
        retiring.add(inst);
      } else {
        retiring.remove(inst);
      }
    }
    return true;
  }

  private static boolean allowed(InstanceState from, InstanceState to) {
    switch (to) {
      case IDLE:
        return from == InstanceState.STARTING || from == InstanceState.BUSY;
      case BUSY:
        return from == InstanceState.IDLE;
      case RETIRING:
        return from == InstanceState.STARTING || from == InstanceState.IDLE || from == InstanceState.BUSY;
      case DEAD:
        return from != InstanceState.DEAD;
      default:
        return false;
    }
  }

  /** Slots whose instance is idle and has no idle output left to read, in slot order. */
  int[] idle() {
    int n = 0;
    for (Instance i : slots) {
      if (i != null && i.state == InstanceState.IDLE && !i.strayPending) {
        n++;
      }
    }
    int[] idle = new int[n];
    n = 0;
    for (int s = 0; s < slots.length; s++) {
      if (slots[s] != null && slots[s].state == InstanceState.IDLE && !slots[s].strayPending) {
        idle[n++] = s;
      }
    }
    return idle;
  }

  /** Instances in {@code state}. */
  int count(InstanceState state) {
    int n = 0;
    for (Instance i : all()) {
      if (i.state == state) {
        n++;
      }
    }
    return n;
  }

  /** Instances that are running (not retiring, not dead), standbys included. */
  int alive() {
    int n = 0;
    for (int s = 0; s < slots.length; s++) {
      n += (slots[s] != null ? 1 : 0) + (standby[s] != null ? 1 : 0);
    }
    return n;
  }

  /** The highest slot that holds anything, plus one. */
  int usedLength() {
    for (int s = slots.length - 1; s >= 0; s--) {
      if (slots[s] != null || standby[s] != null) {
        return s + 1;
      }
    }
    return 0;
  }

  /** Every instance held: slot occupants in slot order, then those being retired. */
  List<Instance> all() {
    List<Instance> all = new ArrayList<>();
    for (int s = 0; s < slots.length; s++) {
      if (slots[s] != null) {
        all.add(slots[s]);
      }
      if (standby[s] != null) {
        all.add(standby[s]);
      }
    }
    all.addAll(retiring);
    return all;
  }
}

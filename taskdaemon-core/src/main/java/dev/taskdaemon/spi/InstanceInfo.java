package dev.taskdaemon.spi;

/**
 * Identifies one instance to its runtime.
 *
 * @param daemon the daemon's name
 * @param session a random id of this daemon run, unique per {@code start()}
 * @param handler the handler name
 * @param slot the pool slot, 0-based; a replacement keeps the slot
 * @param generation 1 for the first instance in the slot, rising by one per replacement
 */
public record InstanceInfo(String daemon, String session, String handler, int slot, int generation) {

  /** A readable name, unique within the session: {@code resize-2} or {@code resize-2.3} for a replacement. */
  public String name() {
    return generation == 1 ? handler + "-" + slot : handler + "-" + slot + "." + generation;
  }
}

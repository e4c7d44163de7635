package dev.taskdaemon.benchmarks.internal;

import java.util.Map;

/**
 * One printed line of the results: a measurement against its baseline from the same run.
 *
 * @param id a stable key, the same in every run (the JSON and the smoke test use it)
 * @param section the group it is printed in
 * @param what what was measured, for people
 * @param baseline the baseline's figure as printed, or "" when there is none
 * @param measured the measured figure as printed
 * @param ratio measured over baseline as the row defines it, or {@code null} when not measured
 * @param target the target the ratio must meet, or {@code null} for a row without one
 * @param note why a row was not measured, or how its ratio is defined; may be {@code null}
 * @param figures the raw numbers behind the printed text, for the JSON file
 */
public record Row(String id, String section, String what, String baseline, String measured, Double ratio,
    Target target, String note, Map<String, Object> figures) {

  /**
   * A bound on a ratio.
   *
   * @param atLeast true for "ratio ≥ bound", false for "ratio ≤ bound"
   * @param bound the bound
   */
  public record Target(boolean atLeast, double bound) {
    /** Whether {@code ratio} meets the bound. */
    public boolean met(double ratio) {
      return atLeast ? ratio >= bound : ratio <= bound;
    }

    @Override
    public String toString() {
      String b = bound == Math.rint(bound) ? String.valueOf((long) bound) : String.valueOf(bound);
      return (atLeast ? "≥ " : "≤ ") + b;
    }
  }

  /** A row that could not be measured in this run, and why. */
  public static Row notMeasured(String id, String section, String what, Target target, String why) {
    return new Row(id, section, what, "", "not measured", null, target, why, Map.of());
  }

  /** "met", "missed", "NOT MEASURED" for a target row; "" otherwise. */
  public String verdict() {
    if (target == null) {
      return "";
    }
    if (ratio == null) {
      return "NOT MEASURED";
    }
    return target.met(ratio) ? "met" : "MISSED";
  }
}

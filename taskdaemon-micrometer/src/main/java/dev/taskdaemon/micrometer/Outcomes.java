package dev.taskdaemon.micrometer;

import dev.taskdaemon.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The {@code outcome} tag: {@code success}, or the failure's kind in lower case. */
final class Outcomes {
  static final String SUCCESS = "success";

  private Outcomes() {}

  static String tag(Result result) {
    return result instanceof Result.Failure f ? tag(f.kind()) : SUCCESS;
  }

  static String tag(Result.Failure.Kind kind) {
    return kind.name().toLowerCase(Locale.ROOT);
  }

  /** Every outcome a task can end with, so that each counter exists (at zero) before its first task. */
  static List<String> all() {
    List<String> all = new ArrayList<>();
    all.add(SUCCESS);
    for (Result.Failure.Kind k : Result.Failure.Kind.values()) {
      all.add(tag(k));
    }
    return all;
  }
}

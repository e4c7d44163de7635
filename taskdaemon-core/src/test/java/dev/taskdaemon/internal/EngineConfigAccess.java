package dev.taskdaemon.internal;

import dev.taskdaemon.HandlerSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Lets tests of the configuration package see what each pool would be given. */
public final class EngineConfigAccess {
  private EngineConfigAccess() {}

  /** Each handler's resolved {@code settle_time}, in handler order. */
  public static List<Duration> settleTimes(EngineConfig config) {
    List<Duration> out = new ArrayList<>();
    for (HandlerSpec h : config.handlers()) {
      out.add(config.settingsFor(h).settleTime());
    }
    return out;
  }

  /** Each handler's resolved {@code health_window}, in handler order. */
  public static List<Duration> healthWindows(EngineConfig config) {
    List<Duration> out = new ArrayList<>();
    for (HandlerSpec h : config.handlers()) {
      out.add(config.settingsFor(h).healthWindow());
    }
    return out;
  }
}

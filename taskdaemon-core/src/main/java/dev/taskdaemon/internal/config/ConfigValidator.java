package dev.taskdaemon.internal.config;

import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.internal.ProcessRuntime;
import dev.taskdaemon.spi.HandlerRuntime;
import dev.taskdaemon.spi.HandlerRuntime.ConfigProblem;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rules that span settings, checked at {@code start()} once every runtime is known. Reports one
 * problem per cause: a key whose value was already refused, or a handler whose runtime is missing,
 * does not bring follow-on problems about the same thing.
 */
public final class ConfigValidator {
  private static final Pattern POSITION = Pattern.compile("^(.*?):(\\d+):(\\d+): ");

  private ConfigValidator() {}

  /** The built-in process runtime, then those on the class path, then the ones given explicitly. */
  public static Map<String, HandlerRuntime> discoverRuntimes(Map<String, HandlerRuntime> explicit) {
    Map<String, HandlerRuntime> all = new LinkedHashMap<>();
    all.put(ProcessRuntime.NAME, new ProcessRuntime());
    for (HandlerRuntime rt : ServiceLoader.load(HandlerRuntime.class, ConfigValidator.class.getClassLoader())) {
      all.putIfAbsent(rt.name(), rt);
    }
    all.putAll(explicit);
    return all;
  }

  /**
   * Every problem of {@code config}: those its sources found, then the cross-setting and runtime
   * rules, sorted by file position; a config without handlers is a problem of its own only when
   * nothing else is wrong.
   */
  public static List<String> problems(DaemonConfig config, Map<String, HandlerRuntime> runtimes) {
    List<String> errors = new ArrayList<>(config.problems());
    errors.addAll(validate(config, runtimes));
    if (errors.isEmpty() && config.handlers().isEmpty()) {
      errors.add("no handlers are defined: add a [handlers.NAME] table to handlers.toml or call handler(...)");
    }
    return sortByPosition(errors);
  }

  static List<String> validate(DaemonConfig config, Map<String, HandlerRuntime> runtimes) {
    List<String> problems = new ArrayList<>();
    for (HandlerSpec spec : config.handlers().values()) {
      String prefix = "handlers." + spec.name();
      Set<String> refused = config.refused(spec.name());
      HandlerRuntime rt = runtimes.get(spec.runtime());
      if (spec.image() == null && spec.command() == null && !spec.runtimeExplicit()) {
        if (!refused.contains("image") && !refused.contains("command")) {
          problems.add(where(config, spec, "") + prefix + ": nothing to run; add image = \"...\" (docker runtime)"
              + " or command = [\"program\", \"arg\"] (process runtime)");
        }
        checkOptions(config, spec, null, false, runtimes, problems);
        continue;
      }
      if (rt == null) {
        if (refused.contains("runtime")) {
          continue;
        }
        if (!spec.runtimeExplicit()) {
          problems.add(where(config, spec, "image") + prefix + ".image: a handler with an image runs on the docker"
              + " runtime, which is not on the class path; add the dev.taskdaemon:taskdaemon-docker dependency"
              + " (or set runtime = \"process\" and a command)");
        } else {
          problems.add(where(config, spec, "runtime") + prefix + ".runtime = " + Render.value(spec.runtime())
              + ": expected one of the available runtimes " + runtimes.keySet()
              + ("docker".equals(spec.runtime()) ? "; add the dev.taskdaemon:taskdaemon-docker dependency" : ""));
        }
        // Keys of the missing runtime are not known here: only a clear misspelling of a core key is
        // worth a second problem; the rest is the runtime's, and the one problem above says what to fix.
        checkOptions(config, spec, null, true, runtimes, problems);
        continue;
      }
      checkOptions(config, spec, rt, false, runtimes, problems);
      List<ConfigProblem> own;
      try {
        own = rt.validate(spec);
      } catch (RuntimeException e) {
        own = List.of(ConfigProblem.of("runtime", "the " + rt.name() + " runtime failed to check it: " + e));
      }
      for (ConfigProblem p : own) {
        if (refused.contains(p.key())) {
          continue; // already reported where the value was refused
        }
        problems.add(where(config, spec, p.key()) + prefix + "." + p.key()
            + (p.value() != null ? " = " + Render.value(p.value()) : "") + ": " + p.message());
      }
    }
    return problems;
  }

  /**
   * Runtime-specific keys: known to the handler's runtime, or else reported with the nearest key.
   * When the handler's runtime is missing ({@code runtimeMissing}), only clear misspellings of core
   * keys are reported.
   */
  private static void checkOptions(DaemonConfig config, HandlerSpec spec, HandlerRuntime rt, boolean runtimeMissing,
      Map<String, HandlerRuntime> runtimes, List<String> problems) {
    String prefix = "handlers." + spec.name();
    Set<String> valid = new LinkedHashSet<>(Keys.HANDLER_KEYS);
    if (rt != null) {
      valid.addAll(rt.optionKeys());
    }
    for (String key : spec.options().keySet()) {
      if (rt != null && rt.optionKeys().contains(key)) {
        continue;
      }
      String owner = null;
      for (HandlerRuntime other : runtimes.values()) {
        if (other.optionKeys().contains(key)) {
          owner = other.name();
          break;
        }
      }
      String msg;
      if (owner != null && rt != null) {
        msg = "a key of the " + owner + " runtime, but this handler runs on the " + rt.name() + " runtime";
      } else if (owner != null) {
        continue; // the runtime itself is missing; that is reported already
      } else if (runtimeMissing && !Keys.nearMiss(key, valid)) {
        continue; // most likely a key of the missing runtime
      } else {
        msg = Keys.unknownKey(key, valid);
      }
      problems.add(where(config, spec, key) + prefix + "." + Render.key(key) + ": " + msg);
    }
  }

  /** Orders problems by file position where they have one, keeping the others in their order. */
  static List<String> sortByPosition(List<String> problems) {
    List<String> sorted = new ArrayList<>(problems);
    sorted.sort(Comparator.comparing(ConfigValidator::positionKey));
    return sorted;
  }

  private static String positionKey(String problem) {
    Matcher m = POSITION.matcher(problem);
    if (!m.find()) {
      return "\uffff";
    }
    return String.format(Locale.ROOT, "%s\u0000%09d\u0000%09d", m.group(1),
        Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
  }

  private static String where(DaemonConfig config, HandlerSpec spec, String key) {
    String o = config.origin(spec.name(), key);
    if (o == null) {
      o = config.origin(spec.name(), "");
    }
    return o == null ? "" : o + ": ";
  }
}

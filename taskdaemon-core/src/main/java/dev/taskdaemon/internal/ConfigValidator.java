package dev.taskdaemon.internal;

import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.spi.HandlerRuntime;
import dev.taskdaemon.spi.HandlerRuntime.ConfigProblem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

/** Rules that span settings, checked at {@code start()} once every runtime is known. */
public final class ConfigValidator {
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

  public static List<String> validate(List<HandlerSpec> specs, Map<String, HandlerRuntime> runtimes) {
    List<String> problems = new ArrayList<>();
    for (HandlerSpec spec : specs) {
      String prefix = "handlers." + spec.name();
      HandlerRuntime rt = runtimes.get(spec.runtime());
      if (spec.image() == null && spec.command() == null && !spec.runtimeExplicit()) {
        problems.add(where(spec, "") + prefix + ": nothing to run; add image = \"...\" (docker runtime)"
            + " or command = [\"program\", \"arg\"] (process runtime)");
        checkOptions(spec, null, runtimes, problems);
        continue;
      }
      if (rt == null) {
        if (!spec.runtimeExplicit()) {
          problems.add(where(spec, "image") + prefix + ".image: a handler with an image runs on the docker runtime,"
              + " which is not on the class path; add the dev.taskdaemon:taskdaemon-docker dependency"
              + " (or set runtime = \"process\" and a command)");
        } else {
          problems.add(where(spec, "runtime") + prefix + ".runtime = " + Json.render(spec.runtime())
              + ": expected one of the available runtimes " + runtimes.keySet()
              + ("docker".equals(spec.runtime()) ? "; add the dev.taskdaemon:taskdaemon-docker dependency" : ""));
        }
        checkOptions(spec, null, runtimes, problems);
        continue;
      }
      checkOptions(spec, rt, runtimes, problems);
      List<ConfigProblem> own;
      try {
        own = rt.validate(spec);
      } catch (RuntimeException e) {
        own = List.of(ConfigProblem.of("runtime", "the " + rt.name() + " runtime failed to check it: " + e));
      }
      for (ConfigProblem p : own) {
        problems.add(where(spec, p.key()) + prefix + "." + p.key()
            + (p.value() != null ? " = " + Json.render(p.value()) : "") + ": " + p.message());
      }
    }
    return problems;
  }

  /** Runtime-specific keys: known to the handler's runtime, or else reported with the nearest key. */
  private static void checkOptions(HandlerSpec spec, HandlerRuntime rt, Map<String, HandlerRuntime> runtimes,
      List<String> problems) {
    String prefix = "handlers." + spec.name();
    Set<String> valid = new LinkedHashSet<>(ConfigKeys.HANDLER);
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
      } else {
        msg = ConfigKeys.unknownKey(key, valid);
      }
      problems.add(where(spec, key) + prefix + "." + key + ": " + msg);
    }
  }

  /** Orders problems by file position where they have one, keeping the others in their order. */
  public static List<String> sortByPosition(List<String> problems) {
    List<String> sorted = new ArrayList<>(problems);
    sorted.sort(java.util.Comparator.comparing(ConfigValidator::positionKey));
    return sorted;
  }

  private static final java.util.regex.Pattern POSITION = java.util.regex.Pattern.compile("^(.*?):(\\d+):(\\d+): ");

  private static String positionKey(String problem) {
    java.util.regex.Matcher m = POSITION.matcher(problem);
    if (!m.find()) {
      return "\uffff";
    }
    return String.format(java.util.Locale.ROOT, "%s\u0000%09d\u0000%09d", m.group(1),
        Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
  }

  private static String where(HandlerSpec spec, String key) {
    String o = spec.origin(key);
    if (o == null) {
      o = spec.origin("");
    }
    return o == null ? "" : o + ": ";
  }
}

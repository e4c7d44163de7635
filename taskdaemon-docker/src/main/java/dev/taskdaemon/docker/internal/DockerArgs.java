package dev.taskdaemon.docker.internal;

import dev.taskdaemon.spi.HandlerRuntime.ConfigProblem;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks {@code docker_args} the way {@code docker run} itself parses them, so that no spelling
 * gets a flag past the check: combined short flags ({@code -dt}), a value glued to a short flag
 * ({@code -ufoo}, {@code -e=X}), {@code --flag=value} and {@code --flag value} all reach the same
 * rule. Flags are refused for one of four reasons:
 *
 * <ul>
 *   <li>the runtime manages them (attach, tty, detach, {@code --rm}, {@code --init}, the name,
 *       restart policies, its own labels): with them the runtime would lose the container;
 *   <li>they would undo a secure default ({@code --privileged}, {@code --cap-add}, {@code
 *       --security-opt}, host or other-container namespaces, host devices, disabling the OOM
 *       killer): the message names the key that opts out where one exists, so that opting out is
 *       visible in a key of its own rather than buried in a flag list;
 *   <li>a key of their own says the same ({@code --memory}, {@code --network}, {@code -e}, ...):
 *       two places for one setting would contradict each other, and {@code -e NAME=VALUE} would put a
 *       value on a command line;
 *   <li>they are not flags at all: {@code docker run} would take a bare word as the image.
 * </ul>
 */
final class DockerArgs {
  private DockerArgs() {}

  private static final String MANAGED_WHY = "(it always runs containers with -i, --rm, --init and its own --name"
      + " and labels, attached, without a tty or restart policy)";

  /** {@code docker run}'s boolean flags: they take no separate value ({@code --flag=false} still works). */
  private static final Set<String> BOOLEAN = Set.of("--detach", "--interactive", "--tty", "--rm", "--init",
      "--privileged", "--publish-all", "--read-only", "--no-healthcheck", "--oom-kill-disable", "--sig-proxy",
      "--disable-content-trust", "--help", "--quiet");

  /** {@code docker run}'s one-letter flags and their long names. */
  private static final Map<Character, String> SHORT = Map.ofEntries(Map.entry('d', "--detach"),
      Map.entry('i', "--interactive"), Map.entry('t', "--tty"), Map.entry('P', "--publish-all"),
      Map.entry('q', "--quiet"), Map.entry('a', "--attach"), Map.entry('c', "--cpu-shares"),
      Map.entry('e', "--env"), Map.entry('h', "--hostname"), Map.entry('l', "--label"),
      Map.entry('m', "--memory"), Map.entry('p', "--publish"), Map.entry('u', "--user"),
      Map.entry('v', "--volume"), Map.entry('w', "--workdir"));

  private static final Set<String> MANAGED = Set.of("--detach", "--interactive", "--tty", "--attach", "--rm",
      "--init", "--name", "--restart", "--help");

  /** Flags that a key of this runtime (or of the core) sets: the key, as the message shows it. */
  private static final Map<String, String> OWN_KEY = Map.ofEntries(Map.entry("--memory", "memory_limit"),
      Map.entry("--memory-swap", "memory_limit (it sets --memory-swap to the same value)"),
      Map.entry("--cpus", "cpus"), Map.entry("--network", "network"), Map.entry("--net", "network"),
      Map.entry("--user", "user"), Map.entry("--workdir", "workdir"), Map.entry("--read-only", "read_only"),
      Map.entry("--volume", "volumes"), Map.entry("--pids-limit", "pids_limit"),
      Map.entry("--env", "env (values never reach a command line there)"), Map.entry("--pull", "pull"),
      Map.entry("--cap-drop", "cap_drop_all and cap_add"));

  /** Namespaces a container must not share with the host or another container. */
  private static final Set<String> NAMESPACES = Set.of("--pid", "--ipc", "--uts", "--userns", "--cgroupns");

  /** Adds a problem (key {@code docker_args}) for every refused flag or stray word in {@code args}. */
  static void check(List<String> args, List<ConfigProblem> problems) {
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--")) {
        problems.add(problem("\"--\" ends docker's flags, so what follows would be taken as the image; remove it"));
        continue;
      }
      if (!a.startsWith("-") || a.equals("-")) {
        problems.add(problem("\"" + a + "\" is not a flag, and docker run would take it as the image (and the"
            + " real image as the command); docker_args holds flags and their values only (put the container's"
            + " command in command)"));
        continue;
      }
      if (a.startsWith("--")) {
        int eq = a.indexOf('=');
        String flag = eq < 0 ? a : a.substring(0, eq);
        String value = eq < 0 ? null : a.substring(eq + 1);
        String written = a;
        if (value == null && !BOOLEAN.contains(flag) && i + 1 < args.size()) {
          value = args.get(++i);
          written = a + " " + value;
        }
        judge(flag, value, written, problems);
        continue;
      }
      // A cluster of one-letter flags: booleans may be combined; the first flag that takes a value
      // takes the rest of the word (an '=' after it is dropped), or else the next word.
      for (int j = 1; j < a.length(); j++) {
        char c = a.charAt(j);
        String flag = SHORT.get(c);
        if (flag == null) {
          problems.add(problem("\"" + a + "\": -" + c + " is not a one-letter flag of docker run; write the flag"
              + " in its long form (--name=value)"));
          break;
        }
        if (BOOLEAN.contains(flag)) {
          judge(flag, null, a, problems);
          continue;
        }
        String rest = a.substring(j + 1);
        String written = a;
        String value;
        if (!rest.isEmpty()) {
          value = rest.startsWith("=") ? rest.substring(1) : rest;
        } else if (i + 1 < args.size()) {
          value = args.get(++i);
          written = a + " " + value;
        } else {
          value = null;
        }
        judge(flag, value, written, problems);
        break;
      }
    }
  }

  private static void judge(String flag, String value, String written, List<ConfigProblem> problems) {
    String w = "\"" + written + "\"";
    if (MANAGED.contains(flag)) {
      problems.add(problem(w + " sets " + flag + ", which the docker runtime manages itself " + MANAGED_WHY
          + "; remove it"));
    } else if (flag.equals("--label") && value != null && value.startsWith("dev.taskdaemon.")) {
      problems.add(problem(w + " sets a dev.taskdaemon. label, which the docker runtime manages itself (cleanup"
          + " trusts these labels); use a label of your own"));
    } else if (flag.equals("--privileged")) {
      problems.add(problem(w + " would undo the secure defaults (every capability, every host device, no"
          + " seccomp or AppArmor profile) and no key opts out that far; give capabilities back with cap_add"
          + " (or cap_drop_all = false) instead"));
    } else if (flag.equals("--cap-add")) {
      problems.add(problem(w + " would undo the secure defaults behind the runtime's back; to give capabilities"
          + " back on top of --cap-drop ALL, use cap_add = [\"...\"] instead"));
    } else if (flag.equals("--security-opt")) {
      problems.add(problem(value != null && value.startsWith("no-new-privileges")
          ? w + " would undo the secure defaults behind the runtime's back; to opt out of"
              + " no-new-privileges, use no_new_privileges = false instead"
          : w + " would change the container's security profile behind the runtime's back, and no key opts"
              + " out of the secure defaults that way; remove it"));
    } else if (NAMESPACES.contains(flag) && value != null && (value.equals("host") || value.startsWith("container:"))) {
      problems.add(problem(w + " would share a namespace with the host or another container, undoing the"
          + " container's isolation, and no key opts out of that; remove it"));
    } else if (flag.equals("--device") || flag.equals("--device-cgroup-rule")) {
      problems.add(problem(w + " would give the container a host device, and no key opts out of the secure"
          + " defaults that way; remove it"));
    } else if (flag.equals("--oom-kill-disable")) {
      problems.add(problem(w + " would make a container over its memory_limit hang instead of being stopped, and"
          + " no key opts out of that; remove it"));
    } else if (OWN_KEY.containsKey(flag)) {
      problems.add(problem(w + " sets " + flag + ", which has a key of its own: use " + OWN_KEY.get(flag)
          + " instead"));
    }
  }

  private static ConfigProblem problem(String message) {
    return ConfigProblem.of(DockerOptions.DOCKER_ARGS, message);
  }
}

package dev.taskdaemon.docker.internal;

import java.util.List;
import java.util.function.Supplier;

/** A container's exit code in container terms; the same words for both transports. */
final class ExitReasons {
  private ExitReasons() {}

  /** Who sent a SIGKILL, as the engine's events tell it. */
  enum KillCause { OOM, DOCKER, OTHER, UNKNOWN }

  /**
   * Explains an exit. 137 is SIGKILL: from our own kill, from {@code docker kill}, or from the kernel
   * when the container went over its memory limit; the engine's events tell which, since the
   * container (and its {@code OOMKilled} flag) has been removed by now.
   */
  static String describe(int exitCode, boolean killedByUs, String memoryLimit, Supplier<KillCause> cause) {
    switch (exitCode) {
      case 125:
        return "docker could not run the container; see its message in the stderr lines";
      case 126:
        return "the container's command could not be executed";
      case 127:
        return "the container's command was not found in the image";
      case 137:
        if (killedByUs) {
          return "killed by the docker runtime";
        }
        return describeKill(cause.get(), memoryLimit);
      case 143:
        return "stopped with SIGTERM";
      default:
        return exitCode > 128 && exitCode < 160 ? "killed by signal " + (exitCode - 128) : null;
    }
  }

  private static String describeKill(KillCause cause, String memoryLimit) {
    switch (cause) {
      case OOM:
        return memoryLimit != null
            ? "out of memory: the container exceeded its memory_limit of " + memoryLimit
                + " and the kernel killed it; raise memory_limit or make the handler use less memory"
            : "out of memory: the kernel killed the container";
      case DOCKER:
        return "killed with SIGKILL (docker kill, docker rm -f or the engine)";
      case OTHER:
        // The engine can miss an OOM notification (one right after the container starts is easily
        // lost), but a SIGKILL that docker did not send is, with a limit set, almost always that.
        return memoryLimit != null
            ? "killed with SIGKILL, not by docker: most likely out of memory, over its memory_limit of "
                + memoryLimit + "; raise memory_limit or make the handler use less memory"
            : "killed with SIGKILL, not by docker (the kernel's out-of-memory killer, or a kill -9)";
      default:
        return "killed with SIGKILL" + (memoryLimit != null
            ? "; the engine did not say why: if the handler needs more than its memory_limit of " + memoryLimit
                + ", that was the cause" : "");
    }
  }

  /**
   * Reads a container's {@code oom}, {@code kill} and {@code die} events: an {@code oom} means the
   * memory limit; a {@code kill} means someone asked docker; a {@code die} with neither is a SIGKILL
   * from elsewhere. {@code null} while the events do not decide yet (they come a moment after the exit).
   */
  static KillCause fromEvents(List<String> events) {
    if (events.contains("oom")) {
      return KillCause.OOM;
    }
    if (events.contains("die")) {
      return events.contains("kill") ? KillCause.DOCKER : KillCause.OTHER;
    }
    return null;
  }
}

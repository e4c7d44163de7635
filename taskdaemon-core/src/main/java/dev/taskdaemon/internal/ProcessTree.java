package dev.taskdaemon.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the JDK does not tell about processes, read from Linux's {@code /proc}: a process's environment,
 * which every process a handler starts inherits, so that what it left behind can be found after it
 * died. Everywhere else these find nothing, and callers fall back to {@link ProcessHandle#descendants()}.
 */
final class ProcessTree {
  private static final Path PROC = Path.of("/proc");

  private ProcessTree() {}

  static boolean available() {
    return Files.isDirectory(PROC.resolve("self"));
  }

  /** The pids of every live process whose environment holds both {@code name=value} pairs. */
  static List<Long> withEnvironment(String name1, String value1, String name2, String value2) {
    List<Long> found = new ArrayList<>();
    for (long pid : pids()) {
      if (environ(pid, name1).filter(value1::equals).isPresent()
          && environ(pid, name2).filter(value2::equals).isPresent()) {
        found.add(pid);
      }
    }
    return found;
  }

  /** Every numeric entry of /proc. */
  static List<Long> pids() {
    List<Long> pids = new ArrayList<>();
    if (!available()) {
      return pids;
    }
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC)) {
      for (Path p : dir) {
        String n = p.getFileName().toString();
        if (!n.isEmpty() && n.chars().allMatch(Character::isDigit)) {
          pids.add(Long.parseLong(n));
        }
      }
    } catch (IOException | RuntimeException e) {
      // unreadable: nothing found
    }
    return pids;
  }

  /** The value of variable {@code name} in the environment {@code pid} started with, if readable. */
  static Optional<String> environ(long pid, String name) {
    byte[] env;
    try {
      env = Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("environ"));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    String prefix = name + "=";
    int start = 0;
    for (int i = 0; i <= env.length; i++) {
      if (i == env.length || env[i] == 0) {
        if (i - start > prefix.length()) {
          String entry = new String(env, start, i - start, StandardCharsets.UTF_8);
          if (entry.startsWith(prefix)) {
            return Optional.of(entry.substring(prefix.length()));
          }
        }
        start = i + 1;
      }
    }
    return Optional.empty();
  }

  /** Kills every process whose environment holds both pairs; returns how many there were. */
  static int killWithEnvironment(String name1, String value1, String name2, String value2) {
    int n = 0;
    for (long pid : withEnvironment(name1, value1, name2, value2)) {
      Optional<ProcessHandle> h = ProcessHandle.of(pid);
      if (h.isPresent()) {
        h.get().destroyForcibly();
        n++;
      }
    }
    return n;
  }
}

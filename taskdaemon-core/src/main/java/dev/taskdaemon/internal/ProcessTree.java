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
 * What the JDK does not tell about processes, read from Linux's {@code /proc}: the members of a process
 * group, and a process's environment. Everywhere else these find nothing, and callers fall back to
 * {@link ProcessHandle#descendants()}.
 */
final class ProcessTree {
  private static final Path PROC = Path.of("/proc");

  private ProcessTree() {}

  static boolean available() {
    return Files.isDirectory(PROC.resolve("self"));
  }

  /** The pids of every live process whose process group is {@code pgid}. */
  static List<Long> groupMembers(long pgid) {
    List<Long> members = new ArrayList<>();
    for (long pid : pids()) {
      if (pgid(pid) == pgid) {
        members.add(pid);
      }
    }
    return members;
  }

  /** The process group of {@code pid}, or -1 when it is gone or unreadable. */
  static long pgid(long pid) {
    try {
      String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.ISO_8859_1);
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses; the last ')' ends it.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[2]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
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

  /** Kills every member of group {@code pgid}; returns how many there were. */
  static int killGroup(long pgid) {
    int n = 0;
    for (long pid : groupMembers(pgid)) {
      Optional<ProcessHandle> h = ProcessHandle.of(pid);
      if (h.isPresent()) {
        h.get().destroyForcibly();
        n++;
      }
    }
    return n;
  }
}

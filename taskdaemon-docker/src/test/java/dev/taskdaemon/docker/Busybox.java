package dev.taskdaemon.docker;

import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.docker.internal.DockerCli;
import dev.taskdaemon.docker.internal.Endpoint;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Test handlers as busybox shell scripts in the {@code taskdaemon-test/busybox} image (FROM scratch
 * plus a static busybox), and small docker helpers for assertions. Everything is found by the
 * project's labels, never by image or process name.
 */
final class Busybox {
  static final String IMAGE = DockerEngineCondition.IMAGE;

  /**
   * Reads one request per line; task data {@code {"op": ...}} picks what to do. Default and
   * {@code sleep} answer {@code {"instance", "request"}} so a test sees which instance served which
   * attempt.
   */
  static final String HANDLER = String.join("\n",
      "while IFS= read -r line; do",
      "  case \"$line\" in",
      "  *'\"op\":\"sleep\"'*)",
      "    s=${line#*\\\"seconds\\\":}; s=${s%%[,\\}]*}; sleep \"$s\" ;;",
      "  *'\"op\":\"env\"'*)",
      "    printf '{\"status\":\"success\",\"result\":{\"secret\":\"%s\",\"home\":\"%s\"}}\\n' \"$TD_SECRET\" \"$HOME\"",
      "    continue ;;",
      "  *'\"op\":\"status\"'*)",
      "    cap=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/$$/status)",
      "    nnp=$(sed -n 's/^NoNewPrivs:[[:space:]]*//p' /proc/$$/status)",
      "    read -r init < /proc/1/comm",
      "    if touch /probe 2>/dev/null; then ro=false; else ro=true; fi",
      "    data=$(cat /data/hello.txt 2>/dev/null)",
      "    printf '{\"status\":\"success\",\"result\":{\"capEff\":\"%s\",\"noNewPrivs\":\"%s\",\"pid1\":\"%s\","
          + "\"uid\":\"%s\",\"gid\":\"%s\",\"pwd\":\"%s\",\"readOnly\":%s,\"data\":\"%s\"}}\\n'"
          + " \"$cap\" \"$nnp\" \"$init\" \"$(id -u)\" \"$(id -g)\" \"$(pwd)\" \"$ro\" \"$data\"",
      "    continue ;;",
      "  *'\"op\":\"orphans\"'*)",
      // Each subshell starts a sleeper and exits at once: the sleeper's parent is gone, so only
      // PID 1 can reap it when it ends.
      "    i=0; while [ $i -lt 20 ]; do (sleep 0.2 &); i=$((i+1)); done",
      "    echo '{\"status\":\"success\",\"result\":\"spawned\"}'",
      "    continue ;;",
      "  *'\"op\":\"zombies\"'*)",
      "    z=0; n=0",
      "    for f in /proc/[0-9]*/stat; do",
      "      read -r st < \"$f\" 2>/dev/null || continue",
      "      n=$((n+1)); case \"$st\" in *') Z '*) z=$((z+1)) ;; esac",
      "    done",
      "    printf '{\"status\":\"success\",\"result\":{\"zombies\":%s,\"processes\":%s}}\\n' \"$z\" \"$n\"",
      "    continue ;;",
      "  *'\"op\":\"stderr\"'*)",
      "    yes 'F1 filler: a handler that logs a lot before it answers ........................'"
          + " | head -c 4000000 >&2",
      "    echo 'F1 marker: all stderr written' >&2",
      "    echo '{\"status\":\"success\",\"result\":\"after-stderr\"}'",
      "    continue ;;",
      "  *'\"op\":\"alloc\"'*)",
      "    x=$(head -c 200000000 /dev/zero | tr '\\0' a)",
      "    echo \"{\\\"status\\\":\\\"success\\\",\\\"result\\\":${#x}}\"",
      "    continue ;;",
      "  esac",
      "  printf '{\"status\":\"success\",\"result\":{\"instance\":\"%s\",\"request\":%s}}\\n' \"$TASKDAEMON_INSTANCE\" \"$line\"",
      "done");

  /** Answers every line, and neither EOF nor SIGTERM makes it exit: only a kill stops it. */
  static final String STUBBORN = String.join("\n",
      "trap '' TERM",
      "while :; do",
      "  if IFS= read -r line; then echo '{\"status\":\"success\",\"result\":\"ok\"}'; else sleep 1; fi",
      "done");

  private Busybox() {}

  /** A one-instance handler running {@link #HANDLER}, without network, never pulling. */
  static HandlerSpec.Builder handler(String name) {
    return script(name, HANDLER);
  }

  static HandlerSpec.Builder script(String name, String script) {
    return HandlerSpec.builder(name)
        .image(IMAGE)
        .command("sh", "-c", script)
        .instances(1)
        .option("network", "none")
        .option("pull", "never");
  }

  /** A daemon name no other test (or earlier run) uses, so reaping and listing stay per test. */
  static String daemonName(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  static Map<String, Object> op(String op) {
    return Map.of("op", op);
  }

  // ------------------------------------------------------------------ docker helpers

  static final DockerCli CLI = new DockerCli("docker");

  /** {@code docker args...} on {@code engine}; fails the test when docker fails. */
  static List<String> docker(Endpoint engine, String... args) {
    try {
      DockerCli.Outcome r = CLI.run(engine, Duration.ofSeconds(30), args);
      if (!r.ok()) {
        throw new AssertionError("docker " + String.join(" ", args) + " failed: " + r.reason());
      }
      return r.lines();
    } catch (IOException e) {
      throw new AssertionError("docker " + String.join(" ", args) + " could not run", e);
    }
  }

  static List<String> docker(String... args) {
    return docker(Endpoint.fromEnvironment(), args);
  }

  /** Names of containers (running, or with {@code all} any state) carrying every label filter. */
  static List<String> containers(Endpoint engine, boolean all, String... labels) {
    List<String> args = new ArrayList<>(List.of("ps", "--format", "{{.Names}}"));
    if (all) {
      args.add("-a");
    }
    for (String l : labels) {
      args.add("--filter");
      args.add("label=" + l);
    }
    return docker(engine, args.toArray(String[]::new));
  }

  static List<String> sessionContainers(Endpoint engine, String session) {
    return containers(engine, true, "dev.taskdaemon.session=" + session);
  }

  static List<String> sessionContainers(String session) {
    return sessionContainers(Endpoint.fromEnvironment(), session);
  }
}

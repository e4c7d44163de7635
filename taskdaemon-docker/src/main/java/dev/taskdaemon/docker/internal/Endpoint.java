package dev.taskdaemon.docker.internal;

import java.util.Map;

/**
 * One Docker engine as the CLI reaches it: an explicit {@code DOCKER_HOST} (a handler's {@code
 * docker_host}, else the JVM's own {@code DOCKER_HOST}), or {@code null} for the CLI's current
 * context.
 *
 * @param host the engine address, or {@code null}
 */
public record Endpoint(String host) {

  /** The engine a handler without {@code docker_host} uses. */
  public static Endpoint fromEnvironment() {
    String h = System.getenv("DOCKER_HOST");
    return new Endpoint(h == null || h.isBlank() ? null : h);
  }

  /** The engine for a handler: its {@code docker_host}, or the environment's. */
  public static Endpoint of(String dockerHost) {
    return dockerHost != null ? new Endpoint(dockerHost) : fromEnvironment();
  }

  /** Points a CLI process at this engine. */
  void applyTo(Map<String, String> env) {
    if (host != null) {
      env.put("DOCKER_HOST", host);
      // The CLI refuses DOCKER_HOST together with a DOCKER_CONTEXT; the explicit engine wins.
      env.remove("DOCKER_CONTEXT");
    }
  }

  /** For messages: {@code DOCKER_HOST=unix:///...}. */
  public String describe() {
    return host != null ? "DOCKER_HOST=" + host : "DOCKER_HOST unset (the docker CLI's current context)";
  }

  @Override
  public String toString() {
    return describe();
  }
}

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

  /** The engine's socket when {@code DOCKER_HOST} and {@code docker_host} are unset and no CLI context is chosen. */
  public static final String DEFAULT_SOCKET = "unix:///var/run/docker.sock";

  /**
   * Why only the CLI can reach this engine, or {@code null} when the API transport can: an {@code
   * ssh://} engine (the CLI's ssh), a {@code tcp://} one (TLS settings are the CLI's), or no explicit
   * engine while a CLI context other than the default is chosen.
   */
  public String cliOnly() {
    if (host == null) {
      String ctx = cliContext();
      return ctx == null ? null : "the engine is the docker CLI's context \"" + ctx + "\", which only the CLI"
          + " reads (point docker_host or DOCKER_HOST at a unix:// socket to use the api transport)";
    }
    if (host.startsWith("unix://")) {
      return null;
    }
    return "docker_host = \"" + host + "\" is not a unix:// socket, and the api transport speaks only to"
        + " unix:// engines (the CLI brings ssh and TLS)";
  }

  /** The Unix socket the API transport connects to, in {@code unix://} form. */
  public String apiAddress() {
    return host != null ? host : DEFAULT_SOCKET;
  }

  /** The CLI context chosen by {@code DOCKER_CONTEXT} or the CLI's config file, unless it is {@code default}. */
  static String cliContext() {
    String env = System.getenv("DOCKER_CONTEXT");
    if (env != null && !env.isBlank()) {
      return env.equals("default") ? null : env;
    }
    String dir = System.getenv("DOCKER_CONFIG");
    java.nio.file.Path config = dir != null && !dir.isBlank() ? java.nio.file.Path.of(dir, "config.json")
        : java.nio.file.Path.of(System.getProperty("user.home"), ".docker", "config.json");
    try {
      if (!java.nio.file.Files.isRegularFile(config)) {
        return null;
      }
      String ctx = new com.fasterxml.jackson.databind.ObjectMapper().readTree(config.toFile())
          .path("currentContext").asText("");
      return ctx.isEmpty() || ctx.equals("default") ? null : ctx;
    } catch (java.io.IOException | RuntimeException e) {
      return null;
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

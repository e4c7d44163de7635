package dev.taskdaemon.docker.internal;

import dev.taskdaemon.HandlerSpec;
import dev.taskdaemon.spi.HandlerRuntime.ConfigProblem;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A handler's docker settings, read from its {@link HandlerSpec} and checked. Every value that
 * reaches the {@code docker run} argument list passes a check here first, so that nothing a
 * configuration says can be taken as an extra flag.
 */
public final class DockerOptions {
  public static final String CPUS = "cpus";
  public static final String NETWORK = "network";
  public static final String USER = "user";
  public static final String READ_ONLY = "read_only";
  public static final String VOLUMES = "volumes";
  public static final String PIDS_LIMIT = "pids_limit";
  public static final String DOCKER_HOST = "docker_host";
  public static final String DOCKER_ARGS = "docker_args";
  public static final String PULL = "pull";
  public static final String NO_NEW_PRIVILEGES = "no_new_privileges";
  public static final String CAP_DROP_ALL = "cap_drop_all";
  public static final String CAP_ADD = "cap_add";
  public static final String DOCKER_TRANSPORT = "docker_transport";

  /** The keys this runtime adds to a handler table, in documentation order. */
  public static final Set<String> KEYS = Collections.unmodifiableSet(new LinkedHashSet<>(List.of(CPUS, NETWORK,
      USER, READ_ONLY, VOLUMES, PIDS_LIMIT, DOCKER_HOST, DOCKER_ARGS, PULL, NO_NEW_PRIVILEGES, CAP_DROP_ALL,
      CAP_ADD, DOCKER_TRANSPORT)));

  /** Docker refuses a smaller {@code --memory}. */
  static final long MIN_MEMORY = 6L * 1024 * 1024;

  private static final Pattern NUMBER = Pattern.compile("[0-9]+(\\.[0-9]+)?");
  private static final Pattern MEMORY = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)([bkmgBKMG]?)");
  private static final Pattern IMAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/:@+-]*");
  private static final Pattern NETWORK_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]*");
  private static final Pattern USER_SPEC =
      Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?");
  private static final Pattern HOST = Pattern.compile("(unix|tcp|ssh|npipe|fd)://\\S+");
  private static final Pattern CAPABILITY = Pattern.compile("(CAP_)?[A-Z][A-Z_]*|ALL");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern VOLUME_MODE = Pattern.compile("[A-Za-z]+(,[A-Za-z]+)*");
  static final String EXPECT_CPUS = "a positive number of CPUs such as 0.5 or 2";
  static final String EXPECT_NETWORK = "a network name such as \"none\", \"bridge\" or \"host\"";
  static final String EXPECT_USER = "a user such as \"65534\", \"65534:65534\" or \"nobody\"";
  static final String EXPECT_BOOL = "true or false";
  static final String EXPECT_VOLUMES =
      "an array of \"source:target[:options]\" strings with an absolute target, such as [\"/srv/data:/data:ro\"]";
  static final String EXPECT_PIDS = "a positive integer such as 64";
  static final String EXPECT_HOST =
      "an engine address such as \"unix:///var/run/docker.sock\", \"tcp://host:2376\" or \"ssh://user@host\"";
  static final String EXPECT_ARGS = "an array of strings, such as [\"--shm-size\", \"256m\"]";
  static final String EXPECT_PULL = "\"never\", \"missing\" or \"always\"";
  static final String EXPECT_TRANSPORT = "\"auto\", \"api\" or \"cli\"";
  static final String EXPECT_CAPS = "an array of capability names such as [\"NET_BIND_SERVICE\"]";

  /** How the runtime talks to the engine. */
  public enum Transport {
    /** {@code api} where it can honour every key and the engine is a Unix socket; else {@code cli}. */
    AUTO,
    /** The Engine API on a Unix socket, without a CLI process per container. */
    API,
    /** A {@code docker run -i} CLI process per container. */
    CLI
  }

  /** When images are pulled: checked once per engine and image at {@code start()}. */
  public enum Pull {
    /** Never pull: the image must be on the engine already. */
    NEVER,
    /** Pull only an image the engine does not have (the default, as {@code docker run} does). */
    MISSING,
    /** Pull at every start, so a moved tag is picked up. */
    ALWAYS
  }

  String cpus;
  String network;
  String user;
  boolean readOnly;
  List<String> volumes = List.of();
  Integer pidsLimit;
  Endpoint endpoint;
  List<String> dockerArgs = List.of();
  Pull pull = Pull.MISSING;
  boolean noNewPrivileges = true;
  boolean capDropAll = true;
  List<String> capAdd = List.of();
  Transport transport = Transport.AUTO;

  private DockerOptions() {}

  /** The transport the handler asked for ({@code auto} unless set). */
  public Transport requestedTransport() {
    return transport;
  }

  /**
   * What in this handler's settings only the CLI can honour, as the key and why, or {@code null}
   * when the API transport can do everything.
   */
  public String[] needsCli() {
    if (!dockerArgs.isEmpty()) {
      return new String[] {DOCKER_ARGS, "docker_args are docker run flags, and the api transport runs no CLI"};
    }
    String why = endpoint.cliOnly();
    return why == null ? null : new String[] {DOCKER_HOST, why};
  }

  /**
   * Whether instances of this handler use the Engine API.
   *
   * @param cliNamed whether the runtime was given a CLI explicitly (constructor or {@code
   *     TASKDAEMON_DOCKER}): {@code auto} then keeps to that CLI
   */
  public boolean useApi(boolean cliNamed) {
    switch (transport) {
      case API:
        return true;
      case CLI:
        return false;
      default:
        return !cliNamed && needsCli() == null;
    }
  }

  public Endpoint endpoint() {
    return endpoint;
  }

  public Pull pull() {
    return pull;
  }

  /** Reads and checks a definition; problems are added to {@code problems}. */
  public static DockerOptions read(HandlerSpec spec, List<ConfigProblem> problems) {
    DockerOptions o = new DockerOptions();
    checkCoreKeys(spec, problems);
    String dockerHost = null;
    for (Map.Entry<String, Object> e : spec.options().entrySet()) {
      String key = e.getKey();
      Object v = e.getValue();
      switch (key) {
        case CPUS:
          o.cpus = cpus(v);
          if (o.cpus == null) {
            problems.add(ConfigProblem.badValue(key, v, EXPECT_CPUS));
          }
          break;
        case NETWORK:
          o.network = matching(v, NETWORK_NAME);
          if (o.network == null) {
            problems.add(ConfigProblem.badValue(key, v, EXPECT_NETWORK));
          }
          break;
        case USER:
          o.user = v instanceof Number n && n.longValue() >= 0 && isIntegral(n) ? Long.toString(n.longValue())
              : matching(v, USER_SPEC);
          if (o.user == null) {
            problems.add(ConfigProblem.badValue(key, v, EXPECT_USER));
          }
          break;
        case READ_ONLY:
          o.readOnly = bool(key, v, problems, false);
          break;
        case VOLUMES:
          o.volumes = volumes(v, spec.baseDir());
          if (o.volumes == null) {
            problems.add(ConfigProblem.badValue(key, v, EXPECT_VOLUMES));
            o.volumes = List.of();
          }
          break;
        case PIDS_LIMIT:
          if (v instanceof Number n && isIntegral(n) && n.longValue() >= 1 && n.longValue() <= Integer.MAX_VALUE) {
            o.pidsLimit = n.intValue();
          } else {
            problems.add(ConfigProblem.badValue(key, v, EXPECT_PIDS));
          }
          break;
        case DOCKER_HOST:
          dockerHost = matching(v, HOST);
          if (dockerHost == null) {
            problems.add(ConfigProblem.badValue(key, v, EXPECT_HOST));
          }
          break;
        case DOCKER_ARGS:
          o.dockerArgs = strings(v);
          if (o.dockerArgs == null) {
            problems.add(ConfigProblem.badValue(key, v, EXPECT_ARGS));
            o.dockerArgs = List.of();
          }
          DockerArgs.check(o.dockerArgs, problems);
          break;
        case PULL:
          o.pull = v instanceof String s ? pull(s) : null;
          if (o.pull == null) {
            problems.add(ConfigProblem.badValue(key, v, EXPECT_PULL));
            o.pull = Pull.MISSING;
          }
          break;
        case NO_NEW_PRIVILEGES:
          o.noNewPrivileges = bool(key, v, problems, true);
          break;
        case CAP_DROP_ALL:
          o.capDropAll = bool(key, v, problems, true);
          break;
        case CAP_ADD:
          o.capAdd = strings(v);
          if (o.capAdd == null || !o.capAdd.stream().allMatch(c -> CAPABILITY.matcher(c).matches())) {
            problems.add(ConfigProblem.badValue(key, v, EXPECT_CAPS));
            o.capAdd = List.of();
          }
          break;
        case DOCKER_TRANSPORT:
          o.transport = v instanceof String s ? transport(s) : null;
          if (o.transport == null) {
            problems.add(ConfigProblem.badValue(key, v, EXPECT_TRANSPORT));
            o.transport = Transport.AUTO;
          }
          break;
        default:
          // not ours: the engine reports unknown keys with the nearest valid one
      }
    }
    o.endpoint = Endpoint.of(dockerHost);
    if (o.transport == Transport.API) {
      String[] why = o.needsCli();
      if (why != null) {
        problems.add(ConfigProblem.of(DOCKER_TRANSPORT, "\"api\" cannot honour " + why[0] + ": " + why[1]
            + "; remove " + why[0] + " or set docker_transport = \"cli\" (or \"auto\")"));
      }
    }
    return o;
  }

  private static void checkCoreKeys(HandlerSpec spec, List<ConfigProblem> problems) {
    if (spec.image() == null) {
      problems.add(ConfigProblem.of("image", "missing: the docker runtime needs an image; add image = \"...\""));
    } else if (!IMAGE.matcher(spec.image()).matches()) {
      problems.add(ConfigProblem.badValue("image", spec.image(),
          "an image reference such as \"myorg/resize:1.2\" (no spaces, not starting with '-')"));
    }
    if (spec.workdir() != null && !spec.workdir().toString().startsWith("/")) {
      problems.add(ConfigProblem.badValue("workdir", spec.workdir().toString(),
          "an absolute path inside the container, such as \"/app\""));
    }
    if (spec.memoryLimit() != null) {
      Long bytes = memoryBytes(spec.memoryLimit());
      if (bytes == null || bytes < MIN_MEMORY) {
        problems.add(ConfigProblem.badValue("memory_limit", spec.memoryLimit(),
            "a size of at least 6m (Docker's minimum), such as \"512m\" or \"2g\""));
      }
    }
    for (Map.Entry<String, String> e : spec.env().entrySet()) {
      if (!ENV_NAME.matcher(e.getKey()).matches()) {
        problems.add(ConfigProblem.badValue("env", e.getKey(),
            "an environment variable name of letters, digits and '_', not starting with a digit"));
      } else if (clientReads(e.getKey()) && (e.getValue().indexOf('\n') >= 0 || e.getValue().indexOf('\r') >= 0)) {
        problems.add(ConfigProblem.of("env", e.getKey() + ": the docker CLI reads this name itself, so its value"
            + " goes to the container through an env-file, which cannot hold a line break; remove the line break"));
      }
    }
  }

  /**
   * Names the docker CLI reads for itself: putting a handler's value for them into the CLI's
   * environment would redirect or break the CLI, so they travel in a private env-file instead.
   */
  public static boolean clientReads(String name) {
    String u = name.toUpperCase(Locale.ROOT);
    return u.equals("PATH") || u.equals("HOME") || u.equals("USER") || u.equals("TMPDIR") || u.equals("SHELL")
        || u.startsWith("DOCKER_") || u.startsWith("CONTAINER_") || u.startsWith("CONTAINERS_")
        || u.startsWith("XDG_") || u.startsWith("LD_") || u.startsWith("GO") || u.startsWith("SSH_")
        || u.startsWith("SSL_") || u.endsWith("_PROXY") || u.startsWith("NOTARY_") || u.startsWith("BUILDKIT_");
  }

  /** Bytes for a core {@code memory_limit} value, or null when it does not parse. */
  static Long memoryBytes(String s) {
    java.util.regex.Matcher m = MEMORY.matcher(s);
    if (!m.matches()) {
      return null;
    }
    long unit;
    switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "k":
        unit = 1024L;
        break;
      case "m":
        unit = 1024L * 1024;
        break;
      case "g":
        unit = 1024L * 1024 * 1024;
        break;
      default:
        unit = 1;
    }
    try {
      return new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)).longValueExact();
    } catch (ArithmeticException e) {
      return null;
    }
  }

  private static String cpus(Object v) {
    String s;
    if (v instanceof Number n) {
      s = new BigDecimal(n.toString()).stripTrailingZeros().toPlainString();
    } else if (v instanceof String str) {
      s = str;
    } else {
      return null;
    }
    if (!NUMBER.matcher(s).matches() || new BigDecimal(s).signum() <= 0) {
      return null;
    }
    return s;
  }

  private static boolean isIntegral(Number n) {
    return n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte;
  }

  private static String matching(Object v, Pattern p) {
    return v instanceof String s && p.matcher(s).matches() ? s : null;
  }

  private static boolean bool(String key, Object v, List<ConfigProblem> problems, boolean dflt) {
    if (v instanceof Boolean b) {
      return b;
    }
    problems.add(ConfigProblem.badValue(key, v, EXPECT_BOOL));
    return dflt;
  }

  private static Transport transport(String s) {
    switch (s) {
      case "auto":
        return Transport.AUTO;
      case "api":
        return Transport.API;
      case "cli":
        return Transport.CLI;
      default:
        return null;
    }
  }

  private static Pull pull(String s) {
    switch (s) {
      case "never":
        return Pull.NEVER;
      case "missing":
        return Pull.MISSING;
      case "always":
        return Pull.ALWAYS;
      default:
        return null;
    }
  }

  private static List<String> strings(Object v) {
    if (!(v instanceof List<?> l)) {
      return null;
    }
    List<String> out = new ArrayList<>(l.size());
    for (Object o : l) {
      if (!(o instanceof String s)) {
        return null;
      }
      out.add(s);
    }
    return out;
  }

  /**
   * Checks {@code source:target[:mode]} entries. A source starting with {@code ./} or {@code ../}
   * is a host path relative to the {@code handlers.toml} (or the working directory), since docker
   * itself only takes absolute host paths or volume names.
   */
  private static List<String> volumes(Object v, Path baseDir) {
    List<String> l = strings(v);
    if (l == null) {
      return null;
    }
    List<String> out = new ArrayList<>(l.size());
    for (String s : l) {
      String[] parts = s.split(":", -1);
      if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[0].startsWith("-")
          || !parts[1].startsWith("/")
          || parts.length == 3 && !VOLUME_MODE.matcher(parts[2]).matches()) {
        return null;
      }
      String source = parts[0];
      if (source.equals(".") || source.startsWith("./") || source.equals("..") || source.startsWith("../")) {
        Path base = baseDir != null ? baseDir : Path.of("").toAbsolutePath();
        source = base.resolve(source).normalize().toString();
      }
      out.add(source + ":" + parts[1] + (parts.length == 3 ? ":" + parts[2] : ""));
    }
    return List.copyOf(out);
  }
}

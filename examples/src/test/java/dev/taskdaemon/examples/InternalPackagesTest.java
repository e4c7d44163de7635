package dev.taskdaemon.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code ...internal} packages internal: no module's code (main or test) names a class of
 * another module's {@code internal} package, so what users cannot rely on, our own modules and
 * examples do not rely on either. The testkit and docker modules implement the SPI this way.
 *
 * <p>A build-time check rather than JPMS {@code module-info}: users on the class path keep working,
 * and so does every module here. Like a qualified {@code exports ... to ...}, {@link #EXPORTS} lists
 * the few classes a sibling module may use, each with the reason.
 */
class InternalPackagesTest {
  /**
   * Internal classes a sibling module may use: class → module. Keep it short; each entry is a debt
   * or a measurement of the internals themselves.
   */
  static final Map<String, String> EXPORTS = Map.of(
      // The codec benchmark measures the engine's own request encoding and response decoding against
      // plain Jackson; there is no public API to time, by design.
      "dev.taskdaemon.internal.Codec", "taskdaemon-benchmarks",
      // The server's "store is down → 503" test wraps a working store that it can make fail on demand;
      // core has no public store class to wrap.
      "dev.taskdaemon.internal.MemoryTaskStore", "taskdaemon-server");

  private static final Pattern INTERNAL_REF =
      Pattern.compile("\\b((?:[a-z][a-z0-9_]*\\.)+internal(?:\\.[a-z][a-z0-9_]*)*)\\.([A-Z]\\w*|\\*)");
  private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");

  @Test
  void noModuleUsesAnotherModulesInternalPackages() throws IOException {
    List<String> modules = modules();
    assertThat(modules).contains("taskdaemon-core", "taskdaemon-docker", "taskdaemon-testkit", "examples",
        "taskdaemon-benchmarks");
    List<String> violations = new ArrayList<>();
    int files = 0;
    for (String module : modules) {
      Set<String> own = ownPackages(Repo.root().resolve(module));
      for (Path file : javaFiles(Repo.root().resolve(module))) {
        files++;
        violations.addAll(violations(module, own, Repo.root().relativize(file).toString(),
            Files.readString(file, StandardCharsets.UTF_8)));
      }
    }
    assertThat(files).as("Java files scanned").isGreaterThan(100);
    assertThat(violations).as("uses of another module's internal package (make it public API, move the code,"
        + " or, for a measurement of internals, add it to EXPORTS with the reason)").isEmpty();
  }

  @Test
  void theCheckCatchesImportsWildcardsAndQualifiedNames_butNotCommentsOrStrings() {
    Set<String> own = Set.of("dev.taskdaemon.examples");
    String source = String.join("\n",
        "package dev.taskdaemon.examples;",
        "import dev.taskdaemon.internal.config.TomlSource;",
        "import dev.taskdaemon.docker.internal.*;",
        "// dev.taskdaemon.internal.Engine is mentioned in a comment only",
        "/* and dev.taskdaemon.internal.Json here */ String s = \"dev.taskdaemon.internal.Json\";",
        "class X { Object o = dev.taskdaemon.testkit.internal.Pipe.class; }");
    assertThat(violations("examples", own, "X.java", source)).containsExactly(
        "X.java: examples uses dev.taskdaemon.internal.config.TomlSource",
        "X.java: examples uses dev.taskdaemon.docker.internal.*",
        "X.java: examples uses dev.taskdaemon.testkit.internal.Pipe");
    assertThat(violations("taskdaemon-benchmarks", Set.of(), "B.java",
        "import dev.taskdaemon.internal.Codec;\nimport dev.taskdaemon.internal.Json;\n"))
        .containsExactly("B.java: taskdaemon-benchmarks uses dev.taskdaemon.internal.Json");
    assertThat(violations("taskdaemon-docker", Set.of("dev.taskdaemon.docker.internal"), "D.java",
        "import dev.taskdaemon.docker.internal.DockerCli;\n")).isEmpty();
  }

  static List<String> violations(String module, Set<String> ownPackages, String file, String source) {
    List<String> out = new ArrayList<>();
    Matcher m = INTERNAL_REF.matcher(withoutComments(source));
    while (m.find()) {
      String pkg = m.group(1);
      String name = pkg + "." + m.group(2);
      if (ownPackages.contains(pkg) || module.equals(EXPORTS.get(name))) {
        continue;
      }
      out.add(file + ": " + module + " uses " + name);
    }
    return out;
  }

  /**
   * Blanks out comments and string literals, so prose (and this test's own samples) may name internal
   * classes; code that loads one by its name in a string is not caught.
   */
  private static String withoutComments(String s) {
    StringBuilder out = new StringBuilder(s.length());
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '"') {
        int j = i + 1;
        while (j < s.length() && s.charAt(j) != '"' && s.charAt(j) != '\n') {
          j += s.charAt(j) == '\\' ? 2 : 1;
        }
        out.append("\"\"");
        i = j + 1;
      } else if (s.startsWith("//", i)) {
        while (i < s.length() && s.charAt(i) != '\n') {
          i++;
        }
      } else if (s.startsWith("/*", i)) {
        int end = s.indexOf("*/", i + 2);
        i = end < 0 ? s.length() : end + 2;
        out.append(' ');
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  private static List<String> modules() throws IOException {
    Matcher m = MODULE.matcher(Files.readString(Repo.root().resolve("pom.xml"), StandardCharsets.UTF_8));
    List<String> out = new ArrayList<>();
    while (m.find()) {
      out.add(m.group(1).trim());
    }
    return out;
  }

  /** The packages a module declares in its main and test sources. */
  private static Set<String> ownPackages(Path module) {
    Set<String> out = new TreeSet<>();
    for (String tree : List.of("src/main/java", "src/test/java")) {
      Path root = module.resolve(tree);
      for (Path f : javaFiles(root)) {
        out.add(root.relativize(f.getParent()).toString().replace(java.io.File.separatorChar, '.'));
      }
    }
    return out;
  }

  private static List<Path> javaFiles(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> p.toString().endsWith(".java") && !p.toString().contains("/target/"))
          .sorted().collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

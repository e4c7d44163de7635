package dev.taskdaemon.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * README's "Use it in your project", taken from README.md: a throwaway Maven project made of exactly
 * its {@code <dependencyManagement>} and {@code <dependencies>} text builds, compiles code against the
 * core and the docker runtime, and runs a test that submits through the testkit with the SLF4J
 * binding the README names in place.
 *
 * <p>What {@code mvn install} would put in the local repository is placed by this test into a
 * temporary one instead: the parent and BOM POMs, and for each module the POM and a jar of its
 * freshly compiled classes. The shared {@code ~/.m2} is never written to; it serves, read-only, as
 * the only remote repository (a {@code file://} mirror), so the child build needs no network and
 * finds the plugins and libraries this very build already resolved.
 */
class UseItInYourProjectTest {
  private static final String GROUP = "dev.taskdaemon";

  @TempDir
  Path tmp;

  @Test
  void mavenSection_buildsAThrowawayProject_againstTheFreshlyBuiltSnapshot() throws Exception {
    Readme readme = Readme.load();
    Readme.CodeBlock maven = readme.codeBlock("use-maven");
    assertThat(maven.language).isEqualTo("xml");
    Document parent = xml(Repo.root().resolve("pom.xml"));
    String version = child(parent.getDocumentElement(), "version");
    assertThat(maven.text).as("the BOM import names the parent POM's version")
        .contains("<version>" + version + "</version>");
    assertThat(maven.text).as("the SLF4J binding is the version the build itself uses, so it resolves")
        .contains("<version>" + property(parent, "slf4j.version") + "</version>");
    assertThat(readme.documents().get("README.md")).as("README says how to install the snapshot")
        .contains("```bash\nmvn -B -q install -DskipTests\n```");

    Path repo = Files.createDirectories(tmp.resolve("repository"));
    installSnapshot(repo, version, modulesUsed(maven.text));
    Path settings = Files.writeString(tmp.resolve("settings.xml"), settings(sharedRepository()));
    Path project = throwawayProject(maven.text, parent);

    List<String> command = List.of("mvn", "-B", "-q", "-s", settings.toString(), "-gs", settings.toString(),
        "-Dmaven.repo.local=" + repo, "test");
    Repo.Run run = Repo.run(command, project, Duration.ofMinutes(4), "use-it-in-your-project");
    assertThat(run.exitCode).as("the throwaway project builds and its test passes: %s", run).isZero();
    Path report = project.resolve("target/surefire-reports/TEST-com.example.AppTest.xml");
    assertThat(report).as("the throwaway project's test ran").exists();
    assertThat(Files.readString(report)).contains("tests=\"1\"").contains("failures=\"0\"").contains("errors=\"0\"");
    System.out.println("MEASURE throwaway Maven project from README: " + run.elapsed.toMillis() + " ms");
  }

  @Test
  void gradleSection_namesTheSameModulesVersionsAndBinding() throws Exception {
    Readme readme = Readme.load();
    String maven = readme.codeBlock("use-maven").text;
    String gradle = readme.codeBlock("use-gradle").text;
    String version = child(xml(Repo.root().resolve("pom.xml")).getDocumentElement(), "version");
    assertThat(gradle).contains("platform(\"dev.taskdaemon:taskdaemon-bom:" + version + "\")");
    assertThat(gradle).contains("mavenLocal()");

    Set<String> mavenCoordinates = new LinkedHashSet<>();
    Element deps = (Element) parse("<r>" + maven + "</r>").getDocumentElement().getElementsByTagName("dependencies")
        .item(1);
    NodeList list = deps.getElementsByTagName("dependency");
    for (int i = 0; i < list.getLength(); i++) {
      Element d = (Element) list.item(i);
      String v = child(d, "version");
      mavenCoordinates.add(child(d, "groupId") + ":" + child(d, "artifactId") + (v == null ? "" : ":" + v));
    }
    Set<String> gradleCoordinates = new LinkedHashSet<>();
    Matcher m = Pattern.compile("(?m)^\\s*(implementation|testImplementation|runtimeOnly)\\(\"([^\"]+)\"\\)").matcher(gradle);
    while (m.find()) {
      gradleCoordinates.add(m.group(2));
    }
    assertThat(gradleCoordinates).as("Gradle's dependencies against Maven's").isEqualTo(mavenCoordinates);
  }

  /** The project's own modules among the README's {@code <dependencies>}. */
  private static List<String> modulesUsed(String readmeXml) throws Exception {
    Element deps = (Element) parse("<r>" + readmeXml + "</r>").getDocumentElement().getElementsByTagName("dependencies")
        .item(1);
    NodeList list = deps.getElementsByTagName("dependency");
    List<String> modules = new java.util.ArrayList<>();
    for (int i = 0; i < list.getLength(); i++) {
      Element d = (Element) list.item(i);
      if (GROUP.equals(child(d, "groupId"))) {
        modules.add(child(d, "artifactId"));
      }
    }
    assertThat(modules).as("modules the README's dependencies name").contains("taskdaemon-core");
    // and the modules those depend on, as a real install would have put them there too
    for (int i = 0; i < modules.size(); i++) {
      Element pom = xml(Repo.root().resolve(modules.get(i)).resolve("pom.xml")).getDocumentElement();
      Element own = (Element) pom.getElementsByTagName("dependencies").item(0);
      NodeList needs = own == null ? null : own.getElementsByTagName("dependency");
      for (int j = 0; needs != null && j < needs.getLength(); j++) {
        Element d = (Element) needs.item(j);
        if (GROUP.equals(child(d, "groupId")) && !"test".equals(child(d, "scope"))
            && !modules.contains(child(d, "artifactId"))) {
          modules.add(child(d, "artifactId"));
        }
      }
    }
    return modules;
  }

  /** What {@code mvn install} puts in a local repository: the parent and BOM POMs, and the modules used. */
  private static void installSnapshot(Path repo, String version, List<String> modules) throws Exception {
    place(repo, "taskdaemon-parent", version, "pom", Repo.root().resolve("pom.xml"));
    place(repo, "taskdaemon-bom", version, "pom", Repo.root().resolve("taskdaemon-bom/pom.xml"));
    for (String artifact : modules) {
      Path module = Repo.root().resolve(artifact);
      Path classes = module.resolve("target/classes");
      assertThat(classes).as("%s is built (the examples depend on it)", artifact).isDirectory();
      place(repo, artifact, version, "pom", module.resolve("pom.xml"));
      Path jar = Files.createTempFile(artifact, ".jar");
      jar(classes, jar);
      place(repo, artifact, version, "jar", jar);
      Files.delete(jar);
    }
  }

  private static void place(Path repo, String artifact, String version, String extension, Path file)
      throws IOException {
    Path dir = Files.createDirectories(repo.resolve(GROUP.replace('.', '/')).resolve(artifact).resolve(version));
    Files.copy(file, dir.resolve(artifact + "-" + version + "." + extension));
  }

  private static void jar(Path classes, Path jar) throws IOException {
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out);
        Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().collect(Collectors.toList())) {
        j.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
        Files.copy(f, j);
        j.closeEntry();
      }
    }
  }

  /** The local repository this build resolves from: where jackson-databind came from. */
  private static Path sharedRepository() throws Exception {
    Path jar = Path.of(ObjectMapper.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    // .../com/fasterxml/jackson/core/jackson-databind/VERSION/jackson-databind-VERSION.jar
    Path root = jar.getParent().getParent().getParent().getParent().getParent().getParent().getParent();
    assertThat(root.resolve("com/fasterxml/jackson/core/jackson-databind")).as("the shared local repository")
        .isDirectory();
    return root;
  }

  private static String settings(Path shared) {
    return "<settings>\n"
        + "  <mirrors>\n"
        + "    <mirror>\n"
        + "      <id>this-build</id>\n"
        + "      <mirrorOf>*</mirrorOf>\n"
        + "      <url>" + shared.toUri() + "</url>\n"
        + "    </mirror>\n"
        + "  </mirrors>\n"
        + "</settings>\n";
  }

  /**
   * A project of the README's text plus what any project has: coordinates, the Java release, pinned
   * plugin versions (the parent POM's, so they are ones this build already resolved) and JUnit for its
   * one test.
   */
  private Path throwawayProject(String readmeXml, Document parent) throws Exception {
    Path project = Files.createDirectories(tmp.resolve("app"));
    String junit = "    <dependency>\n      <groupId>org.junit.jupiter</groupId>\n"
        + "      <artifactId>junit-jupiter</artifactId>\n      <version>" + property(parent, "junit.version")
        + "</version>\n      <scope>test</scope>\n    </dependency>\n";
    int end = readmeXml.lastIndexOf("</dependencies>");
    assertThat(end).as("the README's <dependencies> block").isPositive();
    String dependencies = readmeXml.substring(0, end) + junit + readmeXml.substring(end);
    StringBuilder plugins = new StringBuilder();
    for (String plugin : List.of("maven-resources-plugin", "maven-compiler-plugin", "maven-surefire-plugin")) {
      plugins.append("      <plugin>\n        <artifactId>").append(plugin).append("</artifactId>\n        <version>")
          .append(pluginVersion(parent, plugin)).append("</version>\n      </plugin>\n");
    }
    String pom = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        + "<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n"
        + "  <modelVersion>4.0.0</modelVersion>\n"
        + "  <groupId>com.example</groupId>\n  <artifactId>app</artifactId>\n  <version>1.0</version>\n"
        + "  <properties>\n    <maven.compiler.release>17</maven.compiler.release>\n"
        + "    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>\n  </properties>\n"
        + dependencies
        + "  <build>\n    <plugins>\n" + plugins + "    </plugins>\n  </build>\n"
        + "</project>\n";
    Files.writeString(project.resolve("pom.xml"), pom);

    write(project.resolve("src/main/java/com/example/App.java"), String.join("\n",
        "package com.example;",
        "",
        "import dev.taskdaemon.TaskDaemon;",
        "import dev.taskdaemon.docker.DockerRuntime;",
        "",
        "public final class App {",
        "  static final String HANDLERS = \"[handlers.echo]\\ncommand = [\\\"python3\\\", \\\"handler.py\\\"]\\n\";",
        "",
        "  static TaskDaemon.Builder daemon() {",
        "    return TaskDaemon.builder().fromTomlString(HANDLERS, \"handlers.toml\").runtime(new DockerRuntime());",
        "  }",
        "}",
        ""));
    write(project.resolve("src/test/java/com/example/AppTest.java"), String.join("\n",
        "package com.example;",
        "",
        "import static org.junit.jupiter.api.Assertions.assertEquals;",
        "",
        "import dev.taskdaemon.Result;",
        "import dev.taskdaemon.TaskDaemon;",
        "import dev.taskdaemon.testkit.FakeHandler;",
        "import dev.taskdaemon.testkit.Fakes;",
        "import dev.taskdaemon.testkit.Reply;",
        "import java.util.Map;",
        "import java.util.concurrent.TimeUnit;",
        "import org.junit.jupiter.api.Test;",
        "import org.slf4j.LoggerFactory;",
        "",
        "class AppTest {",
        "  @Test",
        "  void submitsThroughTheTestkit_withTheBindingInPlace() throws Exception {",
        "    FakeHandler echo = FakeHandler.replying(task -> Reply.success(task.taskData()));",
        "    try (TaskDaemon daemon = Fakes.create().stub(\"echo\", echo).start(App.daemon())) {",
        "      Result result = daemon.submit(\"echo\", Map.of(\"n\", 7)).get(30, TimeUnit.SECONDS);",
        "      assertEquals(7, result.json().get(\"n\").asInt());",
        "    }",
        "    assertEquals(\"org.slf4j.simple.SimpleLoggerFactory\", LoggerFactory.getILoggerFactory().getClass().getName());",
        "  }",
        "}",
        ""));
    return project;
  }

  private static void write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }

  private static String pluginVersion(Document pom, String artifact) {
    NodeList plugins = pom.getElementsByTagName("plugin");
    for (int i = 0; i < plugins.getLength(); i++) {
      Element p = (Element) plugins.item(i);
      if (artifact.equals(child(p, "artifactId")) && child(p, "version") != null) {
        return child(p, "version");
      }
    }
    throw new AssertionError("the parent POM pins no version of " + artifact);
  }

  private static String property(Document pom, String name) {
    NodeList found = pom.getElementsByTagName(name);
    assertThat(found.getLength()).as("property %s of the parent POM", name).isEqualTo(1);
    return found.item(0).getTextContent().trim();
  }

  /** The text of the direct child element {@code name}, or null. */
  private static String child(Element e, String name) {
    for (org.w3c.dom.Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element && ((Element) n).getTagName().equals(name)) {
        return n.getTextContent().trim();
      }
    }
    return null;
  }

  private static Document xml(Path file) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
  }

  private static Document parse(String text) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new java.io.ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
  }
}

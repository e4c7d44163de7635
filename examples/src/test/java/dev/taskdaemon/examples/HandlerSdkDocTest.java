package dev.taskdaemon.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.handler.conformance.Conformance;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The snippets of docs/handler-sdk.md: the echo handler runs as a single-file program and passes the
 * conformance suite; every other snippet compiles against the real modules, wrapped only in what the
 * page says surrounds it (imports, the helper methods it calls).
 */
class HandlerSdkDocTest {
  private final Readme readme = Readme.load();

  private String block(String marker) {
    return readme.codeBlock(marker).text;
  }

  @Test
  void theDependencyBlock_namesTheModuleTheBomManages() throws Exception {
    String xml = block("sdk-maven");
    assertThat(xml).contains("<groupId>dev.taskdaemon</groupId>").contains("<artifactId>taskdaemon-handler</artifactId>");
    assertThat(Files.readString(Repo.root().resolve("taskdaemon-bom/pom.xml")))
        .contains("<artifactId>taskdaemon-handler</artifactId>");
  }

  @Test
  void theEchoHandler_isAConformingSingleFileProgram(@TempDir Path dir) throws Exception {
    Path echo = dir.resolve("Echo.java");
    Files.writeString(echo, block("sdk-echo"), StandardCharsets.UTF_8);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Conformance.Report report = Conformance.of(List.of(java, "-cp", System.getProperty("java.class.path"),
        echo.toString())).echoes(true).run();
    assertThat(report.passed()).as(report.toString()).isTrue();
  }

  @Test
  void everyOtherSnippet_compiles(@TempDir Path dir) throws Exception {
    Map<String, String> units = Map.of(
        "Typed.java", "import dev.taskdaemon.handler.Handler;\n"
            + "class Typed {\n  static long countPrimes(long from, long to) { return 0; }\n"
            + "  static void serve() {\n" + block("sdk-typed") + "\n  }\n}\n",
        "Close.java", "import com.fasterxml.jackson.databind.JsonNode;\nimport dev.taskdaemon.handler.Handler;\n"
            + "import java.sql.Connection;\nimport java.sql.DriverManager;\n"
            + "class Close {\n  static Object lookUp(Connection db, JsonNode data) { return data; }\n"
            + "  static void serve(String url) throws Exception {\n" + block("sdk-close") + "\n  }\n}\n",
        "WordCount.java", "import dev.taskdaemon.handler.Handler;\nimport java.util.Map;\n" + block("sdk-wordcount"),
        "WordCountTest.java", "import static org.assertj.core.api.Assertions.assertThat;\n"
            + "import dev.taskdaemon.Result;\nimport dev.taskdaemon.TaskDaemon;\nimport dev.taskdaemon.testkit.FakeHandler;\n"
            + "import dev.taskdaemon.testkit.Fakes;\nimport dev.taskdaemon.testkit.SdkFakes;\n"
            + "import java.nio.file.Path;\nimport java.util.Map;\n"
            + "class WordCountTest {\n  void counts() throws Exception {\n" + block("sdk-testkit") + "\n  }\n}\n",
        "ConformanceCheck.java", "import static org.junit.jupiter.api.Assertions.assertTrue;\n"
            + "import dev.taskdaemon.handler.conformance.Conformance;\nimport java.util.List;\n"
            + "class ConformanceCheck {\n  void check() {\n" + block("sdk-conformance") + "\n  }\n}\n");
    List<Path> files = new ArrayList<>();
    for (Map.Entry<String, String> u : units.entrySet()) {
      Path f = dir.resolve(u.getKey());
      Files.writeString(f, u.getValue(), StandardCharsets.UTF_8);
      files.add(f);
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    StringWriter out = new StringWriter();
    boolean ok;
    try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
      ok = javac.getTask(out, fm, diagnostics, List.of("-classpath", System.getProperty("java.class.path"), "-d",
          dir.resolve("classes").toString()), null, fm.getJavaFileObjectsFromPaths(files)).call();
    }
    assertThat(ok).as("javac: " + diagnostics.getDiagnostics() + out).isTrue();
  }
}

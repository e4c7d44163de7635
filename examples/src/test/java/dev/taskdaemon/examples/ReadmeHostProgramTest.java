package dev.taskdaemon.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's five-line host program, taken from README.md: it compiles without warnings inside a
 * {@code main} with the imports the README names, and, run from the repository root, prints what its
 * comment says.
 */
class ReadmeHostProgramTest {
  private static final List<String> IMPORTS = List.of("dev.taskdaemon.Result", "dev.taskdaemon.TaskDaemon",
      "java.nio.file.Path", "java.util.Map", "java.util.concurrent.CompletableFuture");

  @TempDir
  Path tmp;

  @Test
  void hostProgram_hasFiveLines_compiles_andPrintsWhatItsCommentSays() throws Exception {
    Readme.CodeBlock block = Readme.load().codeBlock("host-program");
    List<String> lines = block.text.lines().collect(java.util.stream.Collectors.toList());
    assertThat(lines).hasSize(5);
    String readmeText = Files.readString(Repo.root().resolve("README.md"), StandardCharsets.UTF_8);
    for (String imp : IMPORTS) {
      assertThat(readmeText).as("the README names the import").contains("`" + imp + "`");
    }

    StringBuilder src = new StringBuilder();
    IMPORTS.forEach(i -> src.append("import ").append(i).append(";\n"));
    src.append("public class ReadmeHost {\n  public static void main(String[] args) throws Exception {\n")
        .append(block.text).append("  }\n}\n");
    Path file = tmp.resolve("ReadmeHost.java");
    Files.writeString(file, src);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter diagnostics = new StringWriter();
    boolean ok = javac.getTask(diagnostics, null, null,
        List.of("-Xlint:all", "-Werror", "-d", tmp.toString(), "-cp", System.getProperty("java.class.path")),
        null, javac.getStandardFileManager(null, null, StandardCharsets.UTF_8).getJavaFileObjects(file.toFile()))
        .call();
    assertThat(ok).as("compiles: %s", diagnostics).isTrue();

    String printLine = lines.stream().filter(l -> l.contains("System.out.println")).findFirst().orElseThrow();
    String expected = printLine.substring(printLine.indexOf("// ") + 3).trim();
    Repo.Run run = Repo.run(List.of(Repo.java(), "-cp", tmp + File.pathSeparator + Repo.runtimeClasspath(),
        "ReadmeHost"), Repo.root(), Duration.ofMinutes(2), "readme-host-program");
    assertThat(run.exitCode).as("%s", run).isZero();
    assertThat(run.stdout.strip()).isEqualTo(expected);
  }
}

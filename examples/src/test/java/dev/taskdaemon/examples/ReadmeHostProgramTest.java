package dev.taskdaemon.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's programs of steps 3 and 4, taken from README.md: each compiles without warnings
 * inside a {@code main} with the imports the README names, and, run in a JVM of its own, does what
 * the README says: the five-line program prints what its comment says; the batch counts words,
 * failures and refusals exactly; the listener reports a retry; the testkit snippet's own assertions
 * hold against the example service's handlers.toml.
 */
class ReadmeHostProgramTest {
  private static final List<String> IMPORTS = List.of("dev.taskdaemon.Result", "dev.taskdaemon.TaskDaemon",
      "java.nio.file.Path", "java.util.Map", "java.util.concurrent.CompletableFuture");
  private static final List<String> BATCH_IMPORTS = List.of("dev.taskdaemon.TaskDaemonException",
      "java.util.ArrayList", "java.util.List", "java.util.concurrent.CompletionException",
      "java.util.concurrent.atomic.AtomicInteger");
  private static final List<String> LISTENER_IMPORTS = List.of("dev.taskdaemon.Task", "dev.taskdaemon.TaskListener",
      "java.time.Duration");

  @TempDir
  Path tmp;

  @Test
  void hostProgram_hasFiveLines_compiles_andPrintsWhatItsCommentSays() throws Exception {
    Readme.CodeBlock block = Readme.load().codeBlock("host-program");
    List<String> lines = block.text.lines().collect(Collectors.toList());
    assertThat(lines).hasSize(5);
    assertReadmeNames(IMPORTS);

    compile("ReadmeHost", IMPORTS, block.text);
    String printLine = lines.stream().filter(l -> l.contains("System.out.println")).findFirst().orElseThrow();
    String expected = printLine.substring(printLine.indexOf("// ") + 3).trim();
    Repo.Run run = run("ReadmeHost");
    assertThat(run.exitCode).as("%s", run).isZero();
    assertThat(run.stdout.strip()).isEqualTo(expected);
  }

  /**
   * The batch runs against the README's own {@code examples/handlers.toml} with the testkit's fake in
   * place of {@code wordcount}: the fake fails lines that contain FAIL (the Result-is-a-failure path),
   * and an ObjectMapper that cannot serialize strings containing REFUSE makes {@code submit} refuse
   * those lines with a TaskDataException (the exceptional path). Everything else is counted.
   */
  @Test
  void batch_countsSuccessesFailuresAndRefusals_andPrintsTheSummary() throws Exception {
    Readme.CodeBlock block = Readme.load().codeBlock("host-batch");
    assertThat(block.text.lines().count()).as("about 15 lines").isBetween(12L, 20L);
    assertReadmeNames(BATCH_IMPORTS);

    List<String> lines = new ArrayList<>();
    int words = 0;
    for (int i = 0; i < 60; i++) {
      String line = "line " + i + " has" + " some words".repeat(i % 5);
      if (i % 17 == 3) {
        line = "FAIL " + line;
      } else if (i % 23 == 5) {
        line = "REFUSE " + line;
      } else {
        words += line.split(" ").length;
      }
      lines.add(line);
    }
    Path input = Files.write(tmp.resolve("lines.txt"), lines, StandardCharsets.UTF_8);
    long failing = lines.stream().filter(l -> l.startsWith("FAIL")).count();
    long refusing = lines.stream().filter(l -> l.startsWith("REFUSE")).count();
    assertThat(failing).isEqualTo(4);
    assertThat(refusing).isEqualTo(3);

    String prologue = String.join("\n",
        "List<String> lines = java.nio.file.Files.readAllLines(Path.of(args[0]));",
        "dev.taskdaemon.testkit.FakeHandler wordcount = dev.taskdaemon.testkit.FakeHandler.replying(task -> {",
        "  String text = task.taskData().get(\"text\").asText();",
        "  return text.startsWith(\"FAIL\") ? dev.taskdaemon.testkit.Reply.error(\"cannot count: \" + text, false)",
        "      : dev.taskdaemon.testkit.Reply.success(Map.of(\"words\", text.split(\" \").length));",
        "});",
        "com.fasterxml.jackson.databind.module.SimpleModule refuse = new com.fasterxml.jackson.databind.module.SimpleModule();",
        "refuse.addSerializer(String.class, new com.fasterxml.jackson.databind.ser.std.StdSerializer<String>(String.class) {",
        "  private static final long serialVersionUID = 1L;",
        "  @Override public void serialize(String s, com.fasterxml.jackson.core.JsonGenerator g,",
        "      com.fasterxml.jackson.databind.SerializerProvider p) throws java.io.IOException {",
        "    if (s.startsWith(\"REFUSE\")) throw com.fasterxml.jackson.databind.JsonMappingException.from(g, \"will not write \" + s);",
        "    g.writeString(s);",
        "  }",
        "});",
        "try (TaskDaemon daemon = dev.taskdaemon.testkit.Fakes.create().stub(\"wordcount\", wordcount)",
        "    .unstubbed(dev.taskdaemon.testkit.Unstubbed.FAIL_TASKS)",
        "    .start(TaskDaemon.builder().fromToml(Path.of(\"examples/handlers.toml\"))",
        "        .objectMapper(new com.fasterxml.jackson.databind.ObjectMapper().registerModule(refuse)))) {",
        "");
    List<String> imports = new ArrayList<>(IMPORTS);
    imports.addAll(BATCH_IMPORTS);
    compile("ReadmeBatch", imports, prologue + block.text + "}\n");
    Repo.Run run = run("ReadmeBatch", input.toString());

    assertThat(run.exitCode).as("%s", run).isZero();
    assertThat(run.stdout.strip()).as("%s", run)
        .isEqualTo(words + " words in 60 lines; " + failing + " failed, " + refusing + " refused");
    assertThat(count(run.stderr, "\nfailed: cannot count: FAIL ")).as("%s", run).isEqualTo(failing);
    assertThat(count(run.stderr, "\nrefused: ")).as("%s", run).isEqualTo(refusing);
    assertThat(run.stderr).as("progress reaches the end").contains("\r60/60 done");
  }

  /** The listener snippet starts the quick start's real handlers; a flaky primes task makes it speak. */
  @Test
  void listener_reportsARetry() throws Exception {
    Readme.CodeBlock block = Readme.load().codeBlock("host-listener");
    assertReadmeNames(LISTENER_IMPORTS);
    String epilogue = String.join("\n",
        "try {",
        "  Result r = daemon.submit(\"primes\", Map.of(\"from\", 0, \"to\", 100, \"flaky\", true)).get();",
        "  System.out.println(r.isSuccess() + \" \" + r.json().get(\"count\"));",
        "} finally {",
        "  daemon.close();",
        "}",
        "");
    List<String> imports = new ArrayList<>(IMPORTS);
    imports.addAll(LISTENER_IMPORTS);
    compile("ReadmeListener", imports, block.text + epilogue);
    Repo.Run run = run("ReadmeListener");

    assertThat(run.exitCode).as("%s", run).isZero();
    assertThat(run.stdout.strip()).as("%s", run).isEqualTo("true 25");
    Matcher m = Pattern.compile("retrying ([0-9a-f-]{36}) in (\\d+) ms: simulated transient failure").matcher(run.stderr);
    assertThat(m.find()).as("a retry line in %s", run).isTrue();
  }

  /**
   * The testkit snippet, run where its {@code handlers.toml} is (the example service's production
   * file, with container handlers and no Docker needed): its own assertions must hold, and it must get
   * to the end.
   */
  @Test
  void testkitSnippet_runsAgainstTheExampleServicesHandlersToml_andItsAssertionsHold() throws Exception {
    Readme.CodeBlock block = Readme.load().codeBlock("host-testkit");
    List<String> imports = List.of("dev.taskdaemon.TaskDaemon", "dev.taskdaemon.testkit.FakeHandler",
        "dev.taskdaemon.testkit.Fakes", "dev.taskdaemon.testkit.Reply", "dev.taskdaemon.testkit.Unstubbed",
        "dev.taskdaemon.examples.testkit.Thumbnail", "dev.taskdaemon.examples.testkit.ThumbnailService",
        "java.nio.file.Path", "java.time.Duration", "java.util.Map",
        "static org.junit.jupiter.api.Assertions.assertEquals");
    compile("ReadmeTestkit", imports, block.text + "System.out.println(\"snippet done\");\n");
    Path dir = Repo.examples().resolve("src/main/java/dev/taskdaemon/examples/testkit");
    assertThat(dir.resolve("handlers.toml")).exists();
    Repo.Run run = Repo.run(List.of(Repo.java(), "-cp", tmp + File.pathSeparator + Repo.runtimeClasspath(),
        "ReadmeTestkit"), dir, Duration.ofMinutes(2), "readme-ReadmeTestkit");

    assertThat(run.exitCode).as("%s", run).isZero();
    assertThat(run.stdout.strip()).as("%s", run).isEqualTo("snippet done");
  }

  /** The imports a snippet needs are named in the text around it (README.md or the docs/ page it lives on). */
  private static void assertReadmeNames(List<String> imports) throws Exception {
    String text = String.join("\n", Readme.load().documents().values());
    assertThat(imports).as("imports the README names").allSatisfy(imp ->
        assertThat(text.contains("`" + imp + "`")).as("README.md or docs/ names `%s`", imp).isTrue());
  }

  private void compile(String className, List<String> imports, String body) throws Exception {
    StringBuilder src = new StringBuilder();
    imports.forEach(i -> src.append("import ").append(i).append(";\n"));
    src.append("public class ").append(className)
        .append(" {\n  public static void main(String[] args) throws Exception {\n")
        .append(body).append("  }\n}\n");
    Path file = tmp.resolve(className + ".java");
    Files.writeString(file, src);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter diagnostics = new StringWriter();
    boolean ok = javac.getTask(diagnostics, null, null,
        List.of("-Xlint:all", "-Werror", "-d", tmp.toString(), "-cp", System.getProperty("java.class.path")),
        null, javac.getStandardFileManager(null, null, StandardCharsets.UTF_8).getJavaFileObjects(file.toFile()))
        .call();
    assertThat(ok).as("compiles: %s\n%s", diagnostics, src).isTrue();
  }

  /** Runs a compiled program from the repository root, with the examples' class path (the testkit is on it). */
  private Repo.Run run(String className, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Repo.java(), "-cp",
        tmp + File.pathSeparator + Repo.runtimeClasspath(), className));
    command.addAll(List.of(args));
    return Repo.run(command, Repo.root(), Duration.ofMinutes(2), "readme-" + className);
  }

  private static long count(String text, String part) {
    long n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }
}

package dev.taskdaemon.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The core of the testkit works without JUnit: only the junit package refers to it. */
class NoJUnitInCoreTest {

  @Test
  void noCompiledClassOutsideTheJunitPackageRefersToJUnit() throws Exception {
    Path classes = Path.of(FakeHandler.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path junitPackage = classes.resolve("dev/taskdaemon/testkit/junit");
    List<Path> core;
    try (Stream<Path> s = Files.walk(classes.resolve("dev/taskdaemon/testkit"))) {
      core = s.filter(p -> p.toString().endsWith(".class") && !p.startsWith(junitPackage)).collect(Collectors.toList());
    }
    assertThat(core).extracting(p -> p.getFileName().toString()).contains("FakeHandler.class", "Fakes.class");
    for (Path p : core) {
      // Class references appear in the constant pool as internal names, e.g. org/junit/...
      String bytes = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
      assertThat(bytes).as("%s refers to JUnit", classes.relativize(p)).doesNotContain("org/junit");
    }
    try (Stream<Path> s = Files.list(junitPackage)) {
      assertThat(s.anyMatch(p -> p.getFileName().toString().equals("TaskDaemonExtension.class"))).isTrue();
    }
  }
}

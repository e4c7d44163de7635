package dev.taskdaemon.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The handler SDK is an optional dependency: only SdkFakes refers to it. */
class NoHandlerSdkInCoreTest {

  @Test
  void noCompiledClassButSdkFakesRefersToTheHandlerSdk() throws Exception {
    Path classes = Path.of(FakeHandler.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Path> all;
    try (Stream<Path> s = Files.walk(classes.resolve("dev/taskdaemon/testkit"))) {
      all = s.filter(p -> p.toString().endsWith(".class")).collect(Collectors.toList());
    }
    List<String> referring = all.stream()
        .filter(p -> {
          try {
            // Class references appear in the constant pool as internal names.
            return new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1).contains("dev/taskdaemon/handler/");
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        })
        .map(p -> p.getFileName().toString())
        .collect(Collectors.toList());
    assertThat(all).extracting(p -> p.getFileName().toString()).contains("FakeHandler.class", "Fakes.class");
    assertThat(referring).containsExactly("SdkFakes.class");
  }
}

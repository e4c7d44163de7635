package dev.taskdaemon.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every code block a reader would copy — Java, a build file, a handler, a TOML file — in README.md
 * and docs/ carries a {@code readme-test} marker, so some test takes it from the text and runs or
 * checks it. A new snippet without a test fails here instead of rotting quietly.
 */
class ReadmeSnippetsMarkedTest {
  private static final Set<String> COPIED = Set.of("java", "xml", "kotlin", "toml", "python", "javascript", "go", "sh");

  @Test
  void everySnippetAReaderWouldCopy_hasAMarker() throws Exception {
    List<String> unmarked = new ArrayList<>();
    int checked = 0;
    for (Path doc : Readme.documentFiles()) {
      List<String> lines = Files.readAllLines(doc, StandardCharsets.UTF_8);
      boolean inCode = false;
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i).trim();
        if (!line.startsWith("```")) {
          continue;
        }
        if (!inCode && COPIED.contains(line.substring(3).trim())) {
          checked++;
          int before = i - 1;
          while (before >= 0 && lines.get(before).isBlank()) {
            before--;
          }
          if (before < 0 || !lines.get(before).trim().startsWith("<!-- readme-test: ")) {
            unmarked.add(Repo.root().relativize(doc) + ":" + (i + 1) + " " + line);
          }
        }
        inCode = !inCode;
      }
    }
    assertThat(checked).as("snippets found").isGreaterThanOrEqualTo(10);
    assertThat(unmarked).as("snippets no test takes from the text").isEmpty();
  }
}

package dev.taskdaemon.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every relative link of README.md leads to a file or directory of the repository. */
class ReadmeLinksTest {
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]+)(#[^)]*)?\\)");

  @Test
  void everyRelativeLink_pointsToSomethingThatExists() throws Exception {
    String readme = Files.readString(Repo.root().resolve("README.md"), StandardCharsets.UTF_8);
    List<String> links = new ArrayList<>();
    List<String> broken = new ArrayList<>();
    Matcher m = LINK.matcher(readme);
    while (m.find()) {
      String target = m.group(1);
      if (target.contains("://")) {
        continue;
      }
      links.add(target);
      Path p = Repo.root().resolve(target).normalize();
      if (!p.startsWith(Repo.root()) || !Files.exists(p)) {
        broken.add(target);
      }
    }
    assertThat(links).as("relative links found").isNotEmpty();
    assertThat(broken).as("links to nothing").isEmpty();
  }
}

package dev.taskdaemon.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every relative link of README.md and of the pages in {@code docs/} leads to a file or directory
 * of the repository, and every {@code #anchor} into a Markdown file names one of its headings, as
 * GitHub turns headings into anchors.
 */
class ReadmeLinksTest {
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]*)(#[^)\\s]*)?\\)");
  private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.+?)\\s*#*\\s*$");

  @Test
  void everyRelativeLink_pointsToSomethingThatExists() throws Exception {
    List<String> links = new ArrayList<>();
    List<String> broken = new ArrayList<>();
    Set<String> documents = new HashSet<>();
    for (Path doc : Readme.documentFiles()) {
      documents.add(Repo.root().relativize(doc).toString());
      String text = Files.readString(doc, StandardCharsets.UTF_8);
      Matcher m = LINK.matcher(text);
      while (m.find()) {
        String target = m.group(1);
        String anchor = m.group(2);
        if (target.contains("://") || target.startsWith("mailto:")) {
          continue;
        }
        String where = Repo.root().relativize(doc) + ": " + target + (anchor == null ? "" : anchor);
        links.add(where);
        Path p = target.isEmpty() ? doc : doc.getParent().resolve(target).normalize();
        if (!p.startsWith(Repo.root()) || !Files.exists(p)) {
          broken.add(where + " (no such file)");
        } else if (anchor != null && p.toString().endsWith(".md") && !anchors(p).contains(anchor.substring(1))) {
          broken.add(where + " (no such heading; headings give " + anchors(p) + ")");
        }
      }
    }
    assertThat(documents).as("documents checked").contains("README.md", "docs/configuration.md");
    assertThat(links).as("relative links found").isNotEmpty();
    assertThat(broken).as("links to nothing").isEmpty();
  }

  @Test
  void anchors_followGitHubsRules() {
    assertThat(slug("`[handlers.NAME]`: the `docker` runtime")).isEqualTo("handlersname-the-docker-runtime");
    assertThat(slug("2. Describe it in `handlers.toml`")).isEqualTo("2-describe-it-in-handlerstoml");
    assertThat(slug("Seeing what happens: `TaskListener` and `stats()`"))
        .isEqualTo("seeing-what-happens-tasklistener-and-stats");
  }

  /** The anchors GitHub gives the headings of a Markdown file (headings inside code blocks left out). */
  private static Set<String> anchors(Path markdown) throws Exception {
    Set<String> anchors = new HashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    boolean inCode = false;
    for (String line : Files.readAllLines(markdown, StandardCharsets.UTF_8)) {
      if (line.trim().startsWith("```")) {
        inCode = !inCode;
        continue;
      }
      Matcher m = HEADING.matcher(line);
      if (!inCode && m.matches()) {
        String slug = slug(m.group(1));
        int n = seen.merge(slug, 1, Integer::sum);
        anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
      }
    }
    return anchors;
  }

  /** GitHub's rule: lower case, drop all but letters, digits, spaces, '-' and '_', spaces become '-'. */
  private static String slug(String heading) {
    StringBuilder s = new StringBuilder();
    for (char c : heading.toLowerCase(Locale.ROOT).toCharArray()) {
      if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
        s.append(c);
      } else if (c == ' ') {
        s.append('-');
      }
    }
    return s.toString();
  }
}

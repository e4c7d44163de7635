package dev.taskdaemon;

import java.util.List;

/**
 * Invalid configuration. Lists every problem found at once; each names where it is ({@code
 * file:line:column} for TOML), the dotted key, the bad value and what was expected.
 */
public class ConfigException extends TaskDaemonException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  public ConfigException(List<String> problems) {
    super(null, format(problems), null);
    this.problems = List.copyOf(problems);
  }

  /** Each problem, one line each, in the order found. */
  public List<String> problems() {
    return problems;
  }

  private static String format(List<String> problems) {
    StringBuilder sb = new StringBuilder();
    sb.append("invalid configuration (").append(problems.size())
        .append(problems.size() == 1 ? " problem" : " problems").append("):");
    for (String p : problems) {
      sb.append("\n  - ").append(p);
    }
    return sb.toString();
  }
}

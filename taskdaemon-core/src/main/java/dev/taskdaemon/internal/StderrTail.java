package dev.taskdaemon.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** The last lines an instance wrote to stderr, kept to explain failures. Thread-safe. */
public final class StderrTail {
  private static final int MAX_LINE_CHARS = 500;

  private final int capacity;
  private final ArrayDeque<String> lines;

  public StderrTail(int capacity) {
    this.capacity = capacity;
    this.lines = new ArrayDeque<>(capacity);
  }

  public synchronized void add(String line) {
    if (line.length() > MAX_LINE_CHARS) {
      line = line.substring(0, MAX_LINE_CHARS) + "…";
    }
    if (lines.size() == capacity) {
      lines.removeFirst();
    }
    lines.addLast(line);
  }

  public synchronized List<String> lines() {
    return new ArrayList<>(lines);
  }

  /** The lines as a message suffix, or a note that there were none. */
  public String describe() {
    List<String> l = lines();
    if (l.isEmpty()) {
      return "no stderr output";
    }
    StringBuilder sb = new StringBuilder("last stderr lines:");
    for (String s : l) {
      sb.append("\n    | ").append(s);
    }
    return sb.toString();
  }
}

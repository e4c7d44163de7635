import dev.taskdaemon.handler.Handler;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The "wordcount" handler of the quick-start example: counts the words of one piece of text.
 *
 * <p>A single-file program written with the handler SDK ({@code taskdaemon-handler}), run with no build
 * step as {@code java @target/handler-classpath.args handlers/WordCount.java} (the @-file, written by the
 * examples' build, puts the SDK and Jackson on the class path).
 *
 * <pre>
 * request:  {"task_id":"...","task_type":"wordcount","task_data":{"text":"To be, or not to be"},"attempt":1}
 * response: {"task_id":"...","status":"success","result":{"words":6,"counts":{"to":2,"be":2,"or":1,"not":1}}}
 * </pre>
 *
 * <p>A word is a run of ASCII letters, compared without case. {@code handlers/wordcount.py} follows
 * the same rule, so both give the same answers.
 */
public class WordCount {
  /** A task's data. */
  record Text(String text) {}

  public static void main(String[] args) {
    System.err.println("wordcount (Java) ready, pid " + ProcessHandle.current().pid());
    Handler.serve(Text.class, data -> {
      if (data.text() == null) {
        throw new IllegalArgumentException("wordcount: task_data.text must be a string");
      }
      return count(data.text());
    });
  }

  static Map<String, Object> count(String text) {
    Map<String, Object> counts = new LinkedHashMap<>();
    long words = 0;
    int i = 0;
    while (i < text.length()) {
      if (!isLetter(text.charAt(i))) {
        i++;
        continue;
      }
      int start = i;
      while (i < text.length() && isLetter(text.charAt(i))) {
        i++;
      }
      String word = text.substring(start, i).toLowerCase(java.util.Locale.ROOT);
      counts.merge(word, 1L, (a, b) -> (Long) a + (Long) b);
      words++;
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("words", words);
    result.put("counts", counts);
    return result;
  }

  private static boolean isLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }
}

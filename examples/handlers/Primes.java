import dev.taskdaemon.handler.Handler;
import dev.taskdaemon.handler.RetryableException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The "primes" handler of the quick-start example: counts the primes in a range with a sieve.
 *
 * <p>A single-file program written with the handler SDK ({@code taskdaemon-handler}), run with no build
 * step as {@code java @target/handler-classpath.args handlers/Primes.java} (the @-file, written by the
 * examples' build, puts the SDK and Jackson on the class path).
 *
 * <pre>
 * request:  {"task_id":"...","task_type":"primes","task_data":{"from":0,"to":100},"attempt":1}
 * response: {"task_id":"...","status":"success","result":{"from":0,"to":100,"count":25,"largest":97}}
 * </pre>
 *
 * <p>{@code from} is included and {@code to} is not. {@code largest} is null when the range holds no
 * prime. A task with {@code "flaky": true} fails its first attempt with a retryable error, so the
 * example shows retries at work.
 */
public class Primes {
  /** Ranges this wide take a few megabytes; wider ones should be split into more tasks. */
  static final long MAX_WIDTH = 50_000_000;
  static final long MAX_TO = 4_000_000_000_000L;

  /** A task's data. */
  record Range(Long from, Long to, boolean flaky) {}

  public static void main(String[] args) {
    System.err.println("primes (Java) ready, pid " + ProcessHandle.current().pid());
    Handler.serve(task -> {
      Range range = task.data(Range.class);
      if (range == null || range.from() == null || range.to() == null) {
        throw new IllegalArgumentException("primes: task_data needs integers from and to");
      }
      long from = range.from();
      long to = range.to();
      if (from < 0 || to < from || to > MAX_TO || to - from > MAX_WIDTH) {
        // Bad input stays bad on a retry: an ordinary exception answers a non-retryable error.
        throw new IllegalArgumentException("primes: need 0 <= from <= to <= " + MAX_TO + " and to - from <= "
            + MAX_WIDTH + ", got from=" + from + ", to=" + to);
      }
      if (range.flaky() && task.attempt() == 1) {
        System.err.println("primes: failing the first attempt of flaky task " + task.taskId());
        throw new RetryableException("simulated transient failure (the task asked for one on its first attempt)");
      }
      return sieve(from, to);
    });
  }

  /** Counts the primes p with from <= p < to: a segmented sieve of Eratosthenes. */
  static Map<String, Object> sieve(long from, long to) {
    int root = (int) Math.sqrt((double) to) + 1;
    boolean[] smallComposite = new boolean[root + 1];
    boolean[] composite = new boolean[(int) (to - from)];
    for (int p = 2; (long) p * p < to; p++) {
      if (smallComposite[p]) {
        continue;
      }
      for (long m = (long) p * p; m <= root; m += p) {
        smallComposite[(int) m] = true;
      }
      long first = Math.max((long) p * p, (from + p - 1) / p * p);
      for (long m = first; m < to; m += p) {
        composite[(int) (m - from)] = true;
      }
    }
    long count = 0;
    Long largest = null;
    for (long n = Math.max(from, 2); n < to; n++) {
      if (!composite[(int) (n - from)]) {
        count++;
        largest = n;
      }
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("from", from);
    result.put("to", to);
    result.put("count", count);
    result.put("largest", largest);
    return result;
  }
}

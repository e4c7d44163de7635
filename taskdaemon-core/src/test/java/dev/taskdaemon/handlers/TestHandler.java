package dev.taskdaemon.handlers;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real handler process for the engine's tests, driven by its task data and its arguments.
 * JDK only; runs as {@code java TestHandler.java} or from compiled classes.
 *
 * <p>Task data {@code {"op": "...", ...}} chooses the behaviour; see {@link #handle}. Arguments change
 * the whole process: {@code --start-delay MS}, {@code --exit-at-start CODE}, {@code --ignore-eof},
 * {@code --banner}.
 */
public final class TestHandler {
  private static final OutputStream OUT = new FileOutputStream(FileDescriptor.out);
  private static final Pattern ID = Pattern.compile("\"task_id\":\"([^\"]*)\"");
  private static final Pattern ATTEMPT = Pattern.compile(",\"attempt\":(\\d+)}$");

  private TestHandler() {}

  public static void main(String[] args) throws Exception {
    boolean ignoreEof = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--start-delay":
          Thread.sleep(Long.parseLong(args[++i]));
          break;
        case "--exit-at-start":
          System.err.println("fatal: cannot start: configuration missing (exit at start)");
          System.exit(Integer.parseInt(args[++i]));
          break;
        case "--ignore-eof":
          ignoreEof = true;
          break;
        case "--banner":
          out("TestHandler v1 starting up\n{\"event\":\"ready\"}\n", true);
          break;
        default:
          throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      handle(line);
    }
    if (ignoreEof) {
      System.err.println("stdin closed, ignoring it");
      while (true) {
        Thread.sleep(60_000);
      }
    }
  }

  private static void handle(String line) throws Exception {
    Matcher idm = ID.matcher(line);
    Matcher am = ATTEMPT.matcher(line);
    if (!idm.find() || !am.find()) {
      System.err.println("not a request: " + line);
      return;
    }
    String id = idm.group(1);
    int attempt = Integer.parseInt(am.group(1));
    int start = line.indexOf("\"task_data\":") + "\"task_data\":".length();
    String data = line.substring(start, am.start());
    String op = str(data, "op", "echo");
    String echo = "{\"status\":\"success\",\"result\":{\"task_id\":\"" + id + "\",\"attempt\":" + attempt
        + ",\"pid\":" + ProcessHandle.current().pid() + ",\"data\":" + data + "}}\n";
    switch (op) {
      case "echo":
        out(echo, true);
        break;
      case "sleep":
        Thread.sleep(num(data, "ms", 100));
        out(echo, true);
        break;
      case "error":
        out("{\"status\":\"error\",\"error\":\"" + str(data, "message", "failed") + "\",\"retryable\":"
            + str(data, "retryable", "false") + "}\n", true);
        break;
      case "fail-until": // retryable error until the given attempt, then success
        if (attempt < num(data, "attempt", 2)) {
          out("{\"status\":\"error\",\"error\":\"not yet (attempt " + attempt + ")\",\"retryable\":true}\n", true);
        } else {
          out(echo, true);
        }
        break;
      case "crash-until": // die until the given attempt, then success
        if (attempt < num(data, "attempt", 2)) {
          System.err.println("about to crash on attempt " + attempt);
          System.exit(3);
        }
        out(echo, true);
        break;
      case "crash":
        System.err.println("boom: crashing on purpose with code " + num(data, "code", 3));
        System.exit((int) num(data, "code", 3));
        break;
      case "hang":
        System.err.println("hanging now");
        Thread.sleep(Long.MAX_VALUE);
        break;
      case "stderr": { // megabytes to stderr before answering
        long bytes = num(data, "bytes", 4 << 20);
        byte[] chunk = ("x".repeat(99) + "\n").getBytes(StandardCharsets.US_ASCII);
        for (long n = 0; n < bytes; n += chunk.length) {
          System.err.write(chunk, 0, chunk.length);
        }
        System.err.flush();
        out(echo, true);
        break;
      }
      case "noise":
        out("Loading model...\n", true);
        out("{\"progress\":0.5}\n", true);
        out("[1,2,3]\n", true);
        out("{\"status\":\"working\"}\n", true);
        out("\"just a string\"\n", true);
        out("\n", true);
        out(echo, true);
        break;
      case "big": { // a large result written in many small pieces
        long size = num(data, "size", 1 << 20);
        int piece = (int) num(data, "piece", 4096);
        out("{\"status\":\"success\",\"result\":{\"task_id\":\"" + id + "\",\"size\":" + size + ",\"blob\":\"", true);
        byte[] p = "a".repeat(piece).getBytes(StandardCharsets.US_ASCII);
        long left = size;
        while (left > 0) {
          int n = (int) Math.min(left, piece);
          OUT.write(p, 0, n);
          OUT.flush();
          left -= n;
        }
        out("\"}}\n", true);
        break;
      }
      case "noflush": { // the answer stays in a buffer that is never flushed
        OutputStream buffered = new java.io.BufferedOutputStream(OUT, 1 << 16);
        buffered.write(echo.getBytes(StandardCharsets.UTF_8));
        Thread.sleep(Long.MAX_VALUE);
        break;
      }
      case "twice":
        out(echo + echo, true);
        break;
      case "late-second": // answers, then answers again a little later while idle
        out(echo, true);
        Thread.sleep(num(data, "ms", 200));
        out(echo, true);
        break;
      case "bad-bytes": {
        byte[] head = ("{\"status\":\"success\",\"result\":{\"task_id\":\"" + id + "\",\"text\":\"bad ")
            .getBytes(StandardCharsets.UTF_8);
        byte[] tail = " end\"}}\n".getBytes(StandardCharsets.UTF_8);
        OUT.write(head);
        OUT.write(new byte[] {(byte) 0xC3, (byte) 0x28, 0x00, (byte) 0xFF});
        OUT.write(tail);
        OUT.flush();
        break;
      }
      case "env": { // reports an environment variable and the working directory
        String value = System.getenv(str(data, "name", "HOME"));
        out("{\"status\":\"success\",\"result\":{\"value\":" + (value == null ? "null" : "\"" + value + "\"")
            + ",\"cwd\":\"" + System.getProperty("user.dir") + "\",\"instance\":\""
            + System.getenv("TASKDAEMON_INSTANCE") + "\"}}\n", true);
        break;
      }
      case "raw": // writes the given line verbatim (in "line"), for codec tests
        out(unescape(str(data, "line", "")) + "\n", true);
        break;
      case "chaos": {
        double r = ThreadLocalRandom.current().nextDouble();
        double crash = dbl(data, "crash", 0.01);
        double hang = dbl(data, "hang", 0.01);
        if (r < crash) {
          System.err.println("chaos: crash");
          System.exit(7);
        } else if (r < crash + hang) {
          System.err.println("chaos: hang");
          Thread.sleep(Long.MAX_VALUE);
        }
        out(echo, true);
        break;
      }
      default:
        out("{\"status\":\"error\",\"error\":\"unknown op " + op + "\",\"retryable\":false}\n", true);
    }
  }

  private static void out(String s, boolean flush) throws IOException {
    OUT.write(s.getBytes(StandardCharsets.UTF_8));
    if (flush) {
      OUT.flush();
    }
  }

  private static String str(String json, String key, String def) {
    Matcher m = Pattern.compile("\"" + key + "\":(?:\"((?:[^\"\\\\]|\\\\.)*)\"|(true|false|-?[0-9.]+))").matcher(json);
    if (!m.find()) {
      return def;
    }
    return m.group(1) != null ? m.group(1) : m.group(2);
  }

  private static long num(String json, String key, long def) {
    return Long.parseLong(str(json, key, String.valueOf(def)));
  }

  private static double dbl(String json, String key, double def) {
    return Double.parseDouble(str(json, key, String.valueOf(def)));
  }

  private static String unescape(String s) {
    return s.replace("\\\"", "\"").replace("\\\\", "\\");
  }
}

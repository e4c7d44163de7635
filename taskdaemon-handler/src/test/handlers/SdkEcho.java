import com.fasterxml.jackson.databind.JsonNode;
import dev.taskdaemon.handler.Handler;
import dev.taskdaemon.handler.RetryableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An echo handler written with the SDK, run by the tests as a user runs one: a single-file program,
 * {@code java -cp <sdk>:<jackson> SdkEcho.java [close-marker-file [--slow-close]]}. Its data can ask it to fail.
 */
public class SdkEcho {
  public static void main(String[] args) {
    Path marker = args.length > 0 ? Path.of(args[0]) : null;
    boolean slowClose = args.length > 1 && args[1].equals("--slow-close");
    // A thread the function left running: the instance must still exit when stdin closes.
    Thread straggler = new Thread(() -> {
      try {
        Thread.sleep(600_000);
      } catch (InterruptedException e) {
        // ends
      }
    }, "straggler");
    straggler.start();
    Handler.of(task -> {
      JsonNode d = task.data();
      System.out.println("print from the function: " + d);
      if (d.has("fail")) {
        throw new IllegalStateException(d.get("fail").asText());
      }
      if (d.has("retry")) {
        throw new RetryableException(d.get("retry").asText());
      }
      if (d.has("oom")) {
        List<long[]> hog = new ArrayList<>();
        while (true) {
          hog.add(new long[1 << 20]);
        }
      }
      return d;
    }).onClose(() -> {
      System.err.println("closing");
      if (slowClose) {
        Thread.sleep(1000);
      }
      if (marker != null) {
        Files.writeString(marker, "closed");
      }
    }).serve();
  }
}

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * An echo handler without the SDK that breaks one rule of the protocol, chosen by its argument, so
 * that the conformance suite's tests see each check fail: unflushed, platform-charset, banner,
 * no-task-id, wrong-task-id, twice, exit-3; "good" breaks none.
 */
public class BadHandler {
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    ObjectMapper json = new ObjectMapper();
    Charset charset = mode.equals("platform-charset") ? Charset.defaultCharset() : StandardCharsets.UTF_8;
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, charset));
    OutputStream raw = new FileOutputStream(FileDescriptor.out);
    PrintStream out = new PrintStream(mode.equals("unflushed") ? new BufferedOutputStream(raw, 1 << 20) : raw,
        false, charset);
    if (mode.equals("banner")) {
      out.print("handler starting\n");
      out.flush();
    }
    for (String line; (line = in.readLine()) != null; ) {
      JsonNode request = json.readTree(line);
      ObjectNode response = json.createObjectNode();
      if (!mode.equals("no-task-id")) {
        response.put("task_id", mode.equals("wrong-task-id") ? "not-the-request's" : request.get("task_id").asText());
      }
      response.put("status", "success");
      response.set("result", request.get("task_data"));
      out.print(response + "\n");
      if (mode.equals("twice")) {
        out.print(response + "\n");
      }
      if (!mode.equals("unflushed")) {
        out.flush();
      }
    }
    out.flush();
    System.exit(mode.equals("exit-3") ? 3 : 0);
  }
}

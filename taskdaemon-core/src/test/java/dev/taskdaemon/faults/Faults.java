package dev.taskdaemon.faults;

import dev.taskdaemon.Result;
import dev.taskdaemon.handlers.TestHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** Helpers shared by the failure-mode tests. */
final class Faults {
  private Faults() {}

  static Result get(CompletableFuture<Result> f) throws Exception {
    return f.get(60, TimeUnit.SECONDS);
  }

  /** Live test-handler processes started by this JVM. */
  static List<ProcessHandle> handlerProcesses() {
    return ProcessHandle.current().descendants()
        .filter(p -> p.info().arguments().map(a -> List.of(a).contains(TestHandler.class.getName())).orElse(false))
        .collect(Collectors.toList());
  }

  /** The test log (slf4j-simple writes there; see simplelogger.properties). */
  static String log() throws IOException {
    return Files.readString(Path.of("target/test.log"), StandardCharsets.UTF_8);
  }

  static Path resource(String name) {
    try {
      return Path.of(Faults.class.getResource("/" + name).toURI());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

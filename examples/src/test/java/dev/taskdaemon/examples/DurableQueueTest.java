package dev.taskdaemon.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durable example as a user runs it: started, killed with {@code kill -9} once some results are
 * in, started again on the same file — which finds every result, and stored none of the tasks twice.
 */
class DurableQueueTest {
  /**
   * Enough tasks that the first run is still busy when the test has seen five results: with 40, the
   * whole run (a millisecond or so per task) could end between two polls, and the kill found no run.
   */
  private static final int TASKS = 400;

  @TempDir
  Path tmp;

  private ProcessBuilder example(Path store, Path out, Path err) {
    return new ProcessBuilder(Repo.java(), "-cp", Repo.runtimeClasspath(), DurableQueue.class.getName(),
        store.toString(), Integer.toString(TASKS))
        .directory(Repo.root().toFile())
        .redirectOutput(out.toFile())
        .redirectError(err.toFile());
  }

  @Test
  void killedHalfwayAndRunAgain_findsEveryResult() throws Exception {
    Path store = tmp.resolve("queue.db");
    Path err1 = tmp.resolve("run1.err");
    Process first = example(store, tmp.resolve("run1.out"), err1).start();
    try {
      Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(10)).until(() ->
          !first.isAlive() || (Files.exists(err1) && Files.readString(err1).lines()
              .filter(l -> l.startsWith("primes-")).count() >= 5));
      assertThat(first.isAlive()).as("the first run is still working: %s", Files.readString(err1)).isTrue();
    } finally {
      first.destroyForcibly();
      first.waitFor();
    }
    Path out2 = tmp.resolve("run2.out");
    Process second = example(store, out2, tmp.resolve("run2.err")).start();
    assertThat(second.waitFor(3, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
    assertThat(second.exitValue()).as(Files.readString(tmp.resolve("run2.err"))).isZero();
    // 400 ranges of 100,000: the primes below 40,000,000.
    assertThat(Files.readString(out2).strip())
        .isEqualTo("2433654 primes below 40000000; 400 of 400 tasks were stored by an earlier run");
    List<String> lines = Files.readAllLines(tmp.resolve("run2.err"));
    assertThat(lines.stream().filter(l -> l.startsWith("primes-"))).hasSize(TASKS);
  }

  /** README step 6: its Java lines are DurableQueue's own, and its command runs DurableQueue. */
  @Test
  void readmeStep6_showsTheExamplesOwnLines_andRunsIt() throws Exception {
    Readme readme = Readme.load();
    String source = Files.readString(Repo.examples().resolve("src/main/java/dev/taskdaemon/examples/DurableQueue.java"));
    for (String line : readme.codeBlock("host-durable").text.strip().split("\n")) {
      assertThat(source).as("README line in DurableQueue.java").contains(line.strip());
    }
    String command = readme.codeBlock("run-durable").text.strip();
    assertThat(command).isEqualTo("mvn -B -q -pl examples -am package -DskipTests -Prun-durable");
    String pom = Files.readString(Repo.examples().resolve("pom.xml"));
    assertThat(pom).contains("<id>run-durable</id>").contains("<mainClass>dev.taskdaemon.examples.DurableQueue</mainClass>");
  }
}

package dev.taskdaemon.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PipeTest {

  @Test
  void bytesWrittenAreReadInOrder_thenEndOfFileAfterWriterCloses() throws IOException {
    Pipe p = new Pipe("t", 8);
    p.sink().write("hello".getBytes(StandardCharsets.UTF_8));
    p.closeWriter();
    assertThat(new String(p.source().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello");
    assertThat(p.source().read()).isEqualTo(-1);
  }

  @Test
  void aWriteLargerThanTheCapacityBlocksUntilReadAndArrivesWhole() throws Exception {
    Pipe p = new Pipe("t", 16);
    byte[] big = new byte[100_000];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) i;
    }
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
      try {
        p.sink().write(big);
        p.closeWriter();
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    byte[] read = p.source().readAllBytes();
    writer.get(10, TimeUnit.SECONDS);
    assertThat(read).isEqualTo(big);
  }

  @Test
  void closingTheReaderFailsTheWriter_evenOneBlockedOnAFullPipe() throws Exception {
    Pipe p = new Pipe("resize-0 stdin", 4);
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
      try {
        p.sink().write(new byte[10]);
      } catch (IOException e) {
        throw new RuntimeException(e.getMessage(), e);
      }
    });
    // The writer fills the pipe and blocks; wait until it has.
    org.awaitility.Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> p.source().available() == 4);
    p.closeReader();
    assertThatThrownBy(() -> writer.get(5, TimeUnit.SECONDS))
        .hasRootCauseMessage("resize-0 stdin: broken pipe (the reading end is closed)");
    assertThatThrownBy(() -> p.sink().write(1)).hasMessage("resize-0 stdin: broken pipe (the reading end is closed)");
  }

  @Test
  void closingTheWriterWakesABlockedReaderWithEndOfFile() throws Exception {
    Pipe p = new Pipe("t", 4);
    InputStream in = p.source();
    CompletableFuture<Integer> reader = CompletableFuture.supplyAsync(() -> {
      try {
        return in.read();
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    p.closeWriter();
    assertThat(reader.get(5, TimeUnit.SECONDS)).isEqualTo(-1);
  }

  @Test
  void readingAfterTheReaderClosedFails() {
    Pipe p = new Pipe("resize-0 stdout", 4);
    p.closeReader();
    assertThatThrownBy(() -> p.source().read()).hasMessage("resize-0 stdout: stream closed");
  }
}

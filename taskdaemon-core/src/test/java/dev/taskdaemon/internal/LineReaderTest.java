package dev.taskdaemon.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LineReaderTest {

  /** Hands out at most {@code piece} bytes per read, as a pipe under load does. */
  static final class Trickle extends InputStream {
    private final InputStream in;
    private final int piece;

    Trickle(byte[] data, int piece) {
      this.in = new ByteArrayInputStream(data);
      this.piece = piece;
    }

    @Override
    public int read() throws IOException {
      return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return in.read(b, off, Math.min(len, piece));
    }
  }

  private static String next(LineReader r) throws IOException {
    int n = r.readLine();
    if (n < 0) {
      return n == LineReader.EOF ? "<EOF>" : "<TOO_LONG>";
    }
    return new String(r.buffer(), r.lineStart(), n, StandardCharsets.UTF_8);
  }

  @Test
  void linesArrivingOneByteAtATime_areReassembled() throws IOException {
    LineReader r = new LineReader(new Trickle("first\r\nsecond\n\nlast".getBytes(StandardCharsets.UTF_8), 1), 1024);
    assertThat(next(r)).isEqualTo("first");
    assertThat(next(r)).isEqualTo("second");
    assertThat(next(r)).isEqualTo("");
    assertThat(next(r)).isEqualTo("last");
    assertThat(next(r)).isEqualTo("<EOF>");
  }

  @Test
  void aLineOverTheMaximum_isDroppedWithoutHoldingIt_andReadingGoesOn() throws IOException {
    int max = 100_000;
    byte[] big = new byte[5_000_000];
    java.util.Arrays.fill(big, (byte) 'a');
    byte[] data = new byte[big.length + 1 + 3];
    System.arraycopy(big, 0, data, 0, big.length);
    data[big.length] = '\n';
    data[big.length + 1] = 'o';
    data[big.length + 2] = 'k';
    data[big.length + 3] = '\n';
    LineReader r = new LineReader(new Trickle(data, 8192), max);
    assertThat(next(r)).isEqualTo("<TOO_LONG>");
    assertThat(r.buffer().length).isLessThanOrEqualTo(max + 64 * 1024);
    assertThat(next(r)).isEqualTo("ok");
    assertThat(next(r)).isEqualTo("<EOF>");
  }

  @Test
  void aTwentyMegabyteLine_underTheMaximum_isReturnedWhole() throws IOException {
    byte[] data = new byte[20 * 1024 * 1024 + 1];
    java.util.Arrays.fill(data, (byte) 'z');
    data[data.length - 1] = '\n';
    LineReader r = new LineReader(new Trickle(data, 4096), 64 * 1024 * 1024);
    assertThat(r.readLine()).isEqualTo(20 * 1024 * 1024);
    assertThat(r.readLine()).isEqualTo(LineReader.EOF);
  }

  /**
   * An instance answering one large line after another: the first grows the buffer by doubling, the
   * next ones get one buffer of the size the last needed (doubling to 2 MiB again would copy the line
   * ten times); in between the buffer shrinks back, so an idle instance keeps nothing big.
   */
  @Test
  void largeLinesOneAfterAnother_growTheBufferOnceToTheSizeTheLastNeeded() throws IOException {
    int mb = 1024 * 1024;
    // As a pipe delivers answers to one request after another: each read ends at most at a line's end.
    java.util.ArrayDeque<byte[]> answers = new java.util.ArrayDeque<>();
    for (char c : new char[] {'a', 'b', 'c'}) {
      byte[] line = new byte[mb + 1];
      java.util.Arrays.fill(line, (byte) c);
      line[mb] = '\n';
      answers.add(line);
      answers.add("ok\n".getBytes(StandardCharsets.UTF_8));
    }
    InputStream pipe = new InputStream() {
      private int at;

      @Override
      public int read() {
        throw new UnsupportedOperationException();
      }

      @Override
      public int read(byte[] b, int off, int len) {
        byte[] head = answers.peek();
        if (head == null) {
          return -1;
        }
        int n = Math.min(Math.min(len, 64 * 1024), head.length - at);
        System.arraycopy(head, at, b, off, n);
        at += n;
        if (at == head.length) {
          answers.poll();
          at = 0;
        }
        return n;
      }
    };
    LineReader r = new LineReader(pipe, 64 * mb);
    assertThat(r.readLine()).isEqualTo(mb);
    assertThat(r.buffer()[r.lineStart()]).isEqualTo((byte) 'a');
    assertThat(r.buffer().length).isEqualTo(2 * mb); // the first big line: doubling from 4 KiB
    assertThat(next(r)).isEqualTo("ok");
    assertThat(r.readLine()).isEqualTo(mb);
    assertThat(r.buffer()[r.lineStart() + mb - 1]).isEqualTo((byte) 'b');
    assertThat(r.buffer().length).isEqualTo(mb + 64 * 1024);
    assertThat(next(r)).isEqualTo("ok");
    assertThat(r.readLine()).isEqualTo(mb);
    assertThat(r.buffer().length).isEqualTo(mb + 64 * 1024);
    assertThat(next(r)).isEqualTo("ok");
    assertThat(next(r)).isEqualTo("<EOF>");
    assertThat(r.buffer().length).isLessThanOrEqualTo(64 * 1024);
  }
}

package dev.taskdaemon.docker.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the answers of every container's wait request on one thread, through a selector: a thread
 * per container that only waits for its end would cost each instance a stack. An answer is
 * complete when the engine closes the connection; its exit code is its {@code StatusCode}.
 */
final class ExitWatcher {
  private static final Logger LOG = LoggerFactory.getLogger(ExitWatcher.class);
  private static final Pattern STATUS = Pattern.compile("\"StatusCode\"\\s*:\\s*(-?[0-9]+)");
  /** A wait answer is a few dozen bytes; anything beyond this is not one. */
  private static final int MAX_ANSWER = 64 * 1024;
  private static final ExitWatcher INSTANCE = new ExitWatcher();

  private final ConcurrentLinkedQueue<Watch> added = new ConcurrentLinkedQueue<>();
  private volatile Selector selector;

  /** Called with the exit code, or with null and the reason when the answer had none. */
  private record Watch(SocketChannel channel, StringBuilder answer, BiConsumer<Integer, String> done) {}

  static ExitWatcher get() {
    return INSTANCE;
  }

  /**
   * Watches {@code channel} (a wait request whose headers were read) until the engine closes it.
   *
   * @param already body bytes that were read together with the headers
   */
  void watch(SocketChannel channel, byte[] already, BiConsumer<Integer, String> done) throws IOException {
    channel.configureBlocking(false);
    added.add(new Watch(channel, new StringBuilder(new String(already, StandardCharsets.ISO_8859_1)), done));
    selector().wakeup();
  }

  private synchronized Selector selector() throws IOException {
    if (selector == null) {
      selector = Selector.open();
      Thread t = new Thread(this::loop, "td-docker-exit-watcher");
      t.setDaemon(true);
      t.start();
    }
    return selector;
  }

  private void loop() {
    ByteBuffer buf = ByteBuffer.allocate(4096);
    while (true) {
      try {
        Selector sel = selector;
        for (Watch w; (w = added.poll()) != null; ) {
          try {
            w.channel().register(sel, SelectionKey.OP_READ, w);
          } catch (IOException | RuntimeException e) {
            finish(w, null, "the wait connection could not be watched (" + e + ")");
          }
        }
        sel.select();
        Iterator<SelectionKey> it = sel.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey k = it.next();
          it.remove();
          Watch w = (Watch) k.attachment();
          int n;
          try {
            buf.clear();
            n = w.channel().read(buf);
          } catch (IOException e) {
            k.cancel();
            finish(w, null, "the connection waiting for the container's end broke (" + e.getMessage() + ")");
            continue;
          }
          if (n > 0 && w.answer().length() < MAX_ANSWER) {
            w.answer().append(new String(buf.array(), 0, n, StandardCharsets.ISO_8859_1));
          }
          if (n < 0) {
            k.cancel();
            Matcher m = STATUS.matcher(w.answer());
            if (m.find()) {
              finish(w, Integer.parseInt(m.group(1)), null);
            } else {
              finish(w, null, w.answer().length() == 0
                  ? "the connection waiting for the container's end closed without an answer"
                  : "the engine's wait answer had no exit code: " + EngineApi.shorten(w.answer().toString()));
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        // Never let the one watcher thread die: every instance's exit depends on it.
        LOG.error("the docker exit watcher failed; continuing", e);
      }
    }
  }

  private static void finish(Watch w, Integer code, String why) {
    try {
      w.channel().close();
    } catch (IOException ignored) {
      // closing is all that was asked
    }
    try {
      w.done().accept(code, why);
    } catch (RuntimeException e) {
      LOG.error("an exit callback failed", e);
    }
  }
}

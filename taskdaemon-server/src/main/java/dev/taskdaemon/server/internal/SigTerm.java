package dev.taskdaemon.server.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an orderly stop on SIGTERM and SIGINT, then exits with 0.
 *
 * <p>Why a signal handler and not a shutdown hook: on SIGTERM the JVM runs every shutdown hook at
 * once, among them the engine's own, which stops the daemon without draining (the right thing for a
 * host that is going away unasked). A hook of ours would race it, and a running task could fail. A
 * hook also cannot set the exit code (the JVM exits 143), only {@code halt}, which would cut other
 * hooks short. Taking the signal itself ({@code sun.misc.Signal}, in the {@code jdk.unsupported}
 * module every JDK ships) means no hook runs until the drain is over; {@code System.exit(0)} then runs
 * them with nothing left to do.
 *
 * <p>Reached by reflection because {@code javac} warns about {@code sun.misc} in a way no annotation
 * silences, and the build treats warnings as errors. Without the class (a trimmed runtime), a
 * shutdown hook that stops the server and then halts with 0 is the fallback.
 */
public final class SigTerm {
  private static final Logger LOG = LoggerFactory.getLogger(SigTerm.class);

  private SigTerm() {}

  /**
   * Calls {@code stop} on a new thread at the first SIGTERM or SIGINT, then {@code System.exit(0)};
   * a second signal during the stop is logged and otherwise ignored.
   */
  public static void onTerm(Runnable stop) {
    Thread stopper = new Thread(() -> {
      try {
        stop.run();
      } catch (RuntimeException | Error e) {
        LOG.error("stopping failed", e);
      }
      System.exit(0);
    }, "td-server-stop");
    Object lock = new Object();
    boolean[] started = {false};
    Runnable once = () -> {
      synchronized (lock) {
        if (started[0]) {
          LOG.info("already stopping; waiting for the drain to finish");
          return;
        }
        started[0] = true;
      }
      stopper.start();
    };
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handler = Class.forName("sun.misc.SignalHandler");
      InvocationHandler ih = (Object proxy, Method m, Object[] args) -> {
        if ("handle".equals(m.getName())) {
          LOG.info("received SIG{}: stopping", args[0] == null ? "?" : signal.getMethod("getName").invoke(args[0]));
          once.run();
          return null;
        }
        if ("toString".equals(m.getName())) {
          return "taskdaemon-server signal handler";
        }
        if ("hashCode".equals(m.getName())) {
          return System.identityHashCode(proxy);
        }
        if ("equals".equals(m.getName())) {
          return proxy == args[0];
        }
        return null;
      };
      Object h = Proxy.newProxyInstance(SigTerm.class.getClassLoader(), new Class<?>[] {handler}, ih);
      Method handle = signal.getMethod("handle", signal, handler);
      for (String name : new String[] {"TERM", "INT"}) {
        handle.invoke(null, signal.getConstructor(String.class).newInstance(name), h);
      }
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      LOG.warn("cannot take SIGTERM directly ({}); stopping from a shutdown hook instead", e.toString());
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          stop.run();
        } finally {
          Runtime.getRuntime().halt(0);
        }
      }, "td-server-stop-hook"));
    }
  }
}

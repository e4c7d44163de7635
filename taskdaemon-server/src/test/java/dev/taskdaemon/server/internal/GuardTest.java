package dev.taskdaemon.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.Headers;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The Host rule for names other than the fixed ones: those that resolve to this machine. */
class GuardTest {
  private final AtomicInteger lookups = new AtomicInteger();

  private static InetAddress ip(String s) throws Exception {
    return InetAddress.getByName(s);
  }

  private static Headers host(String h) {
    Headers headers = new Headers();
    headers.add("Host", h);
    return headers;
  }

  private OwnNames names() throws Exception {
    Map<String, List<InetAddress>> dns = Map.of(
        "taskdaemon", List.of(ip("172.18.0.5")),
        "rebind.example", List.of(ip("127.0.0.1")),
        "elsewhere.example", List.of(ip("10.9.9.9")));
    Set<InetAddress> mine = Set.of(ip("127.0.0.1"), ip("172.18.0.5"));
    return new OwnNames(name -> {
      lookups.incrementAndGet();
      return dns.getOrDefault(name, List.of());
    }, () -> mine);
  }

  @Test
  void listeningBeyondLoopback_aNameOfThisMachinesAddressIsAnswered_aLoopbackOneIsNot() throws Exception {
    Guard g = new Guard("0.0.0.0", List.of(), null, names());
    g.check(host("taskdaemon:8080"), true);
    g.check(host("TaskDaemon"), true);
    for (String refused : List.of("rebind.example:8080", "elsewhere.example", "unknown.example")) {
      assertThatThrownBy(() -> g.check(host(refused), true)).isInstanceOfSatisfying(HttpError.class,
          e -> assertThat(e.status()).isEqualTo(403));
    }
    int before = lookups.get();
    for (int i = 0; i < 100; i++) {
      g.check(host("taskdaemon:8080"), true);
    }
    assertThat(lookups.get()).as("answers are cached").isEqualTo(before);
  }

  @Test
  void listeningOnLoopback_namesAreNotResolved() throws Exception {
    Guard g = new Guard("127.0.0.1", List.of(), null, names());
    assertThatThrownBy(() -> g.check(host("taskdaemon:8080"), true)).isInstanceOf(HttpError.class);
    assertThat(lookups.get()).isZero();
  }
}

package dev.taskdaemon.server.internal;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which host names are this machine's: those that resolve to one of its non-loopback addresses.
 * Answers are kept for a minute (and at most 1,024 of them), so a client cannot make the server
 * resolve a name per request, and a name that moves is seen again soon.
 */
class OwnNames {
  private static final long TTL_NANOS = 60_000_000_000L;
  private static final int MAX_CACHED = 1024;

  /** A name's addresses; empty when it does not resolve. */
  @FunctionalInterface
  interface Resolver {
    List<InetAddress> resolve(String name);
  }

  private record Answer(boolean own, long until) {}

  private final Resolver resolver;
  private final java.util.function.Supplier<Set<InetAddress>> addresses;
  private final ConcurrentHashMap<String, Answer> cache = new ConcurrentHashMap<>();
  private volatile Set<InetAddress> own;
  private volatile long ownUntil;

  OwnNames(Resolver resolver, java.util.function.Supplier<Set<InetAddress>> addresses) {
    this.resolver = resolver;
    this.addresses = addresses;
  }

  /** The system resolver and this machine's interfaces. */
  static OwnNames system() {
    return new OwnNames(name -> {
      try {
        return List.of(InetAddress.getAllByName(name));
      } catch (UnknownHostException e) {
        return List.of();
      }
    }, OwnNames::interfaceAddresses);
  }

  private static Set<InetAddress> interfaceAddresses() {
    Set<InetAddress> out = new HashSet<>();
    try {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        out.addAll(Collections.list(ni.getInetAddresses()));
      }
    } catch (SocketException e) {
      // no interfaces to list: no name counts as this machine's beyond the fixed ones
    }
    return out;
  }

  boolean isOwn(String name) {
    long now = System.nanoTime();
    Answer a = cache.get(name);
    if (a != null && now - a.until < 0) {
      return a.own;
    }
    Set<InetAddress> mine = ownAddresses(now);
    boolean yes = false;
    for (InetAddress addr : resolver.resolve(name)) {
      // Loopback does not count: a rebinding name points there, and 127.0.0.1 is every machine's.
      if (!addr.isLoopbackAddress() && !addr.isAnyLocalAddress() && mine.contains(addr)) {
        yes = true;
        break;
      }
    }
    if (cache.size() >= MAX_CACHED) {
      cache.clear();
    }
    cache.put(name, new Answer(yes, now + TTL_NANOS));
    return yes;
  }

  private Set<InetAddress> ownAddresses(long now) {
    Set<InetAddress> o = own;
    if (o == null || now - ownUntil >= 0) {
      o = Set.copyOf(addresses.get());
      own = o;
      ownUntil = now + TTL_NANOS;
    }
    return o;
  }
}

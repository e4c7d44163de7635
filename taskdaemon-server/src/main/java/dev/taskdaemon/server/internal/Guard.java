package dev.taskdaemon.server.internal;

import com.sun.net.httpserver.Headers;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Who may drive the server. Three checks, in this order:
 *
 * <ol>
 *   <li>{@code Host}: a web page whose own name resolves to this machine (DNS rebinding) sends its
 *       own name as {@code Host}. Only names that are this server's are answered: loopback names, IP
 *       literals (a page cannot be served under a numeric host other than the one it talks to), the
 *       listen address, this machine's host name, and {@code DAEMON_ALLOWED_HOSTS}. When the server
 *       listens beyond loopback (as in a container), also a name that resolves to one of this
 *       machine's non-loopback addresses: a compose service name, so that clients of the original
 *       keep working unchanged; a rebinding name points at 127.0.0.1, which does not count. The
 *       port is not compared: behind {@code docker run -p 9000:8080} clients rightly say 9000.
 *   <li>{@code Origin}: a browser names the page that sent a request; a page of another origin
 *       posting to {@code http://127.0.0.1:8080/queue} (CSRF) is refused. Allowed: the same host and
 *       port as the request's {@code Host}, or a host in {@code DAEMON_ALLOWED_HOSTS}. Clients other
 *       than browsers send no {@code Origin} and are not affected.
 *   <li>The bearer token, when one is set, on every route but {@code /health}; compared in constant
 *       time (digests of equal length compared with {@link MessageDigest#isEqual}).
 * </ol>
 */
final class Guard {
  private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

  private final Set<String> names = new LinkedHashSet<>();
  /** {@code DAEMON_ALLOWED_HOSTS}: allowed as {@code Host} and as the host of an {@code Origin}. */
  private final Set<String> explicit = new LinkedHashSet<>();
  private final boolean anyHost;
  private final byte[] tokenDigest;
  /** Resolves names of other hosts to this machine's addresses; null when listening on loopback only. */
  private final OwnNames ownNames;

  Guard(String listenHost, List<String> allowedHosts, String token) {
    this(listenHost, allowedHosts, token, OwnNames.system());
  }

  /** {@code ownNames} resolves names and lists this machine's addresses (tests give their own). */
  Guard(String listenHost, List<String> allowedHosts, String token, OwnNames ownNames) {
    anyHost = allowedHosts.contains("*");
    this.ownNames = loopbackOnly(listenHost) ? null : ownNames;
    names.add("localhost");
    names.add(normalize(listenHost));
    try {
      names.add(normalize(InetAddress.getLocalHost().getHostName()));
    } catch (Exception e) {
      // no resolvable host name: the loopback names and the allowed list still apply
    }
    for (String h : allowedHosts) {
      names.add(normalize(h));
      explicit.add(normalize(h));
    }
    tokenDigest = token == null ? null : digest("Bearer " + token);
  }

  /** Checks a request; throws the refusal. {@code guarded}: the route needs the token. */
  void check(Headers h, boolean guarded) {
    String host = h.getFirst("Host");
    if (host != null && !anyHost && !hostAllowed(hostOf(host))) {
      throw new HttpError(403, "Host '" + Json.shorten(host, 100) + "' is not this server's name; "
          + "add it to DAEMON_ALLOWED_HOSTS if clients reach the server under it");
    }
    String origin = h.getFirst("Origin");
    if (origin != null && !anyHost && !originAllowed(origin, host)) {
      throw new HttpError(403, "Origin '" + Json.shorten(origin, 100) + "' is not this server's; "
          + "requests from web pages of other origins are refused (add its host to DAEMON_ALLOWED_HOSTS to allow it)");
    }
    if (guarded && tokenDigest != null) {
      String auth = h.getFirst("Authorization");
      if (auth == null || !MessageDigest.isEqual(tokenDigest, digest(auth.trim()))) {
        throw new HttpError(401, auth == null ? "missing Authorization: Bearer <DAEMON_API_TOKEN>"
            : "wrong bearer token", "WWW-Authenticate", "Bearer");
      }
    }
  }

  private boolean hostAllowed(String host) {
    if (host == null) {
      return false;
    }
    return names.contains(host) || host.endsWith(".localhost") || IPV4.matcher(host).matches()
        || host.startsWith("[") || (ownNames != null && ownNames.isOwn(host));
  }

  private static boolean loopbackOnly(String listenHost) {
    String h = normalize(listenHost);
    return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("[::1]");
  }

  private boolean originAllowed(String origin, String hostHeader) {
    URI u;
    try {
      u = new URI(origin.trim());
    } catch (URISyntaxException e) {
      return false;
    }
    if (u.getHost() == null || u.getScheme() == null) {
      return false; // "null" (sandboxed pages, files) and other opaque origins
    }
    String oHost = normalize(u.getHost());
    if (explicit.contains(oHost)) {
      return true;
    }
    if (hostHeader == null) {
      return false;
    }
    int oPort = u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    String hHost = hostOf(hostHeader);
    int hPort = portOf(hostHeader);
    return oHost.equals(hHost) && oPort == (hPort != -1 ? hPort : 80);
  }

  /** The host part of a {@code Host} header value, lower case, without port or trailing dot. */
  static String hostOf(String hostHeader) {
    String h = hostHeader.trim();
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end < 0 ? null : h.substring(0, end + 1).toLowerCase(Locale.ROOT);
    }
    int colon = h.lastIndexOf(':');
    return normalize(colon >= 0 ? h.substring(0, colon) : h);
  }

  private static int portOf(String hostHeader) {
    String h = hostHeader.trim();
    int colon = h.lastIndexOf(':');
    if (colon < 0 || (h.startsWith("[") && colon < h.indexOf(']'))) {
      return -1;
    }
    try {
      return Integer.parseInt(h.substring(colon + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String normalize(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }

  private static byte[] digest(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}

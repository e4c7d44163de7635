package dev.taskdaemon.server.internal;

/**
 * A request the server refuses: the status and the message of its {@code {"error": "..."}} body.
 * Thrown by the parts of a route and turned into a response in one place, so that no refusal can
 * leave an exchange without an answer.
 */
final class HttpError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int status;
  /** An extra header such as {@code Allow} or {@code WWW-Authenticate}, or null. */
  final String header;
  final String headerValue;

  HttpError(int status, String message) {
    this(status, message, null, null);
  }

  HttpError(int status, String message, String header, String headerValue) {
    super(message, null, false, false);
    this.status = status;
    this.header = header;
    this.headerValue = headerValue;
  }

  /** The HTTP status. */
  int status() {
    return status;
  }
}

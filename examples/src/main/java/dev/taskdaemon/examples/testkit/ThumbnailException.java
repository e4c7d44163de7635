package dev.taskdaemon.examples.testkit;

/** A thumbnail could not be made; {@link #reason()} tells the caller what to do about it. */
public class ThumbnailException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why no thumbnail was made. */
  public enum Reason {
    /** The source cannot be made into a thumbnail (unsupported format, not found): do not retry. */
    REJECTED,
    /** The resizer failed, hung or was overloaded, even after retries: try again later. */
    UNAVAILABLE
  }

  private final Reason reason;

  /** A failure for {@code reason}; {@code cause} may be null. */
  public ThumbnailException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** Why no thumbnail was made. */
  public Reason reason() {
    return reason;
  }
}

package dev.taskdaemon.internal.config;

/**
 * A setter refused a value. Carries the key and what was expected separately so the TOML source can
 * put the file position and the dotted key in front.
 */
public final class InvalidValueException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final String value;
  private final String expected;

  /** {@code value} is quoted as TOML would write it, shortened when long. */
  public InvalidValueException(String key, Object value, String expected) {
    super(key + " = " + Render.value(value) + ": expected " + expected);
    this.key = key;
    this.value = Render.value(value);
    this.expected = expected;
  }

  /** The key as written in TOML; empty when the caller adds it. */
  public String key() {
    return key;
  }

  /** The refused value, rendered for a message. */
  public String value() {
    return value;
  }

  /** What was expected, without the word "expected". */
  public String expected() {
    return expected;
  }
}

package dev.taskdaemon.internal;

/**
 * A setter refused a value. Carries the key and what was expected separately so the TOML loader can
 * put the file position and the dotted key in front.
 */
public final class InvalidValueException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final String value;
  private final String expected;

  public InvalidValueException(String key, Object value, String expected) {
    super(key + " = " + Json.render(value) + ": expected " + expected);
    this.key = key;
    this.value = Json.render(value);
    this.expected = expected;
  }

  public String key() {
    return key;
  }

  public String value() {
    return value;
  }

  public String expected() {
    return expected;
  }
}

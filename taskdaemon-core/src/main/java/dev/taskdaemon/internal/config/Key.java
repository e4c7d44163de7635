package dev.taskdaemon.internal.config;

import dev.taskdaemon.HandlerSpec;
import java.util.function.BiConsumer;

/**
 * One configuration key: its TOML name, where it may be written, its {@link Kind} (type, bounds and
 * messages) and its default. Instances live in {@link Keys}, the one table every source and setter
 * reads.
 *
 * @param <T> the Java type of the value
 */
public final class Key<T> {
  /** Where a key may be written. */
  enum Scope {
    /** Only {@code [daemon]}. */
    DAEMON,
    /** Only {@code [handlers.NAME]}. */
    HANDLER,
    /** Both: the {@code [daemon]} value is the default of every handler. */
    BOTH,
    /** Not in TOML: set in code only (objects with no sensible text form). */
    CODE
  }

  final String name;
  final Scope scope;
  final Kind<T> kind;
  final T defaultValue;
  /** How a handler table's value reaches the handler's builder; null for keys a source combines itself. */
  final BiConsumer<HandlerSpec.Builder, T> toHandler;

  Key(String name, Scope scope, Kind<T> kind, T defaultValue, BiConsumer<HandlerSpec.Builder, T> toHandler) {
    this.name = name;
    this.scope = scope;
    this.kind = kind;
    this.defaultValue = defaultValue;
    this.toHandler = toHandler;
  }

  /** The key as written in TOML. */
  public String name() {
    return name;
  }

  /** The value used when no source sets one. */
  public T defaultValue() {
    return defaultValue;
  }

  /** Accepted in {@code [daemon]}. */
  boolean inDaemon() {
    return scope == Scope.DAEMON || scope == Scope.BOTH;
  }

  /** Accepted in {@code [handlers.NAME]}. */
  boolean inHandler() {
    return scope == Scope.HANDLER || scope == Scope.BOTH;
  }

  /**
   * Checks a value given in code, the same way its TOML form is checked.
   *
   * @throws InvalidValueException naming this key, the value and the rule
   */
  public T check(T value) {
    try {
      return kind.check(value);
    } catch (InvalidValueException e) {
      throw new InvalidValueException(name, value, e.expected());
    }
  }

  /** Converts and checks a TOML value; the exception's key is left for the caller to add. */
  T fromToml(Object value) {
    return kind.fromToml(value);
  }

  @Override
  public String toString() {
    return name;
  }
}

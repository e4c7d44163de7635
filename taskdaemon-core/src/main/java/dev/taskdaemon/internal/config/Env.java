package dev.taskdaemon.internal.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** The rules of the {@code env} key: names a shell could export, values a process can receive. */
public final class Env {
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  static final String TABLE = "a table of names to strings, such as { LOG_LEVEL = \"debug\" }";
  static final String NAME_RULE = "an environment variable name of letters, digits and '_', not starting with a digit";
  static final String VALUE_RULE = "a string without NUL (\\u0000) characters; an environment variable cannot hold one";

  static final Kind<Map<String, String>> KIND = new Kind<>(TABLE) {
    @Override
    Map<String, String> fromToml(Object v) {
      if (!(v instanceof Map<?, ?> t)) {
        throw bad(v, TABLE);
      }
      Map<String, String> out = new LinkedHashMap<>();
      t.forEach((k, x) -> out.put(String.valueOf(k), value(x)));
      return check(out);
    }

    @Override
    Map<String, String> check(Map<String, String> env) {
      if (env == null) {
        throw bad(null, TABLE);
      }
      env.forEach((k, val) -> {
        checkName(k);
        checkValue(val);
      });
      return env;
    }
  };

  private Env() {}

  /** Checks a variable name; the exception's value is the name. */
  public static String checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidValueException("env", name, NAME_RULE);
    }
    return name;
  }

  /** Checks a variable's value. */
  public static String checkValue(String value) {
    if (value == null || value.indexOf('\0') >= 0) {
      throw Kind.bad(value, VALUE_RULE);
    }
    return value;
  }

  /** A TOML value as the variable's text: strings as they are, numbers and booleans converted. */
  static String value(Object x) {
    if (!(x instanceof String || x instanceof Long || x instanceof Double || x instanceof Boolean)) {
      throw Kind.bad(x, "a string");
    }
    return checkValue(String.valueOf(x));
  }
}

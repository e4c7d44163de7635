package dev.taskdaemon.internal.config;

import dev.taskdaemon.HandlerSelection;
import dev.taskdaemon.QueueOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The type of a configuration key: how a TOML value becomes a Java value, which values are allowed,
 * and what the message says when one is not. A kind states its rule once; the TOML source and the
 * builder setters both go through it, so they refuse the same values with the same words.
 *
 * <p>{@code expected} is the short rule printed for a value of the wrong type or one below the
 * obvious bound; {@code rule} is the whole rule, printed when a value breaks a bound the short text
 * does not mention (a hidden maximum, a smallest duration), so a message never claims a value is
 * fine that is not.
 *
 * @param <T> the Java type of the value
 */
public abstract class Kind<T> {
  /** The longest duration any key accepts: 365 days. */
  public static final Duration MAX_DURATION = Duration.ofDays(365);
  /** The shortest non-zero duration any key accepts: 1 ms; below it timers cannot honour the value. */
  static final Duration MIN_DURATION = Duration.ofMillis(1);

  final String expected;

  Kind(String expected) {
    this.expected = expected;
  }

  /**
   * Converts a value as a source read it (String, Long, Double, Boolean, a TOML date or time, List
   * or Map of those) and checks it.
   */
  abstract T fromToml(Object value);

  /** Checks a value given in code; returns it. */
  abstract T check(T value);

  static InvalidValueException bad(Object value, String expected) {
    return new InvalidValueException("", value, expected);
  }

  /** Integers from {@code min} to {@code max}. */
  static Kind<Integer> integer(int min, int max, String expected, String rule) {
    return new Kind<>(expected) {
      @Override
      Integer fromToml(Object v) {
        if (v instanceof Long l) {
          if (l < min || l > max) {
            throw bad(v, l > max ? rule : expected);
          }
          return (int) (long) l;
        }
        throw bad(v, expected);
      }

      @Override
      Integer check(Integer v) {
        if (v == null || v < min || v > max) {
          throw bad(v, v != null && v > max ? rule : expected);
        }
        return v;
      }
    };
  }

  /** Seconds written as a TOML integer or float; {@code Duration} in code. */
  static Kind<Duration> seconds(boolean zeroOk) {
    String expected = zeroOk ? "a number of seconds, 0 or more" : "a positive number of seconds";
    String rule = (zeroOk ? "0, or a number of seconds" : "a number of seconds")
        + " from 0.001 (1 ms) to 31536000 (365 days)";
    return new Kind<>(expected) {
      @Override
      Duration fromToml(Object v) {
        double s;
        if (v instanceof Long l) {
          s = l;
        } else if (v instanceof Double d) {
          s = d;
        } else {
          throw bad(v, expected);
        }
        if (Double.isNaN(s) || s < 0 || (!zeroOk && s == 0)) {
          throw bad(v, expected);
        }
        if (s > MAX_DURATION.getSeconds() || (s > 0 && s < 0.001)) {
          throw bad(v, rule);
        }
        return Duration.ofNanos(Math.round(s * 1e9));
      }

      @Override
      Duration check(Duration d) {
        if (d == null || d.isNegative() || (!zeroOk && d.isZero())) {
          throw bad(d, expected);
        }
        if (d.compareTo(MAX_DURATION) > 0 || (!d.isZero() && d.compareTo(MIN_DURATION) < 0)) {
          throw bad(d, rule);
        }
        return d;
      }
    };
  }

  /** Seconds at most {@code max}; {@code 0} allowed. */
  static Kind<Duration> secondsUpTo(Duration max, String rule) {
    Kind<Duration> base = seconds(true);
    return new Kind<>(base.expected) {
      @Override
      Duration fromToml(Object v) {
        return limit(v, base.fromToml(v));
      }

      @Override
      Duration check(Duration d) {
        return limit(d, base.check(d));
      }

      private Duration limit(Object v, Duration d) {
        if (d.compareTo(max) > 0) {
          throw bad(v, rule);
        }
        return d;
      }
    };
  }

  /** A finite number in {@code [min, max]}. */
  static Kind<Double> number(double min, double max, String expected) {
    return new Kind<>(expected) {
      @Override
      Double fromToml(Object v) {
        if (v instanceof Long l) {
          return check(v, (double) l);
        }
        if (v instanceof Double d) {
          return check(v, d);
        }
        throw bad(v, expected);
      }

      @Override
      Double check(Double d) {
        return check(d, d);
      }

      private Double check(Object v, Double d) {
        if (d == null || !(d >= min && d <= max) || Double.isInfinite(d)) {
          throw bad(v, expected);
        }
        return d;
      }
    };
  }

  /** Any non-null object; set in code only, so there is no TOML form. */
  static <T> Kind<T> object(String expected) {
    return new Kind<>(expected) {
      @Override
      T fromToml(Object v) {
        throw bad(v, expected + ", set in code");
      }

      @Override
      T check(T v) {
        if (v == null) {
          throw bad(null, expected);
        }
        return v;
      }
    };
  }

  /** {@code true} or {@code false}. */
  static Kind<Boolean> bool() {
    return new Kind<>("true or false") {
      @Override
      Boolean fromToml(Object v) {
        if (v instanceof Boolean b) {
          return b;
        }
        throw bad(v, expected);
      }

      @Override
      Boolean check(Boolean v) {
        if (v == null) {
          throw bad(null, expected);
        }
        return v;
      }
    };
  }

  /**
   * A string; {@code problem} returns what was expected when the string is not acceptable, or null.
   * {@code numbersToo} also takes TOML integers, as their decimal text.
   */
  static Kind<String> string(String expected, Function<String, String> problem, boolean numbersToo) {
    return new Kind<>(expected) {
      @Override
      String fromToml(Object v) {
        if (v instanceof String s) {
          return check(s);
        }
        if (numbersToo && v instanceof Long l) {
          return check(String.valueOf(l));
        }
        throw bad(v, expected);
      }

      @Override
      String check(String s) {
        if (s == null) {
          throw bad(null, expected);
        }
        String p = problem.apply(s);
        if (p != null) {
          throw bad(s, p);
        }
        return s;
      }
    };
  }

  /** A string matching {@code ok}. */
  static Kind<String> string(String expected, Predicate<String> ok) {
    return string(expected, s -> ok.test(s) ? null : expected, false);
  }

  /** The queue order by its TOML name, in any letter case. */
  static Kind<QueueOrder> queueOrder() {
    String expected = "\"fifo\", \"lifo\" or \"priority\"";
    return new Kind<>(expected) {
      @Override
      QueueOrder fromToml(Object v) {
        QueueOrder o = v instanceof String s ? QueueOrder.fromConfigName(s) : null;
        if (o == null) {
          throw bad(v, expected);
        }
        return o;
      }

      @Override
      QueueOrder check(QueueOrder v) {
        if (v == null) {
          throw bad(null, expected);
        }
        return v;
      }
    };
  }

  /** A built-in selection strategy by its TOML name, in any letter case; any strategy in code. */
  static Kind<HandlerSelection> selection() {
    String expected = "\"round-robin\", \"first-available\" or \"random\"";
    return new Kind<>(expected) {
      @Override
      HandlerSelection fromToml(Object v) {
        HandlerSelection s = v instanceof String str ? HandlerSelection.named(str) : null;
        if (s == null) {
          throw bad(v, expected);
        }
        return s;
      }

      @Override
      HandlerSelection check(HandlerSelection v) {
        if (v == null) {
          throw bad(null, expected);
        }
        return v;
      }
    };
  }

  /** A non-empty list of strings, program first, none holding a NUL character. */
  static Kind<List<String>> command() {
    String expected = "an array of strings, program first, such as [\"java\", \"handlers/Echo.java\"]";
    return new Kind<>(expected) {
      @Override
      List<String> fromToml(Object v) {
        if (!(v instanceof List<?> a) || a.isEmpty()) {
          throw bad(v, expected);
        }
        List<String> out = new ArrayList<>();
        for (Object item : a) {
          if (!(item instanceof String s)) {
            throw bad(v, expected);
          }
          out.add(s);
        }
        return check(v, out);
      }

      @Override
      List<String> check(List<String> v) {
        return check(v, v);
      }

      private List<String> check(Object shown, List<String> v) {
        if (v == null || v.isEmpty() || v.get(0) == null || v.get(0).isBlank()) {
          throw bad(shown, "a non-empty array of strings, program first");
        }
        for (String s : v) {
          if (s == null) {
            throw bad(shown, "an array of strings, program first, without nulls");
          }
          if (s.indexOf('\0') >= 0) {
            throw bad(shown, "an array of strings without NUL (\\u0000) characters; a process argument"
                + " cannot hold one");
          }
        }
        return List.copyOf(v);
      }
    };
  }
}

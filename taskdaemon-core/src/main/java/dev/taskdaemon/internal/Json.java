package dev.taskdaemon.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;

/** The engine's shared, never-reconfigured {@link ObjectMapper}. */
public final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .findAndRegisterModules();

  private Json() {}

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Renders a configuration value the way it would be written in TOML, for error messages. */
  public static String render(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String s) {
      return '"' + s + '"';
    }
    if (value instanceof Map<?, ?> || value instanceof List<?>) {
      try {
        return MAPPER.writeValueAsString(value);
      } catch (JsonProcessingException e) {
        return String.valueOf(value);
      }
    }
    return String.valueOf(value);
  }
}

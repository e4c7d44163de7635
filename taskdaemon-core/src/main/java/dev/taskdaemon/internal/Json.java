package dev.taskdaemon.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.List;
import java.util.Map;

/** The engine's shared, never-reconfigured {@link ObjectMapper}s. */
public final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .findAndRegisterModules();

  /**
   * Reads what handlers write. A line is already bounded by max_line_bytes, so Jackson's own caps on
   * string and number length (20 million characters, 1000 digits) would only reject a legitimate large
   * result; nesting stays bounded (the parser recurses). Handlers in the wild emit raw control
   * characters (a NUL, a tab) inside strings: accept them rather than drop a real answer.
   */
  private static final ObjectMapper RESULTS = JsonMapper.builder(JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder()
              .maxStringLength(Integer.MAX_VALUE)
              .maxNumberLength(100_000)
              .maxNestingDepth(StreamReadConstraints.DEFAULT_MAX_DEPTH)
              .maxDocumentLength(-1)
              .build())
          .build())
      .enable(JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .findAndAddModules()
      .build();

  private Json() {}

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** The mapper for handler output: responses and the results they carry. */
  public static ObjectMapper results() {
    return RESULTS;
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

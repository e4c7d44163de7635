package dev.taskdaemon.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The engine's shared, never-reconfigured {@link ObjectMapper}. */
public final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .findAndRegisterModules();

  private Json() {}

  public static ObjectMapper mapper() {
    return MAPPER;
  }
}

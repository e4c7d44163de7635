package dev.taskdaemon;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import dev.taskdaemon.internal.JsonText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Task data its caller has already encoded as JSON: a document read from a file or a request body, or
 * written by the caller's own serializer. Passed as the task data ({@code daemon.submit("resize",
 * RawJson.of(bytes))}), it is sent to the handler as it is, without being parsed into a tree and
 * written again: for payloads of megabytes that encoding costs more than the pipe's whole round trip.
 *
 * <p>The text is checked once, here: it must be exactly one JSON value in well-formed UTF-8, strict
 * (no comments, no trailing commas, no raw control characters inside strings). A leading byte order
 * mark is dropped, and line breaks between tokens (pretty-printed JSON) are sent as spaces, since a
 * request is one line. Nested in other data (a map value, a record component) it is written as the
 * JSON it holds.
 *
 * <p>Immutable once made; equal when the texts are byte for byte equal.
 */
public final class RawJson implements JsonSerializable {
  private final byte[] utf8;

  private RawJson(byte[] utf8) {
    this.utf8 = utf8;
  }

  /**
   * JSON text given as UTF-8 bytes. The array is not copied when it is sent as it is (no byte order
   * mark, no line break between tokens): the caller must not change it afterwards.
   *
   * @throws IllegalArgumentException when it is not one well-formed JSON value, naming what is wrong
   *     and at which byte
   */
  public static RawJson of(byte[] utf8) {
    return new RawJson(JsonText.requestValue(Objects.requireNonNull(utf8, "utf8")));
  }

  /**
   * JSON text given as a string.
   *
   * @throws IllegalArgumentException when it is not one well-formed JSON value
   */
  public static RawJson of(String json) {
    return of(Objects.requireNonNull(json, "json").getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The UTF-8 bytes that are sent: the array given to {@link #of(byte[])} unless a line break had to
   * become a space. Not copied (a large payload is not duplicated): do not change it.
   */
  public byte[] utf8() {
    return utf8;
  }

  /** The length of the text in bytes. */
  public int length() {
    return utf8.length;
  }

  @Override
  public void serialize(JsonGenerator gen, SerializerProvider serializers) throws IOException {
    gen.writeRawValue(new String(utf8, StandardCharsets.UTF_8));
  }

  @Override
  public void serializeWithType(JsonGenerator gen, SerializerProvider serializers, TypeSerializer typeSer)
      throws IOException {
    serialize(gen, serializers);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RawJson r && Arrays.equals(utf8, r.utf8);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(utf8);
  }

  /** The JSON text, cut after 200 characters. */
  @Override
  public String toString() {
    String s = new String(utf8, 0, Math.min(utf8.length, 800), StandardCharsets.UTF_8);
    return s.length() > 200 || utf8.length > 800 ? s.substring(0, Math.min(200, s.length())) + "…" : s;
  }
}

package dev.taskdaemon.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The one-pass tree writer writes exactly what the default mapper writes, or leaves the tree to it. */
class TreeWriterTest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private static void sameAsMapper(JsonNode node) throws Exception {
    byte[] expected = Json.mapper().writeValueAsBytes(node);
    byte[] fast = TreeWriter.write(node);
    assertThat(fast).as("written by the tree writer: " + node).isNotNull();
    assertThat(new String(fast, java.nio.charset.StandardCharsets.ISO_8859_1))
        .isEqualTo(new String(expected, java.nio.charset.StandardCharsets.ISO_8859_1));
    assertThat(Codec.encodeData(Json.mapper(), node)).isEqualTo(expected);
  }

  @Test
  void everyCharacterClass_isEscapedAndEncodedAsTheMapperDoesIt() throws Exception {
    StringBuilder all = new StringBuilder();
    for (char c = 0; c < 0x900; c++) {
      all.append(c);
    }
    all.append("\u2028\u2029\uFEFF\uFFFF\uE000 😀 \uD83D x \uDE00 \uDBFF\uDFFF");
    ObjectNode o = F.objectNode();
    o.put(all.toString(), all.toString());
    o.put("", "");
    sameAsMapper(o);
    sameAsMapper(F.textNode("\"\\/\b\f\n\r\t\u0000\u001f\u007f\u0080"));
  }

  @Test
  void numbersBooleansNullAndNesting_matchTheMapper() throws Exception {
    ArrayNode a = F.arrayNode();
    for (double d : new double[] {0.0, -0.0, 0.5, 1e-7, 1.0E-5, 123456789.0, 1e7, 1e21, 1e22, Double.MIN_VALUE,
        Double.MAX_VALUE, -1.7976931348623157E308, 0.1 + 0.2, 100.0, 2.5e-3}) {
      a.add(d);
    }
    for (long l : new long[] {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MIN_VALUE}) {
      a.add(l);
      a.add((int) l);
    }
    a.add(true).add(false).addNull().add(F.objectNode()).add(F.arrayNode());
    a.addObject().putObject("x").putArray("y").addArray().add("z");
    sameAsMapper(a);
    sameAsMapper(F.nullNode());
    sameAsMapper(F.numberNode(7));
  }

  @Test
  void randomTrees_matchTheMapper() throws Exception {
    Random r = new Random(42);
    for (int i = 0; i < 300; i++) {
      sameAsMapper(random(r, 0));
    }
  }

  private static JsonNode random(Random r, int depth) {
    switch (depth > 5 ? r.nextInt(6) : r.nextInt(8)) {
      case 0:
        return F.textNode(randomString(r));
      case 1:
        return F.numberNode(r.nextInt());
      case 2:
        return F.numberNode(r.nextLong());
      case 3:
        return F.numberNode(Double.longBitsToDouble(r.nextLong()) % 1e6);
      case 4:
        return F.booleanNode(r.nextBoolean());
      case 5:
        return F.nullNode();
      case 6: {
        ObjectNode o = F.objectNode();
        for (int k = r.nextInt(6); k > 0; k--) {
          o.set(randomString(r), random(r, depth + 1));
        }
        return o;
      }
      default: {
        ArrayNode a = F.arrayNode();
        for (int k = r.nextInt(6); k > 0; k--) {
          a.add(random(r, depth + 1));
        }
        return a;
      }
    }
  }

  private static String randomString(Random r) {
    StringBuilder b = new StringBuilder();
    for (int k = r.nextInt(12); k > 0; k--) {
      int kind = r.nextInt(4);
      b.append(kind == 0 ? (char) r.nextInt(0x10000) : kind == 1 ? (char) r.nextInt(0x80) : (char) ('a' + r.nextInt(26)));
    }
    return b.toString();
  }

  @Test
  void treesItDoesNotCover_goToTheMapper() throws Exception {
    ObjectNode o = F.objectNode();
    o.put("big", new BigDecimal("1.50"));
    assertThat(TreeWriter.write(o)).isNull();
    assertThat(TreeWriter.write(F.numberNode(BigInteger.TEN))).isNull();
    assertThat(TreeWriter.write(F.numberNode(Double.NaN))).isNull();
    assertThat(TreeWriter.write(F.numberNode(1.5f))).isNull();
    assertThat(TreeWriter.write(F.binaryNode(new byte[] {1, 2}))).isNull();
    assertThat(TreeWriter.write(F.pojoNode(new Object()))).isNull();
    assertThat(Codec.encodeData(Json.mapper(), o)).isEqualTo(Json.mapper().writeValueAsBytes(o));
    assertThat(Codec.encodeData(Json.mapper(), F.numberNode(Double.NaN))).isEqualTo("\"NaN\"".getBytes());
  }

  @Test
  void deepTrees_goToTheMapper_whichKeepsItsOwnLimit() {
    ArrayNode root = F.arrayNode();
    ArrayNode at = root;
    for (int i = 0; i < TreeWriter.MAX_DEPTH; i++) {
      at = at.addArray();
    }
    assertThat(TreeWriter.write(root)).isNull();
    ArrayNode shallow = F.arrayNode();
    at = shallow;
    for (int i = 0; i < TreeWriter.MAX_DEPTH - 1; i++) {
      at = at.addArray();
    }
    assertThat(TreeWriter.write(shallow)).isNotNull();
  }

  @Test
  void anotherMapper_alwaysEncodesItself() throws Exception {
    ObjectMapper own = new ObjectMapper().enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
    ObjectNode o = F.objectNode().put("a", 1);
    assertThat(Codec.encodeData(own, o)).isEqualTo(own.writeValueAsBytes(o));
  }
}

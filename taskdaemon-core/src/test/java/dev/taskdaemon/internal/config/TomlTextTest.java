package dev.taskdaemon.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

/** The pre-pass against tomlj itself: whatever it swaps out, the values read are the parser's own. */
class TomlTextTest {
  private static final String L = "x".repeat(TomlText.LONG_STRING + 10);

  @Test
  void longStringsOfEveryKind_readBackExactlyAsTheParserReadsThem() {
    List<String> docs = List.of(
        "a = \"" + L + "\"\nb = 1\n",
        "a = \"" + L + "\\\"quoted\\\" \\\\ \\t \\u00e9 \\U0001F600\"\n",
        "a = '" + L + "\\not an escape'\n",
        "a = \"\"\"\n" + L + "\nsecond line \\\n    joined\"\"\"\nb = [1, 2]\n",
        "a = \"\"\"" + L + "\"\"\"\"\"\n",
        "a = '''\n" + L + "\n'''\n",
        "t = { x = [\"" + L + "\", '" + L + "'], y = \"\"\"\n" + L + "\nz\"\"\" }\nb = 2\n",
        "[\"" + L + "\"]\nk = 1\n",
        "\"" + L + "\" = \"" + L + "\"\n",
        "a = \"" + L + "\" # a comment with \" and '\nb = 'c'\n");
    for (String doc : docs) {
      TomlText text = TomlText.scan(doc);
      assertThat(text.problem).as(doc).isNull();
      TomlParseResult direct = Toml.parse(doc);
      TomlParseResult viaScan = Toml.parse(text.text);
      assertThat(direct.errors()).as("direct errors of %s", doc).isEmpty();
      assertThat(viaScan.errors()).as("errors after the pre-pass of %s", doc).isEmpty();
      assertThat(plain(viaScan, text)).as(doc).isEqualTo(plain(direct, null));
    }
  }

  @Test
  void linesAfterAMultiLineLongString_keepTheirNumbers() {
    String doc = "a = \"\"\"\n" + L + "\n" + L + "\n\"\"\"\nbad = [\n";
    assertThat(Toml.parse(TomlText.scan(doc).text).errors().get(0).position().line())
        .isEqualTo(Toml.parse(doc).errors().get(0).position().line());
  }

  @Test
  void stringsTheParserMustRefuse_areLeftToIt() {
    String doc = "a = \"" + L + "\u0001\"\n";
    assertThat(TomlText.scan(doc).text).isEqualTo(doc);
    String bad = "a = \"" + L + "\\q\"\n";
    assertThat(TomlText.scan(bad).text).isEqualTo(bad);
  }

  @Test
  void nestingIsCountedOutsideStringsOnly() {
    assertThat(TomlText.scan("a = \"" + "[".repeat(500) + "\"\n").problem).isNull();
    assertThat(TomlText.scan("a = " + "[".repeat(101)).problem).isEqualTo("1:105: arrays or inline tables nested"
        + " more than 100 deep; no setting needs that many levels: flatten the value");
    assertThat(TomlText.scan("a = " + "[".repeat(100) + "]".repeat(100)).problem).isNull();
    // The deepest nesting let through is one the parser handles on a default stack.
    assertThat(Toml.parse("a = " + "[".repeat(TomlText.MAX_DEPTH) + "]".repeat(TomlText.MAX_DEPTH)).errors()).isEmpty();
  }

  private static Object plain(Object v, TomlText text) {
    if (v instanceof TomlTable t) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (String k : t.keySet()) {
        m.put(k, plain(t.get(List.of(k)), text));
      }
      return m;
    }
    if (v instanceof TomlArray a) {
      List<Object> l = new ArrayList<>();
      for (int i = 0; i < a.size(); i++) {
        l.add(plain(a.get(i), text));
      }
      return l;
    }
    return text == null ? v : text.restore(v);
  }
}

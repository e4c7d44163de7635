package dev.taskdaemon.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Turns the README's Maven command for an example into the java command it amounts to: the profile
 * it activates in {@code examples/pom.xml}, that profile's {@code exec:java} main class and
 * arguments, with the pom's properties and the command's {@code -D} overrides filled in. Tests run
 * that in a child JVM with the examples' class path, from the repository root as a user would:
 * running Maven itself inside a Maven test would rebuild the project under its own feet.
 */
final class ExampleCommand {
  private static final Pattern PROPERTY = Pattern.compile("\\$\\{([^}]+)}");

  final String mainClass;
  final List<String> arguments;

  private ExampleCommand(String mainClass, List<String> arguments) {
    this.mainClass = mainClass;
    this.arguments = arguments;
  }

  /** Reads {@code mvnCommand} (one line from the README) against {@code examples/pom.xml}. */
  static ExampleCommand of(String mvnCommand) throws Exception {
    List<String> args = List.of(mvnCommand.trim().split("\\s+"));
    assertThat(args.get(0)).as("the command runs Maven: %s", mvnCommand).isEqualTo("mvn");
    assertThat(String.join(" ", args)).as("builds the examples and what they need")
        .contains("-pl examples -am");
    String profile = null;
    Map<String, String> overrides = new HashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("-P") && i + 1 < args.size()) {
        profile = args.get(i + 1);
      } else if (a.startsWith("-P")) {
        profile = a.substring(2);
      } else if (a.startsWith("-D") && a.contains("=")) {
        overrides.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
      }
    }
    assertThat(profile).as("the command activates a profile of examples/pom.xml: %s", mvnCommand).isNotNull();

    Path pom = Repo.examples().resolve("pom.xml");
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(false);
    Document doc = f.newDocumentBuilder().parse(pom.toFile());
    Map<String, String> props = new HashMap<>();
    props.put("project.basedir", Repo.examples().toString());
    props.put("basedir", Repo.examples().toString());
    Element properties = child(doc.getDocumentElement(), "properties");
    if (properties != null) {
      for (Element p : children(properties)) {
        props.put(p.getTagName(), p.getTextContent().trim());
      }
    }
    props.putAll(overrides);

    Element exec = null;
    for (Element p : children(child(doc.getDocumentElement(), "profiles"))) {
      if (profile.equals(text(p, "id"))) {
        for (Element plugin : children(child(child(p, "build"), "plugins"))) {
          if ("exec-maven-plugin".equals(text(plugin, "artifactId"))) {
            exec = child(child(plugin, "executions"), "execution");
          }
        }
      }
    }
    assertThat(exec).as("profile %s of %s runs exec-maven-plugin", profile, pom).isNotNull();
    assertThat(text(exec, "phase")).as("bound to a phase the command reaches").isIn(args.toArray());
    assertThat(text(child(exec, "goals"), "goal")).isEqualTo("java");
    Element conf = child(exec, "configuration");
    List<String> arguments = new ArrayList<>();
    Element argList = child(conf, "arguments");
    if (argList != null) {
      for (Element a : children(argList)) {
        arguments.add(resolve(a.getTextContent().trim(), props));
      }
    }
    return new ExampleCommand(resolve(text(conf, "mainClass"), props), arguments);
  }

  /** {@code java -cp <examples' runtime class path> MainClass args...}. */
  List<String> javaCommand() {
    List<String> cmd = new ArrayList<>(List.of(Repo.java(), "-cp", Repo.runtimeClasspath(), mainClass));
    cmd.addAll(arguments);
    return cmd;
  }

  private static String resolve(String s, Map<String, String> props) {
    for (int round = 0; round < 10; round++) {
      Matcher m = PROPERTY.matcher(s);
      StringBuilder b = new StringBuilder();
      boolean any = false;
      while (m.find()) {
        String v = props.get(m.group(1));
        assertThat(v).as("property ${%s} of examples/pom.xml", m.group(1)).isNotNull();
        m.appendReplacement(b, Matcher.quoteReplacement(v));
        any = true;
      }
      m.appendTail(b);
      s = b.toString();
      if (!any) {
        return s;
      }
    }
    throw new AssertionError("properties nest too deep: " + s);
  }

  private static Element child(Element parent, String tag) {
    if (parent == null) {
      return null;
    }
    for (Element e : children(parent)) {
      if (e.getTagName().equals(tag)) {
        return e;
      }
    }
    return null;
  }

  private static String text(Element parent, String tag) {
    Element e = child(parent, tag);
    return e == null ? null : e.getTextContent().trim();
  }

  private static List<Element> children(Element parent) {
    List<Element> out = new ArrayList<>();
    if (parent == null) {
      return out;
    }
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      if (nodes.item(i).getNodeType() == Node.ELEMENT_NODE) {
        out.add((Element) nodes.item(i));
      }
    }
    return out;
  }
}

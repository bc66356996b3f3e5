package wxfunnel.testing;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The metric names a PromQL expression reads. */
public final class PromQl {

  private static final Pattern NAME = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(\\(?)");
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool");

  private PromQl() {}

  /**
   * Every identifier that is not a function, a keyword, a label or a duration: strings, label
   * matchers, ranges, label lists and offsets are taken out first.
   */
  public static Set<String> metricNames(final String expression) {
    final String bare = expression.replaceAll("\"[^\"]*\"", "\"\"")
        .replaceAll("\\{[^}]*}", "")
        .replaceAll("\\[[^]]*]", "")
        .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "")
        .replaceAll("\\boffset\\s+\\w+", "");
    final Set<String> names = new TreeSet<>();
    final Matcher found = NAME.matcher(bare);
    while (found.find()) {
      if (found.group(2).isEmpty() && !KEYWORDS.contains(found.group(1))) {
        names.add(found.group(1));
      }
    }
    return names;
  }
}

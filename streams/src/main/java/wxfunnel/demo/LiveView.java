package wxfunnel.demo;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The terminal view: Weixin and WeChat side by side, top campaigns first. */
final class LiveView {

  static final int TOP_CAMPAIGNS = 6;
  private static final int COLUMN = 62;
  /** What the view shows of a number too few persons stand behind (DESIGN 6a). */
  static final String WITHHELD = "<k";

  private LiveView() {}

  /** Both ecosystems side by side, with the sent rate of each. */
  static String render(final Summary summary, final Map<String, Double> sentPerSecond, final String header) {
    final List<String> left = block("weixin", summary.ecosystems().get("weixin"), sentPerSecond.getOrDefault("weixin", 0.0));
    final List<String> right = block("wechat", summary.ecosystems().get("wechat"), sentPerSecond.getOrDefault("wechat", 0.0));
    final StringBuilder out = new StringBuilder(header).append('\n');
    for (int i = 0; i < Math.max(left.size(), right.size()); i++) {
      final String l = i < left.size() ? left.get(i) : "";
      final String r = i < right.size() ? right.get(i) : "";
      out.append(String.format("%-" + COLUMN + "s  %s%n", l, r));
    }
    return out.toString();
  }

  private static List<String> block(final String name, final Summary.Ecosystem eco, final double rate) {
    final List<String> lines = new ArrayList<>();
    lines.add(String.format("%s  %,.0f events/s  conversions %s  DLQ %,d", name.toUpperCase(Locale.ROOT), rate,
        eco.conversions().isEmpty() ? WITHHELD : String.format("%,d", eco.conversionCount()), eco.deadLetterCount()));
    lines.add(String.format("  %-16s %7s %7s %6s %6s  %s", "campaign", "touched", "coupon", "paid", "conv", "GMV"));
    eco.campaigns().entrySet().stream()
        .sorted(Comparator.comparingLong((Map.Entry<String, Summary.Campaign> e) -> -orZero(e.getValue().touched()))
            .thenComparing(Map.Entry::getKey))
        .limit(TOP_CAMPAIGNS)
        .forEach(e -> lines.add(String.format("  %-16.16s %7s %7s %6s %6s  %s", e.getKey(), count(e.getValue().touched()),
            count(e.getValue().coupon()), count(e.getValue().paid()), rate(e.getValue().conversionRate()), money(e.getValue().gmv()))));
    if (!eco.deadLetters().isEmpty()) {
      lines.add("  DLQ: " + eco.deadLetters().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
          .collect(Collectors.joining(", ")));
    }
    return lines;
  }

  /** A count, or {@link #WITHHELD} when too few persons stand behind it to show. */
  private static String count(final Long count) {
    return count == null ? WITHHELD : String.valueOf(count);
  }

  private static String rate(final Double rate) {
    return rate == null ? WITHHELD : String.format("%5.1f%%", 100 * rate);
  }

  private static long orZero(final Long count) {
    return count == null ? 0 : count;
  }

  /** Minor units as major ones, e.g. {@code CNY 1,234.50}; JPY has no minor unit. */
  static String money(final Map<String, Long> gmv) {
    return gmv.entrySet().stream()
        .map(e -> e.getKey().equals("JPY") ? String.format("JPY %,d", e.getValue())
            : String.format("%s %,.2f", e.getKey(), e.getValue() / 100.0))
        .collect(Collectors.joining(" "));
  }
}

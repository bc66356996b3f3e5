package wxfunnel.demo;

import java.util.Map;
import java.util.TreeMap;
import wxfunnel.egress.Cells;

/** What the committed outputs say, per ecosystem: funnel totals per campaign, conversions, dead letters. */
public record Summary(Map<String, Ecosystem> ecosystems) {

  /** One ecosystem's totals. */
  public record Ecosystem(Map<String, Campaign> campaigns, Map<String, Long> conversions, Map<String, Long> deadLetters) {

    static Ecosystem empty() {
      return new Ecosystem(new TreeMap<>(), new TreeMap<>(), new TreeMap<>());
    }

    public long conversionCount() {
      return conversions.values().stream().mapToLong(Long::longValue).sum();
    }

    public long deadLetterCount() {
      return deadLetters.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /**
   * A campaign's funnel over all its cohort days, as released: a step or a currency that is not
   * released (too few persons behind it) is null or absent.
   */
  public record Campaign(Long touched, Long coupon, Long paid, Map<String, Long> gmv) {

    static Campaign of(final String step, final long users) {
      final int at = Cells.STEPS.indexOf(step);
      return new Campaign(at == 0 ? users : null, at == 1 ? users : null, at == 2 ? users : null, Map.of());
    }

    static Campaign ofMoney(final String currency, final long amount) {
      return new Campaign(null, null, null, Map.of(currency, amount));
    }

    /** Both parts of one campaign together. */
    Campaign plus(final Campaign other) {
      final Map<String, Long> money = new TreeMap<>(gmv);
      money.putAll(other.gmv);
      return new Campaign(touched != null ? touched : other.touched, coupon != null ? coupon : other.coupon,
          paid != null ? paid : other.paid, money);
    }

    /** Paid users per touched user; null unless both are released. */
    public Double conversionRate() {
      return touched == null || paid == null ? null : touched == 0 ? 0 : (double) paid / touched;
    }
  }
}

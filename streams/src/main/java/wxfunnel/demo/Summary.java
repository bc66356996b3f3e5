package wxfunnel.demo;

import java.util.Map;
import java.util.TreeMap;

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

  /** A campaign's funnel over all its cohort days. */
  public record Campaign(long touched, long coupon, long paid, Map<String, Long> gmv) {

    /** Paid users per touched user. */
    public double conversionRate() {
      return touched == 0 ? 0 : (double) paid / touched;
    }
  }
}

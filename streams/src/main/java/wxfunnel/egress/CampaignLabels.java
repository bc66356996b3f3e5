package wxfunnel.egress;

import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import wxfunnel.events.FunnelRow;

/**
 * Which campaigns get a label of their own, so that the label's cardinality stays bounded: the
 * campaigns with the most users touched over the last {@link #RECENT_DAYS} cohort days. A campaign
 * joins when it ranks in the top {@code n}, and leaves only when it falls below rank {@code 2n}:
 * a campaign near the edge does not flap between its own label and {@code other}, which would move
 * its numbers from one series to another on every scrape. At most {@code 2n} campaigns are named.
 */
public final class CampaignLabels {

  /** Cohort days, up to the latest one in the rows, that count as recent. */
  static final int RECENT_DAYS = 7;

  private final int n;
  private final Set<String> named = new TreeSet<>();

  CampaignLabels(final int n) {
    this.n = n;
  }

  /** Ranks the campaigns of {@code rows} again, and returns those named from now on. */
  public Set<String> update(final Iterable<FunnelRow> rows) {
    LocalDate latest = null;
    for (final FunnelRow row : rows) {
      latest = latest == null || row.getCohortDay().isAfter(latest) ? row.getCohortDay() : latest;
    }
    if (latest == null) {
      return Set.copyOf(named);
    }
    final LocalDate since = latest.minusDays(RECENT_DAYS - 1L);
    final Map<String, Long> touched = new HashMap<>();
    for (final FunnelRow row : rows) {
      if (!row.getCohortDay().isBefore(since)) {
        touched.merge(row.getCampaignId(), row.getTouched(), Long::sum);
      }
    }
    final List<String> ranked = touched.entrySet().stream().filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .map(Map.Entry::getKey).toList();
    named.retainAll(ranked.subList(0, (int) Math.min(ranked.size(), 2L * n)));
    named.addAll(ranked.subList(0, Math.min(ranked.size(), n)));
    return Set.copyOf(named);
  }

  /** The label of {@code campaign}: its own id when named, else {@code other}. */
  public String label(final String campaign) {
    return named.contains(campaign) ? campaign : Egress.OTHER;
  }
}

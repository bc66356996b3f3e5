package wxfunnel.egress;

import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import wxfunnel.events.FunnelRow;

/**
 * Which campaigns (or pieces of content) get a label of their own, so that the label's cardinality
 * stays bounded: those with the highest recent score, e.g. the campaigns with the most users
 * touched over the last {@link #RECENT_DAYS} cohort days. One joins when it ranks in the top
 * {@code n}, and leaves only when it falls below rank {@code 2n}: one near the edge does not flap
 * between its own label and {@code other}, which would move its numbers from one series to another
 * on every scrape. At most {@code 2n} are named.
 */
public final class TopLabels {

  /** Days, up to the latest one in the rows, that count as recent. */
  static final int RECENT_DAYS = 7;

  private final int n;
  private final Set<String> named = new TreeSet<>();

  TopLabels(final int n) {
    this.n = n;
  }

  /** Ranks the campaigns of {@code rows} again by their users touched recently, and returns those named from now on. */
  public Set<String> update(final Iterable<FunnelRow> rows) {
    LocalDate latest = null;
    for (final FunnelRow row : rows) {
      latest = latest == null || row.getCohortDay().isAfter(latest) ? row.getCohortDay() : latest;
    }
    final Map<String, Long> touched = new HashMap<>();
    if (latest != null) {
      final LocalDate since = latest.minusDays(RECENT_DAYS - 1L);
      for (final FunnelRow row : rows) {
        if (!row.getCohortDay().isBefore(since)) {
          touched.merge(row.getCampaignId(), row.getTouched(), Long::sum);
        }
      }
    }
    return rank(touched);
  }

  /** Ranks {@code scores} again, the highest first (ties: the id that sorts first; a score of 0 ranks nowhere), and returns those named from now on. */
  public Set<String> rank(final Map<String, Long> scores) {
    if (scores.isEmpty()) {
      return Set.copyOf(named);
    }
    final List<String> ranked = scores.entrySet().stream().filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .map(Map.Entry::getKey).toList();
    named.retainAll(ranked.subList(0, (int) Math.min(ranked.size(), 2L * n)));
    named.addAll(ranked.subList(0, Math.min(ranked.size(), n)));
    return Set.copyOf(named);
  }

  /** The label of {@code id}: its own when named, else {@code other}. */
  public String label(final String id) {
    return named.contains(id) ? id : Egress.OTHER;
  }
}

package wxfunnel.egress;

import java.time.Duration;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import wxfunnel.egress.Egress.Cell;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.ContentKind;
import wxfunnel.events.ContentModelCredit;
import wxfunnel.events.ContentPerformance;
import wxfunnel.events.FunnelRow;

/**
 * Numbers computed inside the wall as {@link Cell}s, each with the persons behind it: what the
 * egress needs to decide what may leave. Cells are first summed per campaign, then merged by the
 * label each campaign gets (e.g. {@code other} beyond the top campaigns), a merge backed by the
 * persons of its largest campaign.
 */
public final class Cells {

  /** Families of cells that more than one reader releases: the same labels, in the same steps. */
  public static final String FUNNEL_USERS = "funnel users";
  public static final String GMV = "gmv";
  public static final String CONVERSIONS = "conversions";
  public static final String ATTRIBUTED_CONVERSIONS = "attributed conversions";
  public static final String TIME_TO_CONVERT = "time to convert";
  public static final String CONTENT_GMV = "content gmv";

  /** The steps of a funnel, in order. */
  public static final List<String> STEPS = List.of("touched", "coupon", "paid");

  private final Map<List<String>, Double> values = new TreeMap<>(Comparator.comparing(Object::toString));
  private final Map<List<String>, Set<String>> persons = new TreeMap<>(Comparator.comparing(Object::toString));
  private final Map<List<String>, Long> counted = new TreeMap<>(Comparator.comparing(Object::toString));

  /** Adds {@code value} to the cell of {@code labels}, from the person pseudonymized as {@code person} (null: unknown). */
  public void add(final List<String> labels, final double value, final String person) {
    values.merge(labels, value, Double::sum);
    // Persons without a pseudonym (written before it existed) count as one person together.
    persons.computeIfAbsent(labels, l -> new HashSet<>()).add(person == null ? "" : person);
  }

  /** Adds {@code value} to the cell of {@code labels}, from {@code persons} other persons. */
  public void addCounted(final List<String> labels, final double value, final long persons) {
    values.merge(labels, value, Double::sum);
    counted.merge(labels, persons, Long::sum);
  }

  /** The cells, with label {@code campaignAt} mapped by {@code label}: cells of one label merged. */
  public Map<List<String>, Cell> cells(final int campaignAt, final UnaryOperator<String> label) {
    final Map<List<String>, Cell> cells = new TreeMap<>(Comparator.comparing(Object::toString));
    values.forEach((labels, value) -> {
      final List<String> relabelled = new ArrayList<>(labels);
      relabelled.set(campaignAt, label.apply(labels.get(campaignAt)));
      cells.merge(List.copyOf(relabelled), new Cell(value, behind(labels)), Cell::plus);
    });
    return cells;
  }

  /** The cells, by their labels. */
  public Map<List<String>, Cell> cells() {
    final Map<List<String>, Cell> cells = new TreeMap<>(Comparator.comparing(Object::toString));
    values.forEach((labels, value) -> cells.put(labels, new Cell(value, behind(labels))));
    return cells;
  }

  private long behind(final List<String> labels) {
    return persons.getOrDefault(labels, Set.of()).size() + counted.getOrDefault(labels, 0L);
  }

  /**
   * Funnel users per campaign and step, over all cohort days. A user counts once per journey, and
   * comes back to a campaign after its conversion window in another journey, often of another
   * cohort day: a campaign's users are backed by at least its count over the most journeys one
   * person can start in the days of its rows (see {@link #journeysAtMost}).
   */
  public static Cells funnelUsers(final Collection<FunnelRow> rows, final Duration conversionWindow) {
    final Cells cells = new Cells();
    byCampaign(rows).forEach((campaign, ofCampaign) -> {
      final long journeys = journeysAtMost(ofCampaign, conversionWindow);
      final long[] steps = new long[STEPS.size()];
      for (final FunnelRow row : ofCampaign) {
        steps[0] += row.getTouched();
        steps[1] += row.getCoupon();
        steps[2] += row.getPaid();
      }
      for (int i = 0; i < steps.length; i++) {
        cells.addCounted(List.of(campaign, STEPS.get(i)), steps[i], ceilDiv(steps[i], journeys));
      }
    });
    return cells;
  }

  /**
   * GMV per campaign and currency, over all cohort days: backed by its payers in that currency
   * (rows written before they were counted have none), over the most journeys one person can start
   * in the days of the campaign's rows.
   */
  public static Cells gmv(final Collection<FunnelRow> rows, final Duration conversionWindow) {
    final Cells cells = new Cells();
    byCampaign(rows).forEach((campaign, ofCampaign) -> {
      final long journeys = journeysAtMost(ofCampaign, conversionWindow);
      final Map<String, long[]> money = new TreeMap<>();
      for (final FunnelRow row : ofCampaign) {
        row.getGmv().forEach((currency, amount) -> {
          final long[] sum = money.computeIfAbsent(currency, c -> new long[2]);
          sum[0] += amount;
          sum[1] += Math.max(0, row.getPayers().getOrDefault(currency, 0L));
        });
      }
      money.forEach((currency, sum) -> cells.addCounted(List.of(campaign, currency), sum[0], ceilDiv(sum[1], journeys)));
    });
    return cells;
  }

  /**
   * GMV credited under {@code model} to each piece of content named by {@code label}, per currency,
   * on the latest day of {@code rows} (a day of touches in the reporting zone), labelled {@code
   * [kind, content, model, currency, day]}: one row each, backed by its payers in that currency,
   * exactly. Content {@code label} leaves unnamed ({@code other}) is left out, not summed.
   */
  public static Map<List<String>, Cell> contentGmv(final Collection<ContentPerformance> rows, final AttributionModel model,
      final BiFunction<ContentKind, String, String> label) {
    final Map<List<String>, Cell> cells = new TreeMap<>(Comparator.comparing(Object::toString));
    latestDay(rows).ifPresent(day -> {
      for (final ContentPerformance row : rows) {
        final String content = label.apply(row.getContentKind(), row.getContentId());
        if (row.getDay().equals(day) && !content.equals(Egress.OTHER)) {
          final ContentModelCredit credit = row.getCredits().get(model.ordinal());
          credit.getGmv().forEach((currency, amount) -> cells.put(
              List.of(lower(row.getContentKind()), content, lower(model), currency, day.toString()),
              new Cell(amount, credit.getPayers().getOrDefault(currency, 0L))));
        }
      }
    });
    return cells;
  }

  /**
   * Per piece of content of {@code kind}, the payments crediting it under {@code model} over the
   * last {@link TopLabels#RECENT_DAYS} days of {@code rows}: how it ranks for a label of its own.
   */
  static Map<String, Long> recentConversions(final Collection<ContentPerformance> rows, final ContentKind kind,
      final AttributionModel model) {
    final Map<String, Long> conversions = new HashMap<>();
    latestDay(rows).ifPresent(latest -> {
      final LocalDate since = latest.minusDays(TopLabels.RECENT_DAYS - 1L);
      for (final ContentPerformance row : rows) {
        if (row.getContentKind() == kind && !row.getDay().isBefore(since)) {
          conversions.merge(row.getContentId(), row.getCredits().get(model.ordinal()).getConversions(), Long::sum);
        }
      }
    });
    return conversions;
  }

  private static Optional<LocalDate> latestDay(final Collection<ContentPerformance> rows) {
    return rows.stream().map(ContentPerformance::getDay).max(LocalDate::compareTo);
  }

  private static String lower(final Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  /**
   * The most journeys one person can start in the cohort days of {@code rows}: each starts more
   * than a conversion window after the one before, so n of them span more than n - 1 windows (an
   * hour more for a day of daylight saving time).
   */
  static long journeysAtMost(final Collection<FunnelRow> rows, final Duration conversionWindow) {
    final LocalDate first = rows.stream().map(FunnelRow::getCohortDay).min(LocalDate::compareTo).orElseThrow();
    final LocalDate last = rows.stream().map(FunnelRow::getCohortDay).max(LocalDate::compareTo).orElseThrow();
    final Duration span = Duration.ofDays(ChronoUnit.DAYS.between(first, last) + 1).plusHours(1);
    return Math.max(1, ceilDiv(span.toMillis(), conversionWindow.toMillis()));
  }

  private static Map<String, List<FunnelRow>> byCampaign(final Collection<FunnelRow> rows) {
    final Map<String, List<FunnelRow>> byCampaign = new TreeMap<>();
    rows.forEach(row -> byCampaign.computeIfAbsent(row.getCampaignId(), c -> new ArrayList<>()).add(row));
    return byCampaign;
  }

  private static long ceilDiv(final long dividend, final long divisor) {
    return -Math.floorDiv(-dividend, divisor);
  }
}

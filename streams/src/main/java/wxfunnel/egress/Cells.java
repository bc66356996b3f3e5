package wxfunnel.egress;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import wxfunnel.egress.Egress.Cell;
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
      final long behind = persons.getOrDefault(labels, Set.of()).size() + counted.getOrDefault(labels, 0L);
      final List<String> relabelled = new ArrayList<>(labels);
      relabelled.set(campaignAt, label.apply(labels.get(campaignAt)));
      cells.merge(List.copyOf(relabelled), new Cell(value, behind), Cell::plus);
    });
    return cells;
  }

  /**
   * Funnel users per campaign and step, over all cohort days: each backed by the users it counts
   * (a user who comes back to a campaign after its conversion window is counted, and backs it,
   * once per journey, as in the funnel itself).
   */
  public static Cells funnelUsers(final Iterable<FunnelRow> rows) {
    final Cells cells = new Cells();
    for (final FunnelRow row : rows) {
      final long[] steps = {row.getTouched(), row.getCoupon(), row.getPaid()};
      for (int i = 0; i < steps.length; i++) {
        cells.addCounted(List.of(row.getCampaignId(), STEPS.get(i)), steps[i], steps[i]);
      }
    }
    return cells;
  }

  /** GMV per campaign and currency, over all cohort days: each backed by its payers in that currency. */
  public static Cells gmv(final Iterable<FunnelRow> rows) {
    final Cells cells = new Cells();
    for (final FunnelRow row : rows) {
      row.getGmv().forEach((currency, amount) ->
          cells.addCounted(List.of(row.getCampaignId(), currency), amount, row.getPayers().getOrDefault(currency, 0L)));
    }
    return cells;
  }
}

package wxfunnel.replay;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import wxfunnel.egress.Cells;
import wxfunnel.egress.Egress;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.Conversion;
import wxfunnel.events.CreditedTouch;
import wxfunnel.events.ModelAttribution;
import wxfunnel.registry.SchemaRegistry;
import wxfunnel.runtime.CommittedView;
import wxfunnel.topics.Names;
import wxfunnel.topology.FunnelConfig;

/**
 * The committed outputs of production and of a shadow, campaign by campaign, as they may leave the
 * ecosystem: through one egress, production first, so that a shadow's number differs from
 * production's only where at least {@code --min-cell-users} persons stand behind the difference,
 * and a campaign too small for a row of its own is in {@code other}.
 */
public final class ShadowComparison {

  /** Conversions credited to no campaign by the model. */
  public static final String UNATTRIBUTED = "(unattributed)";
  private static final String CREDITED = "credited";

  /** One campaign's totals over every cohort day; conversions are those the model credits to it. Null: not released. */
  public record Totals(Long touched, Long coupon, Long paid, Long conversions) {}

  /** A campaign's totals in production and in the shadow. */
  public record Row(String campaign, Totals production, Totals shadow) {
    public boolean differs() {
      return !production.equals(shadow);
    }
  }

  private ShadowComparison() {}

  /** Every campaign of either side, by name; {@link #UNATTRIBUTED} collects the conversions of none. */
  public static Map<String, Row> of(final Map<String, Object> kafka, final SchemaRegistry registry, final Names shadow,
      final FunnelConfig config, final int minCellUsers) {
    // One reader, production then shadow: every campaign has a row of its own (none is ranked away).
    final Egress wall = new Egress(minCellUsers, Integer.MAX_VALUE);
    final Map<String, Totals> before = totals(wall, CommittedView.read(kafka, registry, new Names(shadow.ecosystem())), config);
    final Map<String, Totals> after = totals(wall, CommittedView.read(kafka, registry, shadow), config);
    final Map<String, Row> rows = new TreeMap<>();
    final TreeSet<String> campaigns = new TreeSet<>(before.keySet());
    campaigns.addAll(after.keySet());
    final Totals none = new Totals(null, null, null, null);
    campaigns.forEach(c -> rows.put(c, new Row(c, before.getOrDefault(c, none), after.getOrDefault(c, none))));
    return rows;
  }

  public static void print(final Map<String, Row> rows, final Names shadow, final int minCellUsers, final PrintStream out) {
    out.println("production -> shadow " + shadow.shadow() + ", per campaign over every cohort day (cells of fewer than "
        + minCellUsers + " persons in other, changes of fewer not shown):");
    out.printf("%-20s %21s %21s %21s %21s%n", "CAMPAIGN", "TOUCHED", "COUPON", "PAID", "CONVERSIONS");
    long differing = 0;
    for (final Row row : rows.values()) {
      out.printf("%-20s %21s %21s %21s %21s%s%n", row.campaign(),
          pair(row.production().touched(), row.shadow().touched()), pair(row.production().coupon(), row.shadow().coupon()),
          pair(row.production().paid(), row.shadow().paid()), pair(row.production().conversions(), row.shadow().conversions()),
          row.differs() ? "  *" : "");
      differing += row.differs() ? 1 : 0;
    }
    out.println(differing == 0 ? "The shadow agrees with production on every campaign, to within " + (minCellUsers - 1)
        + " persons per number." : differing + " of " + rows.size() + " campaigns differ (*).");
  }

  private static String pair(final Long production, final Long shadow) {
    return Objects.equals(production, shadow) ? count(production) : count(production) + " -> " + count(shadow);
  }

  private static String count(final Long count) {
    return count == null ? "-" : String.format("%,d", count);
  }

  /** One side's totals per campaign, as {@code wall} releases them. */
  private static Map<String, Totals> totals(final Egress wall, final CommittedView<Conversion> view, final FunnelConfig config) {
    final Map<List<String>, Double> users = wall.release(Cells.FUNNEL_USERS,
        Cells.funnelUsers(view.funnel().values(), config.conversionWindow()).cells(), 0, Map.of());
    final Cells credited = new Cells();
    view.conversions().values().forEach(conversion -> creditedCampaigns(conversion, config.model())
        .forEach(campaign -> credited.add(List.of(campaign, CREDITED), 1, conversion.getPayer())));
    final Map<List<String>, Double> conversions = wall.release(Cells.ATTRIBUTED_CONVERSIONS, credited.cells(), 0, Map.of());
    final Map<String, Totals> totals = new TreeMap<>();
    final Set<String> campaigns = new TreeSet<>();
    users.keySet().forEach(labels -> campaigns.add(labels.get(0)));
    conversions.keySet().forEach(labels -> campaigns.add(labels.get(0)));
    campaigns.forEach(campaign -> totals.put(campaign, new Totals(count(users, campaign, "touched"), count(users, campaign, "coupon"),
        count(users, campaign, "paid"), count(conversions, campaign, CREDITED))));
    return totals;
  }

  private static Long count(final Map<List<String>, Double> released, final String campaign, final String what) {
    final Double value = released.get(List.of(campaign, what));
    return value == null ? null : Math.round(value);
  }

  /** The campaigns {@code model} credits; {@link #UNATTRIBUTED} when none. */
  static Set<String> creditedCampaigns(final Conversion conversion, final AttributionModel model) {
    final Set<String> campaigns = new TreeSet<>();
    for (final ModelAttribution attribution : conversion.getAttributions()) {
      if (attribution.getModel() == model) {
        attribution.getTouches().stream().map(CreditedTouch::getCampaignId).filter(Objects::nonNull).forEach(campaigns::add);
      }
    }
    if (campaigns.isEmpty()) {
      campaigns.add(UNATTRIBUTED);
    }
    return campaigns;
  }
}

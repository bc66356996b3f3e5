package wxfunnel.replay;

import java.io.PrintStream;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.Conversion;
import wxfunnel.events.CreditedTouch;
import wxfunnel.events.ModelAttribution;
import wxfunnel.registry.SchemaRegistry;
import wxfunnel.runtime.CommittedView;
import wxfunnel.topics.Names;

/** The committed outputs of production and of a shadow, campaign by campaign. */
public final class ShadowComparison {

  /** Conversions credited to no campaign by the model. */
  public static final String UNATTRIBUTED = "(unattributed)";

  /** One campaign's totals over every cohort day; conversions are those the model credits to it. */
  public record Totals(long touched, long coupon, long paid, long conversions) {
    static final Totals NONE = new Totals(0, 0, 0, 0);

    Totals plus(final Totals other) {
      return new Totals(touched + other.touched, coupon + other.coupon, paid + other.paid, conversions + other.conversions);
    }
  }

  /** A campaign's totals in production and in the shadow. */
  public record Row(String campaign, Totals production, Totals shadow) {
    public boolean differs() {
      return !production.equals(shadow);
    }
  }

  private ShadowComparison() {}

  /** Every campaign of either side, by name; {@link #UNATTRIBUTED} collects the conversions of none. */
  public static Map<String, Row> of(final Map<String, Object> kafka, final SchemaRegistry registry, final Names shadow,
      final AttributionModel model) {
    final Names production = new Names(shadow.ecosystem());
    final Map<String, Totals> before = totals(kafka, registry, production, model);
    final Map<String, Totals> after = totals(kafka, registry, shadow, model);
    final Map<String, Row> rows = new TreeMap<>();
    final TreeSet<String> campaigns = new TreeSet<>(before.keySet());
    campaigns.addAll(after.keySet());
    campaigns.forEach(c -> rows.put(c, new Row(c, before.getOrDefault(c, Totals.NONE), after.getOrDefault(c, Totals.NONE))));
    return rows;
  }

  public static void print(final Map<String, Row> rows, final Names shadow, final PrintStream out) {
    out.println("production -> shadow " + shadow.shadow() + ", per campaign over every cohort day:");
    out.printf("%-20s %21s %21s %21s %21s%n", "CAMPAIGN", "TOUCHED", "COUPON", "PAID", "CONVERSIONS");
    long differing = 0;
    for (final Row row : rows.values()) {
      out.printf("%-20s %21s %21s %21s %21s%s%n", row.campaign(),
          pair(row.production().touched(), row.shadow().touched()), pair(row.production().coupon(), row.shadow().coupon()),
          pair(row.production().paid(), row.shadow().paid()), pair(row.production().conversions(), row.shadow().conversions()),
          row.differs() ? "  *" : "");
      differing += row.differs() ? 1 : 0;
    }
    out.println(differing == 0 ? "The shadow agrees with production on every campaign."
        : differing + " of " + rows.size() + " campaigns differ (*).");
  }

  private static String pair(final long production, final long shadow) {
    return production == shadow ? String.format("%,d", production) : String.format("%,d -> %,d", production, shadow);
  }

  private static Map<String, Totals> totals(final Map<String, Object> kafka, final SchemaRegistry registry, final Names names,
      final AttributionModel model) {
    final Map<String, Totals> totals = new TreeMap<>();
    final CommittedView<Conversion> view = CommittedView.read(kafka, registry, names);
    view.funnel().values().forEach(row ->
        totals.merge(row.getCampaignId(), new Totals(row.getTouched(), row.getCoupon(), row.getPaid(), 0), Totals::plus));
    view.conversions().values().forEach(conversion ->
        creditedCampaigns(conversion, model).forEach(campaign -> totals.merge(campaign, new Totals(0, 0, 0, 1), Totals::plus)));
    return totals;
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

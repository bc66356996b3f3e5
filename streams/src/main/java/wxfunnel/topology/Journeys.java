package wxfunnel.topology;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import wxfunnel.internal.EventKind;
import wxfunnel.internal.FunnelDelta;
import wxfunnel.internal.Journey;
import wxfunnel.internal.PaymentRef;
import wxfunnel.internal.PersonState;
import wxfunnel.internal.RowShare;
import wxfunnel.internal.Touch;

/**
 * A person's funnel entries, computed from their events alone, so that any arrival order gives
 * the same result. Per campaign, the first read or scan after the campaign's frontier starts a
 * journey that lasts the conversion window; the next one after it starts the next. Within a
 * journey: the coupon step is the first coupon click of the campaign, the paid step the first
 * payment after that coupon; GMV sums the payments after the coupon.
 *
 * <p>A person counts once per funnel row (campaign and cohort day), however many journeys she
 * starts in it: her share of a row is whether any of them reached each step, and their money.
 */
final class Journeys {

  private Journeys() {}

  static List<Journey> of(final PersonState state, final FunnelConfig config) {
    final long window = config.conversionWindow().toMillis();
    final Map<String, TreeSet<Long>> entries = new TreeMap<>();
    for (final Touch touch : state.getTouches()) {
      if (touch.getKind() != EventKind.COUPON && touch.getCampaignId() != null
          && touch.getTime() > state.getFrontiers().getOrDefault(touch.getCampaignId(), Long.MIN_VALUE)) {
        entries.computeIfAbsent(touch.getCampaignId(), c -> new TreeSet<>()).add(touch.getTime());
      }
    }
    final List<Journey> journeys = new ArrayList<>();
    entries.forEach((campaign, times) -> {
      Long start = times.first();
      while (start != null) {
        journeys.add(journey(state, campaign, start, start + window, config));
        start = times.higher(start + window);
      }
    });
    return journeys;
  }

  private static Journey journey(final PersonState state, final String campaign, final long start, final long end,
      final FunnelConfig config) {
    final long coupon = state.getTouches().stream()
        .filter(t -> t.getKind() == EventKind.COUPON && campaign.equals(t.getCampaignId()))
        .mapToLong(Touch::getTime)
        .filter(time -> time >= start && time <= end)
        .min().orElse(Long.MAX_VALUE);
    final Map<String, Long> gmv = new TreeMap<>();
    boolean paid = false;
    for (final PaymentRef payment : state.getPayments()) {
      if (payment.getTime() >= coupon && payment.getTime() <= end) {
        paid = true;
        if (payment.getAmount() != 0) {
          gmv.merge(payment.getCurrency(), payment.getAmount(), Long::sum);
        }
      }
    }
    return Journey.newBuilder()
        .setCampaignId(campaign)
        .setStart(start)
        .setCohortDay((int) LocalDate.ofInstant(Instant.ofEpochMilli(start), config.timeZone()).toEpochDay())
        .setCoupon(coupon != Long.MAX_VALUE)
        .setPaid(paid)
        .setGmv(gmv)
        .build();
  }

  /** The person's share of each row she is in: her frozen journeys' and her open ones', once per row. */
  static Map<String, RowShare> shares(final PersonState state) {
    final Map<String, RowShare> shares = new TreeMap<>();
    state.getFrozen().forEach((row, share) -> merge(shares, row, share));
    for (final Journey journey : state.getJourneys()) {
      merge(shares, rowKey(journey.getCampaignId(), journey.getCohortDay()), share(journey));
    }
    return shares;
  }

  static RowShare share(final Journey journey) {
    return new RowShare(journey.getCampaignId(), journey.getCohortDay(), journey.getCoupon(), journey.getPaid(),
        new HashMap<>(journey.getGmv()));
  }

  /** Adds {@code share} into {@code shares}' entry for {@code row}: a step reached in either, the money of both. */
  static void merge(final Map<String, RowShare> shares, final String row, final RowShare share) {
    final RowShare current = shares.get(row);
    if (current == null) {
      shares.put(row, new RowShare(share.getCampaignId(), share.getCohortDay(), share.getCoupon(), share.getPaid(),
          new HashMap<>(share.getGmv())));
    } else {
      current.setCoupon(current.getCoupon() || share.getCoupon());
      current.setPaid(current.getPaid() || share.getPaid());
      share.getGmv().forEach((currency, amount) -> current.getGmv().merge(currency, amount, Long::sum));
    }
  }

  /** What replacing the shares {@code before} by {@code after} changes in the funnel rows, without the rows it leaves alone. */
  static List<FunnelDelta> deltas(final Map<String, RowShare> before, final Map<String, RowShare> after) {
    final Map<String, FunnelDelta> byRow = new TreeMap<>();
    before.forEach((row, share) -> add(byRow, row, share, -1));
    after.forEach((row, share) -> add(byRow, row, share, +1));
    return byRow.values().stream()
        .filter(d -> d.getTouched() != 0 || d.getCoupon() != 0 || d.getPaid() != 0 || !d.getGmv().isEmpty())
        .toList();
  }

  private static void add(final Map<String, FunnelDelta> byRow, final String row, final RowShare share, final int sign) {
    final FunnelDelta delta = byRow.computeIfAbsent(row,
        k -> FunnelDelta.newBuilder().setCampaignId(share.getCampaignId()).setCohortDay(share.getCohortDay())
            .setTouched(0).setCoupon(0).setPaid(0).setGmv(new HashMap<>()).build());
    delta.setTouched(delta.getTouched() + sign);
    delta.setCoupon(delta.getCoupon() + (share.getCoupon() ? sign : 0));
    delta.setPaid(delta.getPaid() + (share.getPaid() ? sign : 0));
    share.getGmv().forEach((currency, amount) -> delta.getGmv().merge(currency, sign * amount, (a, b) -> a + b == 0 ? null : a + b));
  }

  /** The funnel topic's key: campaign and cohort day, {@code <campaign_id>|<yyyy-MM-dd>}. */
  static String rowKey(final String campaign, final int cohortDay) {
    return campaign + "|" + LocalDate.ofEpochDay(cohortDay);
  }
}

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

  /** A person's part of the funnel rows: her shares of the rows she is in, and her payments' credits. */
  record Contribution(Map<String, RowShare> shares, Map<String, Credit> credits) {}

  /** What a person's payments of one day credit to one campaign, per currency. */
  record Credit(String campaignId, int day, Map<String, Long> money) {}

  static Contribution contribution(final PersonState state, final FunnelConfig config) {
    return new Contribution(shares(state), credits(state, config));
  }

  /**
   * Per row of campaign and day paid: what the person's payments credit to the campaign, as their
   * last conversion did under the configured model. Booked on the day paid, which is never a row
   * that is final yet: a payment, or a touch that changes its conversion, is in time only while
   * the payment's day's row can still change.
   */
  static Map<String, Credit> credits(final PersonState state, final FunnelConfig config) {
    final Map<String, Credit> credits = new TreeMap<>();
    for (final PaymentRef payment : state.getPayments()) {
      final int day = (int) LocalDate.ofInstant(Instant.ofEpochMilli(payment.getTime()), config.timeZone()).toEpochDay();
      payment.getCredited().forEach((campaign, amount) -> credits
          .computeIfAbsent(rowKey(campaign, day), row -> new Credit(campaign, day, new TreeMap<>()))
          .money().merge(payment.getCurrency(), amount, Long::sum));
    }
    return credits;
  }

  /** What replacing the contribution {@code before} by {@code after} changes in the funnel rows, without the rows it leaves alone. */
  static List<FunnelDelta> deltas(final Contribution before, final Contribution after) {
    final Map<String, FunnelDelta> byRow = new TreeMap<>();
    before.shares().forEach((row, share) -> add(byRow, row, share, -1));
    after.shares().forEach((row, share) -> add(byRow, row, share, +1));
    before.credits().forEach((row, credit) -> add(byRow, row, credit, -1));
    after.credits().forEach((row, credit) -> add(byRow, row, credit, +1));
    return byRow.values().stream().filter(Journeys::changes).toList();
  }

  /** Whether {@code delta} changes its row at all. */
  static boolean changes(final FunnelDelta delta) {
    return delta.getTouched() != 0 || delta.getCoupon() != 0 || delta.getPaid() != 0 || !delta.getGmv().isEmpty()
        || !delta.getPayers().isEmpty() || !delta.getAttributedGmv().isEmpty();
  }

  /** Adds {@code delta}'s changes into {@code into}, a change to the same row. */
  static void add(final FunnelDelta into, final FunnelDelta delta) {
    into.setTouched(into.getTouched() + delta.getTouched());
    into.setCoupon(into.getCoupon() + delta.getCoupon());
    into.setPaid(into.getPaid() + delta.getPaid());
    final Map<String, Long> gmv = new HashMap<>(into.getGmv());
    addMoney(gmv, delta.getGmv(), 1);
    into.setGmv(gmv);
    final Map<String, Long> payers = new HashMap<>(into.getPayers());
    addMoney(payers, delta.getPayers(), 1);
    into.setPayers(payers);
    final Map<String, Long> attributed = new HashMap<>(into.getAttributedGmv());
    addMoney(attributed, delta.getAttributedGmv(), 1);
    into.setAttributedGmv(attributed);
  }

  private static void add(final Map<String, FunnelDelta> byRow, final String row, final RowShare share, final int sign) {
    final FunnelDelta delta = delta(byRow, row, share.getCampaignId(), share.getCohortDay());
    delta.setTouched(delta.getTouched() + sign);
    delta.setCoupon(delta.getCoupon() + (share.getCoupon() ? sign : 0));
    delta.setPaid(delta.getPaid() + (share.getPaid() ? sign : 0));
    addMoney(delta.getGmv(), share.getGmv(), sign);
    share.getGmv().keySet().forEach(currency -> addMoney(delta.getPayers(), Map.of(currency, 1L), sign));
  }

  private static void add(final Map<String, FunnelDelta> byRow, final String row, final Credit credit, final int sign) {
    addMoney(delta(byRow, row, credit.campaignId(), credit.day()).getAttributedGmv(), credit.money(), sign);
  }

  private static FunnelDelta delta(final Map<String, FunnelDelta> byRow, final String row, final String campaign, final int day) {
    return byRow.computeIfAbsent(row, k -> FunnelDelta.newBuilder().setCampaignId(campaign).setCohortDay(day)
        .setTouched(0).setCoupon(0).setPaid(0).setGmv(new HashMap<>()).setPayers(new HashMap<>())
        .setAttributedGmv(new HashMap<>()).build());
  }

  /** Adds {@code sign} times {@code money} (or persons) into {@code into}, per currency; a sum of 0 leaves no entry. */
  static void addMoney(final Map<String, Long> into, final Map<String, Long> money, final long sign) {
    money.forEach((currency, amount) -> into.merge(currency, sign * amount, (a, b) -> a + b == 0 ? null : a + b));
  }

  /** The funnel topic's key: campaign and cohort day, {@code <campaign_id>|<yyyy-MM-dd>}. */
  static String rowKey(final String campaign, final int cohortDay) {
    return campaign + "|" + LocalDate.ofEpochDay(cohortDay);
  }
}

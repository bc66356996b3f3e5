package wxfunnel.topology;

import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.state.KeyValueStore;
import wxfunnel.internal.EventKind;
import wxfunnel.internal.Journey;
import wxfunnel.internal.PaymentRef;
import wxfunnel.internal.PaymentVerdict;
import wxfunnel.internal.PersonEvent;
import wxfunnel.internal.PersonState;
import wxfunnel.internal.RowShare;
import wxfunnel.internal.Touch;

/**
 * What the person step keeps of one person, and how an event changes it: the touches and payments
 * within the retention, in time order; the journeys still open; the shares of the journeys frozen,
 * until their rows are final.
 */
final class PersonHistory {

  private PersonHistory() {}

  /** A person not seen before (or forgotten). */
  static PersonState empty() {
    return PersonState.newBuilder().setTouches(new ArrayList<>()).setPayments(new ArrayList<>())
        .setJourneys(new ArrayList<>()).setFrontiers(new HashMap<>()).setExpiresAt(0L).setFrozen(new HashMap<>()).build();
  }

  /**
   * The event joins the person's history (a retracted payment leaves it; a touch joins as {@code
   * touch}, null for a payment), and the journeys follow. Returns the touch the cap dropped, if any.
   */
  static Optional<Touch> take(final PersonState state, final PersonEvent event, final PaymentVerdict verdict,
      final Touch touch, final FunnelConfig config) {
    final Optional<Touch> dropped;
    if (verdict == PaymentVerdict.RETRACTED) {
      retract(state, event.getEventId());
      dropped = Optional.empty();
    } else if (event.getKind() == EventKind.PAYMENT) {
      addPayment(state, event);
      dropped = Optional.empty();
    } else {
      dropped = addTouch(state, touch, config.maxTouches());
    }
    state.setJourneys(Journeys.of(state, config));
    return dropped;
  }

  /**
   * The touch an event makes: of the event's own campaign, else of its article's campaign as
   * published at or before the event in {@code catalog}; a later version never changes an earlier touch.
   */
  static Touch touchOf(final PersonEvent event, final KeyValueStore<String, String> catalog) {
    final String campaign = event.getCampaignId() != null || event.getMsgId() == null
        ? event.getCampaignId() : CatalogUpdater.campaignAt(catalog, event.getMsgId(), event.getEventTime());
    return new Touch(event.getKind(), event.getEventId(), event.getEventTime(), campaign, event.getMsgId(), event.getSceneStr(),
        event.getCardId());
  }

  /** A copy of a touch the person already has, within the dedup horizon of its partition's clock. */
  static boolean hasTouch(final PersonState state, final PersonEvent event, final FunnelConfig config) {
    final long since = event.getSourceClock() - config.dedupHorizon().toMillis() - config.grace().toMillis();
    return state.getTouches().stream()
        .anyMatch(t -> t.getTime() >= since && t.getKind() == event.getKind() && t.getEventId().equals(event.getEventId()));
  }

  private static void addPayment(final PersonState state, final PersonEvent event) {
    final PaymentRef payment = new PaymentRef(event.getEventId(), event.getEventTime(), event.getAmount(),
        event.getCurrency(), event.getHasUnionid(), event.getUpgraded(), new HashMap<>());
    final List<PaymentRef> payments = new ArrayList<>(state.getPayments());
    payments.add(payment);
    payments.sort(Attribution.PAYMENT_ORDER);
    state.setPayments(payments);
  }

  /**
   * Adds a touch; past {@code maxTouches}, the first touch and the most recent ones stay: the second
   * oldest goes, is returned, and the person's capped count goes up.
   */
  private static Optional<Touch> addTouch(final PersonState state, final Touch touch, final int maxTouches) {
    final List<Touch> touches = new ArrayList<>(state.getTouches());
    touches.add(touch);
    touches.sort(Attribution.TOUCH_ORDER);
    final Optional<Touch> dropped = touches.size() > maxTouches ? Optional.of(touches.remove(1)) : Optional.empty();
    dropped.ifPresent(removed -> state.setCapped(state.getCapped() + 1));
    state.setTouches(touches);
    return dropped;
  }

  /** The payment leaves the person's history: a copy of it with a unionid took it. */
  private static void retract(final PersonState state, final String transactionId) {
    state.setPayments(new ArrayList<>(state.getPayments().stream()
        .filter(p -> !p.getTransactionId().equals(transactionId)).toList()));
  }

  /** A new payment; or, for a touch, the payments whose lookback it falls in. */
  static List<PaymentRef> toAttribute(final PersonState state, final PersonEvent event, final Duration lookback) {
    if (event.getKind() == EventKind.PAYMENT) {
      return state.getPayments().stream().filter(p -> p.getTransactionId().equals(event.getEventId())).toList();
    }
    final long until = event.getEventTime() + lookback.toMillis();
    return state.getPayments().stream()
        .filter(p -> p.getTime() >= event.getEventTime() && p.getTime() <= until)
        .toList();
  }

  /**
   * Freezes the journeys no accepted record can change any more (their window and grace have
   * passed the watermark), lets go of the rows that are final, and forgets events older than the
   * retention. None of it changes the person's shares of the rows still open.
   */
  static void settle(final PersonState state, final long watermark, final FunnelConfig config) {
    final long window = config.conversionWindow().toMillis();
    final Map<String, RowShare> frozen = new HashMap<>(state.getFrozen());
    final Map<String, Long> frontiers = new HashMap<>(state.getFrontiers());
    final List<Journey> open = new ArrayList<>();
    for (final Journey journey : state.getJourneys()) {
      if (journey.getStart() + window + config.grace().toMillis() < watermark) {
        Journeys.merge(frozen, Journeys.rowKey(journey.getCampaignId(), journey.getCohortDay()), Journeys.share(journey));
        frontiers.merge(journey.getCampaignId(), journey.getStart() + window, Math::max);
      } else {
        open.add(journey);
      }
    }
    frozen.values().removeIf(share -> config.rowClosesAt(LocalDate.ofEpochDay(share.getCohortDay())) <= watermark);
    // Until every input partition has been heard from, nothing is old enough to forget.
    final long oldest = watermark == Long.MIN_VALUE ? Long.MIN_VALUE : watermark - config.retention().toMillis();
    frontiers.values().removeIf(frontier -> frontier < oldest);
    state.setJourneys(open);
    state.setFrozen(frozen);
    state.setFrontiers(frontiers);
    state.setTouches(new ArrayList<>(state.getTouches().stream().filter(t -> t.getTime() >= oldest).toList()));
    state.setPayments(new ArrayList<>(state.getPayments().stream().filter(p -> p.getTime() >= oldest).toList()));
  }
}

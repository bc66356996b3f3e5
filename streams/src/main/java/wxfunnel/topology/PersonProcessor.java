package wxfunnel.topology;

import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import wxfunnel.events.Conversion;
import wxfunnel.events.Ecosystem;
import wxfunnel.internal.EventKind;
import wxfunnel.internal.FunnelDelta;
import wxfunnel.internal.Journey;
import wxfunnel.internal.PaymentRef;
import wxfunnel.internal.PaymentVerdict;
import wxfunnel.internal.PersonEvent;
import wxfunnel.internal.PersonState;
import wxfunnel.internal.RowShare;
import wxfunnel.internal.Touch;

/**
 * Everything that needs one person's history, in event time: dedup, lateness, attribution and
 * the person's funnel shares. Whether a touch is a duplicate or LATE is decided by the clock of its
 * own input partition, carried in the record, so a replay decides exactly as the first run did; a
 * payment comes decided by its identity step ({@link PaymentIdentityProcessor}). What may be frozen or forgotten follows the watermark of {@link InputClocks}; persons whose
 * state no longer matters are swept each minute of it.
 */
final class PersonProcessor implements Processor<String, Routed, String, Routed> {

  static final String ACCEPTED = "accepted.";
  static final String DUPLICATE = "duplicate.";
  static final String LATE = "late.";
  static final String CAPPED = "capped.";
  /** The watermark last told to the funnel rows; under the clocks' prefix, which no count is read under. */
  private static final String ANNOUNCED = InputClocks.PREFIX + "announced";
  /** Up on a person's first save, down when the sweep removes them. */
  private static final String PERSONS_IN_STATE = FunnelTopology.PERSONS_IN_STATE;
  static final Duration SWEEP_INTERVAL = Duration.ofMinutes(1);

  private final Ecosystem ecosystem;
  private final FunnelConfig config;
  private final StoreNames stores;
  private ProcessorContext<String, Routed> context;
  private KeyValueStore<String, PersonState> persons;
  private KeyValueStore<String, Long> ledger;
  private KeyValueStore<String, String> catalog;
  private ExpiryIndex expiry;
  private InputClocks clocks;
  private long watermark = Long.MIN_VALUE;
  private long nextSweep = Long.MIN_VALUE;

  /** The stores this processor uses. */
  record StoreNames(String persons, String expiry, String ledger, String catalog) {}

  PersonProcessor(final Ecosystem ecosystem, final FunnelConfig config, final StoreNames stores) {
    this.ecosystem = ecosystem;
    this.config = config;
    this.stores = stores;
  }

  @Override
  public void init(final ProcessorContext<String, Routed> context) {
    this.context = context;
    this.persons = context.getStateStore(stores.persons());
    this.ledger = context.getStateStore(stores.ledger());
    this.catalog = context.getStateStore(stores.catalog());
    this.expiry = new ExpiryIndex(context.<KeyValueStore<Bytes, byte[]>>getStateStore(stores.expiry()));
    this.clocks = new InputClocks(config.inputPartitions(), ledger);
    this.watermark = clocks.watermark();
    context.schedule(IntakeProcessor.CLOCK_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::announce);
    if (context.taskId().partition() == 0) {
      // One task audits the catalog's verdicts: its accepted records counted, its rejected ones dead-lettered.
      context.schedule(IntakeProcessor.CLOCK_INTERVAL, PunctuationType.WALL_CLOCK_TIME,
          now -> CatalogVerdicts.audit(catalog, ledger, context::forward));
    }
  }

  @Override
  public void process(final Record<String, Routed> record) {
    final PersonEvent event = ((Routed.Accepted) record.value()).event();
    if (event.getKind() == EventKind.CLOCK) {
      event.getInputClocks().forEach((kind, clock) -> clocks.advance(event.getSourcePartition(), kind, clock));
      advanceWatermark();
      return;
    }
    if (event.getKind() != EventKind.PAYMENT) {
      // The payments' clocks come relayed by their identity step, which has judged them already.
      clocks.advance(event.getSourcePartition(), event.getKind().name(), event.getSourceClock());
    }
    advanceWatermark();
    final PersonState state = load(record.key());
    final PaymentVerdict verdict = verdict(state, event);
    if (verdict == PaymentVerdict.DUPLICATE || verdict == PaymentVerdict.LATE) {
      tally((verdict == PaymentVerdict.LATE ? LATE : DUPLICATE) + event.getKind(), 1);
      if (verdict == PaymentVerdict.LATE) {
        rejectLate(event, record.timestamp());
      }
      return;
    }
    settle(state);
    final Journeys.Contribution before = Journeys.contribution(state, config);
    if (verdict == PaymentVerdict.RETRACTED) {
      // A copy with a unionid took this payment: it leaves this person's rows.
      state.setPayments(new ArrayList<>(state.getPayments().stream()
          .filter(p -> !p.getTransactionId().equals(event.getEventId())).toList()));
    } else {
      add(state, event);
    }
    state.setJourneys(Journeys.of(state, config));
    if (verdict == PaymentVerdict.ACCEPTED || verdict == null) {
      for (final PaymentRef payment : paymentsToAttribute(state, event)) {
        convert(payment, state, record.timestamp());
      }
    }
    for (final FunnelDelta delta : Journeys.deltas(before, Journeys.contribution(state, config))) {
      forward(Journeys.rowKey(delta.getCampaignId(), delta.getCohortDay()), new Routed.Changed(stamped(delta)), record.timestamp());
    }
    save(record.key(), state, event.getEventTime());
    // Counted once everything succeeded: a record that fails on the way is in the DLQ, and only there.
    if (verdict == PaymentVerdict.RETRACTED) {
      tally(ACCEPTED + event.getKind(), -1);
      tally(DUPLICATE + event.getKind(), 1);
    } else {
      tally(ACCEPTED + event.getKind(), 1);
    }
  }

  /**
   * A payment comes judged by its identity step; a touch is a duplicate of one the person still
   * has within the dedup horizon, else LATE when more than the grace behind its partition's clock.
   */
  private PaymentVerdict verdict(final PersonState state, final PersonEvent event) {
    if (event.getKind() == EventKind.PAYMENT) {
      return event.getVerdict();
    }
    if (isDuplicate(state, event)) {
      return PaymentVerdict.DUPLICATE;
    }
    return event.getEventTime() < event.getSourceClock() - config.grace().toMillis() ? PaymentVerdict.LATE : null;
  }

  /**
   * Emits a payment's conversion, and keeps what it credits to each campaign under the configured
   * model for the rows; one whose copy another may replace goes through the gate.
   */
  private void convert(final PaymentRef payment, final PersonState state, final long timestamp) {
    final Conversion conversion = Attribution.convert(ecosystem, payment, state.getTouches(), config.lookback(), state.getCapped());
    payment.setCredited(Attribution.split(config.model(), Attribution.inLookback(payment, state.getTouches(), config.lookback()),
        payment.getAmount()));
    final boolean gated = !payment.getHasUnionid() || payment.getUpgraded();
    final RecordHeaders headers = new RecordHeaders();
    if (payment.getUpgraded()) {
      headers.add(ConversionGate.UPGRADED, new byte[0]);
    }
    context.forward(new Record<String, Routed>(payment.getTransactionId(), new Routed.Converted(conversion, gated), timestamp, headers));
  }

  /** A copy of a touch the person already has, within the dedup horizon of its partition's clock. */
  private boolean isDuplicate(final PersonState state, final PersonEvent event) {
    final long since = event.getSourceClock() - config.dedupHorizon().toMillis() - config.grace().toMillis();
    return state.getTouches().stream()
        .anyMatch(t -> t.getTime() >= since && t.getKind() == event.getKind() && t.getEventId().equals(event.getEventId()));
  }

  private void add(final PersonState state, final PersonEvent event) {
    if (event.getKind() == EventKind.PAYMENT) {
      final PaymentRef payment = new PaymentRef(event.getEventId(), event.getEventTime(), event.getAmount(),
          event.getCurrency(), event.getHasUnionid(), event.getUpgraded(), new HashMap<>());
      final List<PaymentRef> payments = new ArrayList<>(state.getPayments());
      payments.add(payment);
      payments.sort(Attribution.PAYMENT_ORDER);
      state.setPayments(payments);
      return;
    }
    final List<Touch> touches = new ArrayList<>(state.getTouches());
    touches.add(new Touch(event.getKind(), event.getEventId(), event.getEventTime(), campaignOf(event), event.getMsgId(),
        event.getSceneStr()));
    touches.sort(Attribution.TOUCH_ORDER);
    if (touches.size() > config.maxTouches()) {
      // The first touch and the most recent ones stay: the second oldest goes.
      final Touch dropped = touches.remove(1);
      state.setCapped(state.getCapped() + 1);
      tally(CAPPED + dropped.getKind(), 1);
    }
    state.setTouches(touches);
  }

  /**
   * The event's own campaign, else the campaign of its article as published at or before the
   * event: a later version of the article never changes an earlier touch.
   */
  private String campaignOf(final PersonEvent event) {
    if (event.getCampaignId() != null || event.getMsgId() == null) {
      return event.getCampaignId();
    }
    return CatalogUpdater.campaignAt(catalog, event.getMsgId(), event.getEventTime());
  }

  /** A new payment; or, for a touch, the payments whose lookback it falls in. */
  private List<PaymentRef> paymentsToAttribute(final PersonState state, final PersonEvent event) {
    if (event.getKind() == EventKind.PAYMENT) {
      return state.getPayments().stream().filter(p -> p.getTransactionId().equals(event.getEventId())).toList();
    }
    final long until = event.getEventTime() + config.lookback().toMillis();
    return state.getPayments().stream()
        .filter(p -> p.getTime() >= event.getEventTime() && p.getTime() <= until)
        .toList();
  }

  /**
   * Freezes the journeys no accepted record can change any more (their window and grace have
   * passed the watermark), lets go of the rows that are final, and forgets events older than the
   * retention. None of it changes the person's shares of the rows still open.
   */
  private void settle(final PersonState state) {
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

  private PersonState load(final String person) {
    final PersonState state = persons.get(person);
    return state != null ? state : PersonState.newBuilder().setTouches(new ArrayList<>()).setPayments(new ArrayList<>())
        .setJourneys(new ArrayList<>()).setFrontiers(new HashMap<>()).setExpiresAt(0L).setFrozen(new HashMap<>()).build();
  }

  /**
   * Saves the person until nothing of theirs can matter: their last event is more than the
   * retention behind the watermark (a touch exactly a lookback before a payment still counts), and
   * every row they are in is final.
   */
  private void save(final String person, final PersonState state, final long eventTime) {
    long expiresAt = Math.max(state.getExpiresAt(), eventTime + config.retention().toMillis() + 1);
    for (final RowShare share : Journeys.shares(state).values()) {
      expiresAt = Math.max(expiresAt, config.rowClosesAt(LocalDate.ofEpochDay(share.getCohortDay())));
    }
    if (expiresAt > state.getExpiresAt()) {
      if (state.getExpiresAt() == 0) {
        tally(PERSONS_IN_STATE, 1);
      }
      expiry.move(person, state.getExpiresAt(), expiresAt);
      state.setExpiresAt(expiresAt);
    }
    persons.put(person, state);
  }

  /** Takes in a new watermark; each minute of it, removes the persons whose state no longer matters. */
  private void advanceWatermark() {
    watermark = clocks.watermark();
    if (watermark != Long.MIN_VALUE && watermark >= nextSweep) {
      final List<String> swept = expiry.takeDue(watermark);
      swept.forEach(persons::delete);
      if (!swept.isEmpty()) {
        tally(PERSONS_IN_STATE, -swept.size());
      }
      nextSweep = watermark + SWEEP_INTERVAL.toMillis();
    }
  }

  /**
   * Tells every funnel-row partition the watermark, when it has moved since it was last told (they
   * keep it; so does the ledger, so that a restart with nothing new to read writes nothing).
   */
  private void announce(final long now) {
    final Long announced = ledger.get(ANNOUNCED);
    if (watermark == Long.MIN_VALUE || (announced != null && announced == watermark)) {
      return;
    }
    final FunnelDelta tick = FunnelDelta.newBuilder().setCampaignId("").setCohortDay(0).setTouched(0).setCoupon(0).setPaid(0)
        .setGmv(new HashMap<>()).build();
    forward("", new Routed.Changed(stamped(tick)), now);
    ledger.put(ANNOUNCED, watermark);
  }

  /** The delta with the watermark it was made under: the funnel rows need every person task's. */
  private FunnelDelta stamped(final FunnelDelta delta) {
    delta.setWatermark(watermark == Long.MIN_VALUE ? null : watermark);
    delta.setSourceTask(context.taskId().partition());
    return delta;
  }

  /** Moves a ledger count by {@code delta}. */
  private void tally(final String what, final long delta) {
    final Long count = ledger.get(what);
    ledger.put(what, count == null ? delta : count + delta);
  }

  private void rejectLate(final PersonEvent event, final long timestamp) {
    final long lateBy = event.getSourceClock() - event.getEventTime();
    context.forward(new Record<String, Routed>(null,
        new Routed.Rejected(DeadLetters.copyOf(event.getRawKey()), DeadLetters.copyOf(event.getRawValue())), timestamp,
        DeadLetters.headers(DlqReason.LATE, "event time " + lateBy + " ms behind its input partition's clock; grace is "
            + config.grace().toMillis() + " ms", event.getSourceTopic(), event.getSourcePartition(), event.getSourceOffset())));
  }

  private void forward(final String key, final Routed value, final long timestamp) {
    context.forward(new Record<>(key, value, timestamp, new RecordHeaders()));
  }

}

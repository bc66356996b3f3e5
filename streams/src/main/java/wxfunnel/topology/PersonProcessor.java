package wxfunnel.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import wxfunnel.events.Ecosystem;
import wxfunnel.internal.EventKind;
import wxfunnel.internal.FunnelDelta;
import wxfunnel.internal.Journey;
import wxfunnel.internal.PaymentRef;
import wxfunnel.internal.PersonEvent;
import wxfunnel.internal.PersonState;
import wxfunnel.internal.Touch;

/**
 * Everything that needs one person's history, in event time: dedup, lateness, attribution and
 * the person's funnel entries. A person's state lives only as long as it can change an output;
 * a sweep, each minute of event time, removes the persons whose horizon has passed.
 *
 * <p>Whether a record is LATE or a duplicate is decided by the clock of its input task (one
 * partition of every input, read in timestamp order): the largest event time that task had
 * accepted when it sent the record, carried in the record. That order is fixed by the data, so a
 * replay decides exactly as the first run did, however the upstream tasks interleave here.
 *
 * <p>Finalising and forgetting follow a low watermark: for each upstream task the largest clock it
 * has sent, and of those the smallest. Upstream tasks work through their inputs at their own pace
 * (a backlog, a replay), so one that runs ahead cannot free state that a slower one still needs;
 * and a record its own task accepted is never behind the watermark by more than the grace. The
 * clocks are kept in the ledger ({@value #CLOCK}{@code .<partition>}), so a restart resumes them;
 * rejected records and the timestamps producers put on records never move them. The ledger also
 * counts the persons in state ({@value #PERSONS_IN_STATE}), which shows that their horizon bounds them.
 */
final class PersonProcessor implements Processor<String, Routed, String, Routed> {

  static final String ACCEPTED = "accepted.";
  static final String DUPLICATE = "duplicate.";
  static final String LATE = "late.";
  static final String CLOCK = "clock";
  /** Up on a person's first save, down when the sweep removes them. */
  private static final String PERSONS_IN_STATE = FunnelTopology.PERSONS_IN_STATE;
  static final Duration SWEEP_INTERVAL = Duration.ofMinutes(1);
  private static final Comparator<PaymentRef> PAYMENT_ORDER =
      Comparator.comparingLong(PaymentRef::getTime).thenComparing(PaymentRef::getTransactionId);

  private final Ecosystem ecosystem;
  private final FunnelConfig config;
  private final StoreNames stores;
  private ProcessorContext<String, Routed> context;
  private KeyValueStore<String, PersonState> persons;
  private KeyValueStore<Bytes, byte[]> expiry;
  private KeyValueStore<String, Long> ledger;
  private KeyValueStore<String, String> catalog;
  private final Map<Integer, Long> upstreamClocks = new HashMap<>();
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
    this.expiry = context.getStateStore(stores.expiry());
    this.ledger = context.getStateStore(stores.ledger());
    this.catalog = context.getStateStore(stores.catalog());
    try (KeyValueIterator<String, Long> clocks = ledger.prefixScan(CLOCK + ".", new StringSerializer())) {
      clocks.forEachRemaining(kv -> upstreamClocks.put(Integer.parseInt(kv.key.substring(CLOCK.length() + 1)), kv.value));
    }
  }

  @Override
  public void process(final Record<String, Routed> record) {
    final PersonEvent event = ((Routed.Accepted) record.value()).event();
    advanceUpstream(event.getSourcePartition(), event.getSourceClock());
    final long watermark = watermark();
    final PersonState state = load(record.key());
    forgetOldIds(state, watermark);
    final String dedupKey = event.getKind() + ":" + event.getEventId();
    final Long seen = state.getSeen().get(dedupKey);
    if (seen != null && seen >= event.getSourceClock() - dedupMemory()) {
      count(DUPLICATE + event.getKind());
      return;
    }
    if (event.getEventTime() < event.getSourceClock() - config.grace().toMillis()) {
      count(LATE + event.getKind());
      rejectLate(event);
      return;
    }
    count(ACCEPTED + event.getKind());
    if (watermark >= nextSweep) {
      sweep(watermark);
      nextSweep = watermark + SWEEP_INTERVAL.toMillis();
    }

    finalizeAndPrune(state, watermark);
    state.getSeen().put(dedupKey, event.getEventTime());
    final List<Journey> before = state.getJourneys();
    add(state, event);
    final List<Journey> after = Journeys.of(state, config);
    state.setJourneys(after);
    for (final FunnelDelta delta : Journeys.deltas(before, after)) {
      forward(Journeys.rowKey(delta.getCampaignId(), delta.getCohortDay()), new Routed.Changed(delta), event.getEventTime());
    }
    for (final PaymentRef payment : paymentsToAttribute(state, event)) {
      forward(payment.getTransactionId(),
          new Routed.Converted(Attribution.convert(ecosystem, payment, state.getTouches(), config.lookback())),
          event.getEventTime());
    }
    save(record.key(), state, event.getEventTime() + config.retention().toMillis());
  }

  private void add(final PersonState state, final PersonEvent event) {
    if (event.getKind() == EventKind.PAYMENT) {
      state.getPayments().add(new PaymentRef(event.getEventId(), event.getEventTime(), event.getAmount(),
          event.getCurrency(), event.getHasUnionid()));
      state.getPayments().sort(PAYMENT_ORDER);
    } else {
      state.getTouches().add(new Touch(event.getKind(), event.getEventId(), event.getEventTime(), campaignOf(event),
          event.getMsgId(), event.getSceneStr()));
      state.getTouches().sort(Attribution.TOUCH_ORDER);
    }
  }

  /** The event's own campaign, else the catalog's campaign of its article. */
  private String campaignOf(final PersonEvent event) {
    if (event.getCampaignId() != null) {
      return event.getCampaignId();
    }
    return event.getMsgId() == null ? null : catalog.get(event.getMsgId());
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
   * passed: any event inside them would now be LATE), then forgets events older than the retention.
   */
  private void finalizeAndPrune(final PersonState state, final long watermark) {
    final long window = config.conversionWindow().toMillis();
    final List<Journey> open = new ArrayList<>();
    for (final Journey journey : state.getJourneys()) {
      if (journey.getStart() + window + config.grace().toMillis() <= watermark) {
        state.getFrontiers().merge(journey.getCampaignId(), journey.getStart() + window, Math::max);
      } else {
        open.add(journey);
      }
    }
    state.setJourneys(open);
    final long oldest = watermark - config.retention().toMillis();
    state.getTouches().removeIf(t -> t.getTime() < oldest);
    state.getPayments().removeIf(p -> p.getTime() < oldest);
    state.getFrontiers().values().removeIf(frontier -> frontier < oldest);
  }

  /**
   * Forgets the event ids older than the dedup horizon. The watermark decides, not each task's
   * stream time: one upstream task racing ahead through a backlog must not make the others'
   * retries look new.
   */
  private void forgetOldIds(final PersonState state, final long watermark) {
    final long forgotten = watermark - dedupMemory();
    state.getSeen().values().removeIf(time -> time < forgotten);
  }

  private long dedupMemory() {
    return config.dedupHorizon().toMillis() + config.grace().toMillis();
  }

  private PersonState load(final String person) {
    final PersonState state = persons.get(person);
    return state != null ? state
        : new PersonState(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new HashMap<>(), 0L, new HashMap<>());
  }

  private void save(final String person, final PersonState state, final long expiresAt) {
    if (expiresAt > state.getExpiresAt()) {
      if (state.getExpiresAt() > 0) {
        expiry.delete(expiryKey(state.getExpiresAt(), person));
      } else {
        tally(PERSONS_IN_STATE, 1);
      }
      expiry.put(expiryKey(expiresAt, person), new byte[0]);
      state.setExpiresAt(expiresAt);
    }
    persons.put(person, state);
  }

  private void advanceUpstream(final int partition, final long eventTime) {
    final Long clock = upstreamClocks.get(partition);
    if (clock == null || eventTime > clock) {
      upstreamClocks.put(partition, eventTime);
      ledger.put(CLOCK + "." + partition, eventTime);
    }
  }

  /** The smallest of the upstream clocks: every upstream task has sent everything before it, give or take grace. */
  private long watermark() {
    long min = Long.MAX_VALUE;
    for (final long clock : upstreamClocks.values()) {
      min = Math.min(min, clock);
    }
    return min;
  }

  /** Removes every person whose last event is older than the retention: nothing of theirs can change. */
  private void sweep(final long watermark) {
    final List<Bytes> due = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> expired = expiry.range(expiryKey(0, ""), expiryKey(watermark, ""))) {
      expired.forEachRemaining(entry -> due.add(entry.key));
    }
    for (final Bytes key : due) {
      expiry.delete(key);
      persons.delete(new String(key.get(), Long.BYTES, key.get().length - Long.BYTES, StandardCharsets.UTF_8));
    }
    if (!due.isEmpty()) {
      tally(PERSONS_IN_STATE, -due.size());
    }
  }

  /** Big-endian time first, so that a range scan walks the expiry times in order. */
  private static Bytes expiryKey(final long time, final String person) {
    final byte[] personBytes = person.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(Long.BYTES + personBytes.length).putLong(time).put(personBytes).array());
  }

  private void count(final String what) {
    tally(what, 1);
  }

  /** Moves a ledger count by {@code delta}. */
  private void tally(final String what, final long delta) {
    final Long count = ledger.get(what);
    ledger.put(what, count == null ? delta : count + delta);
  }

  private void rejectLate(final PersonEvent event) {
    final long lateBy = event.getSourceClock() - event.getEventTime();
    context.forward(new Record<String, Routed>(null,
        new Routed.Rejected(bytes(event.getRawKey()), bytes(event.getRawValue())), event.getEventTime(),
        DeadLetters.headers(DlqReason.LATE, "event time " + lateBy + " ms behind its input partition's clock; grace is "
            + config.grace().toMillis() + " ms", event.getSourceTopic(), event.getSourcePartition(), event.getSourceOffset())));
  }

  private void forward(final String key, final Routed value, final long timestamp) {
    context.forward(new Record<>(key, value, timestamp, new RecordHeaders()));
  }

  private static byte[] bytes(final ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    final byte[] copy = new byte[buffer.remaining()];
    buffer.duplicate().get(copy);
    return copy;
  }
}

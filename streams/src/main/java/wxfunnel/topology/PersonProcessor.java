package wxfunnel.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import wxfunnel.events.Conversion;
import wxfunnel.internal.ContentCredit;
import wxfunnel.internal.ContentDelta;
import wxfunnel.internal.EventKind;
import wxfunnel.internal.FunnelDelta;
import wxfunnel.internal.PaymentContent;
import wxfunnel.internal.PaymentRef;
import wxfunnel.internal.PaymentVerdict;
import wxfunnel.internal.PersonEvent;
import wxfunnel.internal.PersonState;
import wxfunnel.internal.Touch;
import wxfunnel.topics.DeadLetters;
import wxfunnel.topics.DlqReason;
import wxfunnel.topics.Names;

/**
 * Everything that needs one person's history, in event time: dedup, lateness, attribution and
 * the person's funnel shares. Whether a touch is a duplicate or LATE is decided by the clock of its
 * own input partition, carried in the record, so a replay decides exactly as the first run did; a
 * payment comes decided by its identity step ({@link PaymentIdentityProcessor}). What may be frozen
 * or forgotten follows the {@link UpstreamWatermark}; persons whose state no longer matters are
 * swept by {@link PersonExpiry}. Changes to funnel rows are summed per row ({@link PendingDeltas})
 * and sent every {@link #SEND_INTERVAL}, and always before a newer watermark is told the rows;
 * changes to content rows (a touch, a payment's credits) go as they happen, after the state is saved.
 */
final class PersonProcessor extends EcosystemProcessor<String, PersonEvent, String, Routed> {

  static final Duration SEND_INTERVAL = Duration.ofMillis(500);

  private KeyValueStore<String, PersonState> persons;
  private KeyValueStore<String, String> catalog;
  private PersonCounts counts;
  private UpstreamWatermark upstream;
  private PersonExpiry expiry;
  private PendingDeltas pending;
  private PaymentContents contents;
  /** The changes to content rows of the record in process, sent once its person's state is saved. */
  private final List<Record<String, Routed>> contentChanges = new ArrayList<>();

  PersonProcessor(final FunnelConfig config, final Names names) {
    super(config, names);
  }

  @Override
  void open() {
    final KeyValueStore<String, Long> ledger = store(Names.LEDGER);
    this.persons = store(Names.PERSONS);
    this.catalog = store(Names.CATALOG);
    this.counts = new PersonCounts(ledger);
    this.upstream = new UpstreamWatermark(config.inputPartitions(), ledger, context.taskId().partition());
    this.expiry = new PersonExpiry(config, persons, store(Names.PERSON_EXPIRY), counts);
    this.pending = new PendingDeltas(store(Names.FUNNEL_PENDING));
    this.contents = new PaymentContents(store(Names.PAYMENT_CONTENT));
    context.schedule(SEND_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::send);
    context.schedule(IntakeProcessor.CLOCK_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::announce);
    if (context.taskId().partition() == 0) {
      // One task audits the catalog's verdicts: its accepted records counted, its rejected ones dead-lettered.
      context.schedule(IntakeProcessor.CLOCK_INTERVAL, PunctuationType.WALL_CLOCK_TIME,
          now -> CatalogVerdicts.audit(catalog, ledger, context::forward));
    }
  }

  @Override
  public void process(final Record<String, PersonEvent> record) {
    final PersonEvent event = record.value();
    expiry.sweep(upstream.hear(event));
    if (event.getKind() == EventKind.CLOCK) {
      return;
    }
    final PersonState state = Optional.ofNullable(persons.get(record.key())).orElseGet(PersonHistory::empty);
    final PaymentVerdict verdict = verdict(state, event);
    if (verdict == PaymentVerdict.DUPLICATE || verdict == PaymentVerdict.LATE) {
      refuse(event, verdict, record.timestamp());
      return;
    }
    contentChanges.clear();
    PersonHistory.settle(state, upstream.current(), config);
    final Journeys.Contribution before = Journeys.contribution(state, config);
    final Touch touch = event.getKind() == EventKind.PAYMENT ? null : PersonHistory.touchOf(event, catalog);
    if (verdict == PaymentVerdict.RETRACTED) {
      state.getPayments().stream().filter(p -> p.getTransactionId().equals(event.getEventId()))
          .forEach(payment -> {
            credit(contents.of(payment), -1, record.timestamp());
            contents.put(payment, PaymentContents.none(payment));
          });
    }
    PersonHistory.take(state, event, verdict, touch, config).ifPresent(dropped -> counts.capped(dropped.getKind()));
    if (touch != null && Content.rowOf(touch, config.timeZone()) != null) {
      touched(record.key(), touch, record.timestamp());
    }
    if (verdict == PaymentVerdict.ACCEPTED || verdict == null) {
      PersonHistory.toAttribute(state, event, config.lookback()).forEach(payment -> convert(record.key(), payment, state, record.timestamp()));
    }
    save(record.key(), state, event.getEventTime(), Journeys.deltas(before, Journeys.contribution(state, config)));
    // Sent once the state is saved: a record that fails on the way changes no content row.
    contentChanges.forEach(context::forward);
    contentChanges.clear();
    // Counted once everything succeeded: a record that fails on the way is in the DLQ, and only there.
    counts.taken(event.getKind(), verdict);
  }

  /** Saves the person's state, then keeps their changes to the rows: a save that fails changes no row. */
  private void save(final String person, final PersonState state, final long eventTime, final List<FunnelDelta> deltas) {
    expiry.extend(person, state, eventTime);
    persons.put(person, state);
    deltas.forEach(pending::add);
  }

  /**
   * A payment comes judged by its identity step; a touch is a duplicate of one the person still
   * has within the dedup horizon, else LATE when more than the grace behind its partition's clock.
   */
  private PaymentVerdict verdict(final PersonState state, final PersonEvent event) {
    if (event.getKind() == EventKind.PAYMENT) {
      return event.getVerdict();
    }
    if (PersonHistory.hasTouch(state, event, config)) {
      return PaymentVerdict.DUPLICATE;
    }
    return event.getEventTime() < event.getSourceClock() - config.grace().toMillis() ? PaymentVerdict.LATE : null;
  }

  /** Counts a duplicate or a LATE record; a LATE one goes to the DLQ. */
  private void refuse(final PersonEvent event, final PaymentVerdict verdict, final long timestamp) {
    counts.refused(event.getKind(), verdict);
    if (verdict == PaymentVerdict.LATE) {
      final long lateBy = event.getSourceClock() - event.getEventTime();
      context.forward(new Record<String, Routed>(null,
          new Routed.Rejected(DeadLetters.copyOf(event.getRawKey()), DeadLetters.copyOf(event.getRawValue())), timestamp,
          DeadLetters.headers(DlqReason.LATE, "event time " + lateBy + " ms behind its input partition's clock; grace is "
              + config.grace().toMillis() + " ms", event.getSourceTopic(), event.getSourcePartition(), event.getSourceOffset())));
    }
  }

  /**
   * Emits a payment's conversion, and keeps what it credits to each campaign under the configured
   * model for the rows; one whose copy another may replace goes through the gate.
   */
  private void convert(final String person, final PaymentRef payment, final PersonState state, final long timestamp) {
    final Conversion conversion = Attribution.convert(ecosystem, payment, state.getTouches(), config.lookback(), state.getCapped());
    conversion.setPayer(Attribution.payer(person));
    final List<Touch> credited = Attribution.inLookback(payment, state.getTouches(), config.lookback());
    payment.setCredited(Attribution.split(config.model(), credited, payment.getAmount()));
    final List<ContentCredit> credits = Content.credits(payment, credited, config.timeZone());
    final PaymentContent content = credits.isEmpty() ? PaymentContents.none(payment)
        : new PaymentContent(payment.getCurrency(), conversion.getPayer(), credits);
    final PaymentContent before = contents.of(payment);
    if (!content.equals(before)) {
      credit(before, -1, timestamp);
      credit(content, 1, timestamp);
      contents.put(payment, content);
    }
    final boolean gated = !payment.getHasUnionid() || payment.getUpgraded();
    final RecordHeaders headers = new RecordHeaders();
    if (payment.getUpgraded()) {
      headers.add(ConversionGate.UPGRADED, new byte[0]);
    }
    context.forward(new Record<String, Routed>(payment.getTransactionId(), new Routed.Converted(conversion, gated), timestamp, headers));
  }

  /** The touch's content row: one more touch, by this person, of this campaign and (an article's) title. */
  private void touched(final String person, final Touch touch, final long timestamp) {
    final String row = Content.rowOf(touch, config.timeZone());
    final ContentDelta delta = ContentDelta.newBuilder().setRow(row).setTouches(1).setPerson(Attribution.payer(person))
        .setTouchTime(touch.getTime()).setCampaignId(touch.getCampaignId())
        .setTitle(touch.getKind() == EventKind.READ ? CatalogUpdater.titleAt(catalog, touch.getMsgId(), touch.getTime()) : null)
        .build();
    contentChanges.add(new Record<>(row, new Routed.ContentChanged(delta), timestamp, new RecordHeaders()));
  }

  /** Adds ({@code sign} 1) or takes back (-1) what a payment credits to content rows, by its payer, one change per row. */
  private void credit(final PaymentContent payment, final int sign, final long timestamp) {
    final Map<String, List<ContentCredit>> byRow = new TreeMap<>();
    payment.getCredits().forEach(credit -> byRow.computeIfAbsent(credit.getRow(), row -> new ArrayList<>()).add(credit));
    byRow.forEach((row, rowCredits) -> contentChanges.add(new Record<>(row, new Routed.ContentChanged(
        ContentDelta.newBuilder().setRow(row).setCurrency(payment.getCurrency()).setPerson(payment.getPayer()).setSign(sign)
            .setCredits(rowCredits).build()),
        timestamp, new RecordHeaders())));
  }

  /** Sends the pending changes, without a watermark: no row they change was final under the last one told. */
  private void send(final long now) {
    pending.send((row, delta) -> context.forward(new Record<>(row, new Routed.Changed(delta), now, new RecordHeaders())));
  }

  /** Tells every funnel-row partition the watermark, when it has moved since it was last told: after the changes made before it. */
  private void announce(final long now) {
    if (upstream.untold()) {
      send(now);
      final FunnelDelta tick = upstream.tick();
      context.forward(new Record<>("", new Routed.Changed(tick), now, new RecordHeaders()));
      context.forward(new Record<String, Routed>("", new Routed.ContentChanged(ContentDelta.newBuilder().setRow("")
          .setWatermark(tick.getWatermark()).setSourceTask(tick.getSourceTask()).build()), now, new RecordHeaders()));
      upstream.told();
      // Payments older than the retention are gone from every person: so is what they credited.
      contents.forgetBefore(tick.getWatermark() - config.retention().toMillis());
    }
  }
}

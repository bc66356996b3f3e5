package wxfunnel.topology;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import wxfunnel.internal.EventKind;
import wxfunnel.internal.PaymentCopy;
import wxfunnel.internal.PaymentVerdict;
import wxfunnel.internal.PersonEvent;
import wxfunnel.topics.Names;

/**
 * A payment is its transaction_id (DESIGN 5a): every copy of one, under any notification id and
 * with or without a unionid, comes here, keyed by it, and this step decides which copy counts. The
 * first copy counts; a later one within the dedup horizon is a duplicate, except a copy with a
 * unionid after one without, when both are within the grace of its partition's clock: it takes the
 * first one's place (the first one's person gives it up). Lateness is decided here too, by the copy's own input partition,
 * after the duplicate check, as for every event. Each copy then goes to its person with the verdict.
 *
 * <p>The person step must still know how far the payments have been read: this step relays it.
 * From every payments partition it keeps the clock, and each second it tells every person
 * partition the smallest of them; a payment it sends later is never more than the grace behind it.
 */
final class PaymentIdentityProcessor extends EcosystemProcessor<String, PersonEvent, String, PersonEvent> {

  /** In the clocks store, beside the partitions' clocks: the clock last relayed, so a restart relays nothing new. */
  private static final int ANNOUNCED = -1;

  private KeyValueStore<String, PaymentCopy> copies;
  private ExpiryIndex<PaymentCopy> expiry;
  private KeyValueStore<Integer, Long> clocks;
  private PartitionClocks partitionClocks;

  PaymentIdentityProcessor(final FunnelConfig config, final Names names) {
    super(config, names);
  }

  @Override
  void open() {
    this.copies = store(Names.PAYMENT_COPIES);
    this.expiry = new ExpiryIndex<>(store(Names.PAYMENT_EXPIRY), copies, copy -> forgetAt(copy.getTime()));
    this.clocks = store(Names.PAYMENT_CLOCKS);
    this.partitionClocks = new PartitionClocks(config.inputPartitions(), clocks);
    context.schedule(IntakeProcessor.CLOCK_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::announce);
  }

  @Override
  public void process(final Record<String, PersonEvent> record) {
    final PersonEvent event = record.value();
    advance(event.getSourcePartition(), event.getSourceClock());
    if (event.getKind() == EventKind.CLOCK) {
      return;
    }
    final long since = event.getSourceClock() - config.dedupHorizon().toMillis() - config.grace().toMillis();
    final long onTime = event.getSourceClock() - config.grace().toMillis();
    final PaymentCopy counted = copies.get(record.key());
    if (counted != null && counted.getTime() >= since) {
      // Both copies within the grace: replacing one changes nothing a final row or frozen journey holds.
      if (!counted.getHasUnionid() && event.getHasUnionid() && event.getEventTime() >= onTime && counted.getTime() >= onTime) {
        // The enriched copy decides: the first one's person gives the payment up.
        send(counted.getPerson(), event, PaymentVerdict.RETRACTED, record.timestamp());
        count(record.key(), counted, event);
        event.setUpgraded(true);
        send(event.getPerson(), event, PaymentVerdict.ACCEPTED, record.timestamp());
      } else {
        send(event.getPerson(), event, PaymentVerdict.DUPLICATE, record.timestamp());
      }
    } else if (event.getEventTime() < onTime) {
      send(event.getPerson(), event, PaymentVerdict.LATE, record.timestamp());
    } else {
      count(record.key(), counted, event);
      send(event.getPerson(), event, PaymentVerdict.ACCEPTED, record.timestamp());
    }
  }

  /** Remembers the copy that counts (instead of {@code before}), as long as another copy could be a duplicate of it. */
  private void count(final String transactionId, final PaymentCopy before, final PersonEvent event) {
    copies.put(transactionId, new PaymentCopy(event.getPerson(), event.getHasUnionid(), event.getEventTime()));
    expiry.move(transactionId, before == null ? 0 : forgetAt(before.getTime()), forgetAt(event.getEventTime()));
  }

  /** When no copy of a payment of this time can be a duplicate any more: the dedup horizon and grace have passed. */
  private long forgetAt(final long time) {
    return time + config.dedupHorizon().toMillis() + config.grace().toMillis() + 1;
  }

  private void send(final String person, final PersonEvent event, final PaymentVerdict verdict, final long timestamp) {
    final PersonEvent copy = PersonEvent.newBuilder(event).setVerdict(verdict).build();
    context.forward(new Record<>(person, copy, timestamp, new RecordHeaders()));
  }

  private void advance(final int partition, final long clock) {
    if (partitionClocks.advance(partition, clock)) {
      expiry.sweep(partitionClocks.smallest());
    }
  }

  /**
   * Tells every person partition how far the payments have been read, when that has moved. Once
   * any payments partition has been heard from, a clock is sent even while another is unheard (as
   * the very beginning): the payments are in use, and an unheard partition holds the watermark.
   */
  private void announce(final long now) {
    final long relayed = partitionClocks.smallest();
    if (partitionClocks.unheard() || Long.valueOf(relayed).equals(clocks.get(ANNOUNCED))) {
      return;
    }
    final PersonEvent tick = InputClocks.tick("", context.taskId().partition(), EventKind.PAYMENT, relayed);
    context.forward(new Record<>(EventKind.CLOCK.name(), tick, now, new RecordHeaders()));
    clocks.put(ANNOUNCED, relayed);
  }
}

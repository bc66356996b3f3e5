package wxfunnel.topology;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
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
final class PaymentIdentityProcessor implements Processor<String, PersonEvent, String, PersonEvent> {

  /** In the clocks store, beside the partitions' clocks: the clock last relayed, so a restart relays nothing new. */
  private static final int ANNOUNCED = -1;

  private final FunnelConfig config;
  private final Names names;
  private ProcessorContext<String, PersonEvent> context;
  private KeyValueStore<String, PaymentCopy> copies;
  private ExpiryIndex expiry;
  private KeyValueStore<Integer, Long> clocks;
  private final Map<Integer, Long> partitionClocks = new HashMap<>();
  private long relayed = Long.MIN_VALUE;
  private long nextSweep = Long.MIN_VALUE;

  PaymentIdentityProcessor(final FunnelConfig config, final Names names) {
    this.config = config;
    this.names = names;
  }

  @Override
  public void init(final ProcessorContext<String, PersonEvent> context) {
    this.context = context;
    this.copies = context.getStateStore(names.of(Names.PAYMENT_COPIES));
    this.expiry = new ExpiryIndex(context.<KeyValueStore<Bytes, byte[]>>getStateStore(names.of(Names.PAYMENT_EXPIRY)));
    this.clocks = context.getStateStore(names.of(Names.PAYMENT_CLOCKS));
    try (KeyValueIterator<Integer, Long> saved = clocks.all()) {
      saved.forEachRemaining(kv -> {
        if (kv.key != ANNOUNCED) {
          partitionClocks.put(kv.key, kv.value);
        }
      });
    }
    relayed = relay();
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
    final Long before = partitionClocks.get(partition);
    if (before == null || clock > before) {
      partitionClocks.put(partition, clock);
      clocks.put(partition, clock);
      relayed = relay();
      if (relayed != Long.MIN_VALUE && relayed >= nextSweep) {
        final List<String> forgotten = expiry.takeDue(relayed);
        forgotten.forEach(copies::delete);
        nextSweep = relayed + ExpiryIndex.SWEEP_INTERVAL.toMillis();
      }
    }
  }

  /** The smallest clock of every payments partition; {@link Long#MIN_VALUE} while one is unheard. */
  private long relay() {
    if (partitionClocks.size() < config.inputPartitions()) {
      return Long.MIN_VALUE;
    }
    return partitionClocks.values().stream().mapToLong(Long::longValue).min().orElse(Long.MIN_VALUE);
  }

  /**
   * Tells every person partition how far the payments have been read, when that has moved. Once
   * any payments partition has been heard from, a clock is sent even while another is unheard (as
   * the very beginning): the payments are in use, and an unheard partition holds the watermark.
   */
  private void announce(final long now) {
    if (partitionClocks.isEmpty() || Long.valueOf(relayed).equals(clocks.get(ANNOUNCED))) {
      return;
    }
    final PersonEvent tick = PersonEvent.newBuilder()
        .setKind(EventKind.CLOCK)
        .setEventId("")
        .setEventTime(relayed)
        .setHasUnionid(false)
        .setSourceTopic("")
        .setSourcePartition(context.taskId().partition())
        .setSourceOffset(-1)
        .setRawValue(ByteBuffer.allocate(0))
        .setSourceClock(relayed)
        .setInputClocks(Map.of(EventKind.PAYMENT.name(), relayed))
        .build();
    context.forward(new Record<>(EventKind.CLOCK.name(), tick, now, new RecordHeaders()));
    clocks.put(ANNOUNCED, relayed);
  }
}

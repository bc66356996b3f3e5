package wxfunnel.topology;

import java.nio.ByteBuffer;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import wxfunnel.internal.EventKind;
import wxfunnel.internal.PersonEvent;
import wxfunnel.serde.AvroDeserializer;
import wxfunnel.serde.UndecodableRecordException;
import wxfunnel.topics.DeadLetters;
import wxfunnel.topics.DlqReason;
import wxfunnel.topics.Names;
import wxfunnel.topology.Input.Common;
import wxfunnel.topology.Input.Problem;

/**
 * The door of one input topic: decodes the original bytes, checks them, and hands on either the
 * event keyed by its person or the untouched bytes for the DLQ. A registry that cannot be reached
 * is not the record's fault: that error propagates, so the record is retried rather than rejected.
 *
 * <p>The door keeps its partition's clock: the largest event time it has accepted. Each event
 * carries it, so lateness is decided by the order of its own partition alone; and each second the
 * clock, when it moved, goes to every person partition, so that the person step knows how far
 * every input partition has been read even where none of its persons is.
 *
 * <p>What the door writes carries at most the input record's own timestamp, which the broker has
 * already accepted: an event time up to {@code --max-future} ahead must not be refused on the way.
 */
final class IntakeProcessor<T extends SpecificRecord> extends EcosystemProcessor<byte[], byte[], String, Routed> {

  static final Duration CLOCK_INTERVAL = Duration.ofSeconds(1);
  private static final String ANNOUNCED = "announced.";

  private final Input<T> input;
  private final AvroDeserializer<T> deserializer;
  private KeyValueStore<String, Long> clock;

  IntakeProcessor(final Input<T> input, final FunnelConfig config, final AvroDeserializer<T> deserializer, final Names names) {
    super(config, names);
    this.input = input;
    this.deserializer = deserializer;
  }

  @Override
  void open() {
    // The task's clocks, one per input partition, keyed by input kind.
    this.clock = store(Names.INTAKE_CLOCK);
    context.schedule(CLOCK_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> announce(now));
  }

  @Override
  public void process(final Record<byte[], byte[]> record) {
    final RecordMetadata source = context.recordMetadata().orElseThrow();
    if (record.value() == null) {
      reject(record, source, DlqReason.NULL_VALUE, "null value on an event topic");
      return;
    }
    final Problem tooLarge = Input.sizeProblem(record.key(), record.value());
    if (tooLarge != null) {
      reject(record, source, tooLarge.reason(), tooLarge.message());
      return;
    }
    final T event;
    try {
      event = deserializer.deserialize(source.topic(), record.value());
    } catch (UndecodableRecordException e) {
      reject(record, source, reason(e.problem()), e.getMessage());
      return;
    }
    final Common common = Input.common(event);
    final Problem problem = input.check(event, common, ecosystem, config, record.timestamp());
    if (problem != null) {
      reject(record, source, problem.reason(), problem.message());
      return;
    }
    final long eventTime = common.eventTime().toEpochMilli();
    final long partitionClock = advanceClock(eventTime);
    final PersonEvent.Builder accepted = PersonEvent.newBuilder()
        .setSourceClock(partitionClock)
        .setKind(input.kind())
        .setEventId(common.eventId())
        .setEventTime(eventTime)
        .setHasUnionid(common.hasUnionid())
        .setSourceTopic(source.topic())
        .setSourcePartition(source.partition())
        .setSourceOffset(source.offset())
        .setRawKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
        .setRawValue(ByteBuffer.wrap(record.value()));
    if (input.kind() == EventKind.PAYMENT) {
      // It travels keyed by its transaction_id to its identity step, then on to this person.
      accepted.setPerson(common.personKey());
    }
    input.fields().copy(event, accepted);
    context.forward(new Record<String, Routed>(common.personKey(), new Routed.Accepted(accepted.build()),
        Math.min(eventTime, record.timestamp()), new RecordHeaders()));
  }

  /** Moves this partition's clock to {@code eventTime} if that is later; returns the clock. */
  private long advanceClock(final long eventTime) {
    final String key = input.kind().name();
    final Long before = clock.get(key);
    if (before != null && before >= eventTime) {
      return before;
    }
    clock.put(key, eventTime);
    return eventTime;
  }

  /**
   * Sends this partition's clock to every person partition, when it has moved since it was last
   * sent (kept in the store: a restart with nothing new to read writes nothing).
   */
  private void announce(final long now) {
    final Long current = clock.get(input.kind().name());
    if (current == null || current.equals(clock.get(ANNOUNCED + input.kind().name()))) {
      return;
    }
    final PersonEvent tick = InputClocks.tick(input.topic().topic(ecosystem), context.taskId().partition(), input.kind(), current);
    context.forward(new Record<String, Routed>(EventKind.CLOCK.name(), new Routed.Accepted(tick), now, new RecordHeaders()));
    clock.put(ANNOUNCED + input.kind().name(), current);
  }

  private void reject(final Record<byte[], byte[]> record, final RecordMetadata source, final DlqReason reason, final String error) {
    context.forward(new Record<String, Routed>(null, new Routed.Rejected(record.key(), record.value()), record.timestamp(),
        DeadLetters.headers(reason, error, source.topic(), source.partition(), source.offset())));
  }

  static DlqReason reason(final UndecodableRecordException.Problem problem) {
    return switch (problem) {
      case UNKNOWN_SCHEMA -> DlqReason.UNKNOWN_SCHEMA;
      case MISSING_FIELD -> DlqReason.MISSING_FIELD;
      case NOT_WIRE_FORMAT, WRONG_TYPE, CORRUPT -> DlqReason.UNDECODABLE;
    };
  }
}

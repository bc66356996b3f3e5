package wxfunnel.topology;

import java.nio.ByteBuffer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import wxfunnel.events.Ecosystem;
import wxfunnel.internal.PersonEvent;
import wxfunnel.serde.AvroDeserializer;
import wxfunnel.serde.UndecodableRecordException;
import wxfunnel.topology.Input.Common;
import wxfunnel.topology.Input.Problem;

/**
 * The door of one input topic: decodes the original bytes, checks them, and hands on either the
 * event keyed by its person (with event time as timestamp) or the untouched bytes for the DLQ.
 * A registry that cannot be reached is not the record's fault: that error propagates, so the
 * record is retried rather than rejected.
 */
final class IntakeProcessor<T extends SpecificRecord> implements Processor<byte[], byte[], String, Routed> {

  private static final String CLOCK_KEY = "clock";

  private final Input<T> input;
  private final Ecosystem ecosystem;
  private final FunnelConfig config;
  private final AvroDeserializer<T> deserializer;
  private final String clockStore;
  private ProcessorContext<String, Routed> context;
  private KeyValueStore<String, Long> clock;

  /**
   * @param clockStore the task's clock: the largest event time accepted by any door of the task,
   *     shared by the four doors, so that it follows one partition of every input in the order the task reads them
   */
  IntakeProcessor(final Input<T> input, final Ecosystem ecosystem, final FunnelConfig config, final AvroDeserializer<T> deserializer,
      final String clockStore) {
    this.input = input;
    this.ecosystem = ecosystem;
    this.config = config;
    this.deserializer = deserializer;
    this.clockStore = clockStore;
  }

  @Override
  public void init(final ProcessorContext<String, Routed> context) {
    this.context = context;
    this.clock = context.getStateStore(clockStore);
  }

  @Override
  public void process(final Record<byte[], byte[]> record) {
    final RecordMetadata source = context.recordMetadata().orElseThrow();
    if (record.value() == null) {
      reject(record, source, DlqReason.NULL_VALUE, "null value on an event topic");
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
    final Problem problem = input.check(event, common, ecosystem, config, context.currentSystemTimeMs());
    if (problem != null) {
      reject(record, source, problem.reason(), problem.message());
      return;
    }
    final long eventTime = common.eventTime().toEpochMilli();
    final Long before = clock.get(CLOCK_KEY);
    if (before == null || eventTime > before) {
      clock.put(CLOCK_KEY, eventTime);
    }
    final PersonEvent.Builder accepted = PersonEvent.newBuilder()
        .setSourceClock(before == null ? eventTime : Math.max(before, eventTime))
        .setKind(input.kind())
        .setEventId(common.eventId())
        .setEventTime(common.eventTime().toEpochMilli())
        .setHasUnionid(common.hasUnionid())
        .setSourceTopic(source.topic())
        .setSourcePartition(source.partition())
        .setSourceOffset(source.offset())
        .setRawKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
        .setRawValue(ByteBuffer.wrap(record.value()));
    input.fields().copy(event, accepted);
    context.forward(new Record<String, Routed>(common.personKey(), new Routed.Accepted(accepted.build()),
        common.eventTime().toEpochMilli(), new RecordHeaders()));
  }

  private void reject(final Record<byte[], byte[]> record, final RecordMetadata source, final DlqReason reason, final String error) {
    context.forward(new Record<String, Routed>(null, new Routed.Rejected(record.key(), record.value()), record.timestamp(),
        DeadLetters.headers(reason, error, source.topic(), source.partition(), source.offset())));
  }

  private static DlqReason reason(final UndecodableRecordException.Problem problem) {
    return switch (problem) {
      case UNKNOWN_SCHEMA -> DlqReason.UNKNOWN_SCHEMA;
      case MISSING_FIELD -> DlqReason.MISSING_FIELD;
      case NOT_WIRE_FORMAT, WRONG_TYPE, CORRUPT -> DlqReason.UNDECODABLE;
    };
  }
}

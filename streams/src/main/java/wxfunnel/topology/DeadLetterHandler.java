package wxfunnel.topology;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wxfunnel.internal.PersonEvent;
import wxfunnel.registry.RegistryException;
import wxfunnel.topics.DeadLetters;
import wxfunnel.topics.DlqReason;

/**
 * Kafka Streams' own dead-letter path (KIP-1033, KIP-1034) for what the processors did not
 * expect: the source record's original bytes go to the ecosystem's DLQ with reason
 * PROCESSING_ERROR, and processing goes on. When a later step fails on a re-keyed event, the input
 * record the event carries goes there, with its own topic, partition and offset. A schema registry that cannot be reached is not the
 * record's fault: that fails the task instead, so the record is retried after a restart.
 */
public final class DeadLetterHandler implements ProcessingExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(DeadLetterHandler.class);
  private static final Deserializer<PersonEvent> PERSON_EVENTS = InternalSerde.of(PersonEvent.class).deserializer();
  private String deadLetterTopic;

  @Override
  public void configure(final Map<String, ?> configs) {
    final Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
    if (topic == null) {
      throw new IllegalArgumentException(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG + " is not set");
    }
    this.deadLetterTopic = topic.toString();
  }

  @Override
  public Response handleError(final ErrorHandlerContext context, final Record<?, ?> record, final Exception exception) {
    if (RegistryException.isOutage(exception)) {
      return Response.fail();
    }
    log.error("processing failed at {}-{}@{} in {}; the record goes to {}", context.topic(), context.partition(),
        context.offset(), context.processorNodeId(), deadLetterTopic, exception);
    final PersonEvent event = FunnelTopology.carriesPersonEvents(context.topic()) ? personEvent(context.sourceRawValue()) : null;
    if (event != null && event.getRawValue().remaining() > 0) {
      // A later step failed on a re-keyed event: dead-letter the input record it came from, as it came.
      final var headers = DeadLetters.headers(DlqReason.PROCESSING_ERROR, exception.getClass().getName(),
          event.getSourceTopic(), event.getSourcePartition(), event.getSourceOffset());
      return Response.resume(List.of(new ProducerRecord<>(deadLetterTopic, null, DeadLetters.copyOf(event.getRawKey()),
          DeadLetters.copyOf(event.getRawValue()), headers)));
    }
    final var headers = DeadLetters.headers(DlqReason.PROCESSING_ERROR, exception.getClass().getName(),
        context.topic(), context.partition(), context.offset());
    return Response.resume(List.of(new ProducerRecord<>(deadLetterTopic, null, context.sourceRawKey(),
        context.sourceRawValue(), headers)));
  }

  /** The person event a re-keyed record carries; null if the bytes are none. */
  private static PersonEvent personEvent(final byte[] value) {
    try {
      return value == null ? null : PERSON_EVENTS.deserialize("", value);
    } catch (RuntimeException notOne) {
      return null;
    }
  }
}

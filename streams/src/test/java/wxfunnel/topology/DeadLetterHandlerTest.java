package wxfunnel.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;
import wxfunnel.events.Ecosystem;
import wxfunnel.internal.EventKind;
import wxfunnel.internal.PersonEvent;
import wxfunnel.topics.DeadLetters;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;

/** What the DLQ gets when a step fails unexpectedly: the input record as it came, wherever the step is. */
class DeadLetterHandlerTest {

  private static final byte[] INPUT_KEY = "o-oa-u1".getBytes(StandardCharsets.UTF_8);
  private static final byte[] INPUT_VALUE = {0, 0, 0, 0, 3, 42, 42};

  /** Where a step was when it failed, as Kafka Streams tells the handler. */
  private record FailedAt(String topic, int partition, long offset, byte[] sourceRawKey, byte[] sourceRawValue)
      implements ErrorHandlerContext {
    @Override
    public Headers headers() {
      return new RecordHeaders();
    }

    @Override
    public String processorNodeId() {
      return "wxfunnel-weixin-person";
    }

    @Override
    public TaskId taskId() {
      return new TaskId(1, partition);
    }

    @Override
    public long timestamp() {
      return 0;
    }
  }

  @Test
  void aFailureAfterTheRepartitionDeadLettersTheInputRecordItCarries() {
    // Given a read from weixin.reads-2 at offset 17, re-keyed by its person
    final PersonEvent event = PersonEvent.newBuilder().setKind(EventKind.READ).setEventId("r1").setEventTime(1L)
        .setHasUnionid(true).setSourceTopic(EcoTopic.READS.topic(Ecosystem.WEIXIN)).setSourcePartition(2).setSourceOffset(17)
        .setRawKey(ByteBuffer.wrap(INPUT_KEY)).setRawValue(ByteBuffer.wrap(INPUT_VALUE)).setSourceClock(1L).build();
    final byte[] repartitioned = InternalSerde.of(PersonEvent.class).serializer().serialize("", event);

    // When the person step fails on it
    final ProducerRecord<byte[], byte[]> letter = handle(new FailedAt(new Names(Ecosystem.WEIXIN).repartition(Names.BY_PERSON), 4, 900,
        "u:u1".getBytes(StandardCharsets.UTF_8), repartitioned));

    // Then the DLQ gets the input record as it came, with its own topic, partition and offset
    assertThat(letter.key()).isEqualTo(INPUT_KEY);
    assertThat(letter.value()).isEqualTo(INPUT_VALUE);
    assertThat(header(letter, DeadLetters.REASON)).isEqualTo("PROCESSING_ERROR");
    assertThat(header(letter, DeadLetters.SOURCE_TOPIC)).isEqualTo(EcoTopic.READS.topic(Ecosystem.WEIXIN));
    assertThat(header(letter, DeadLetters.SOURCE_PARTITION)).isEqualTo("2");
    assertThat(header(letter, DeadLetters.SOURCE_OFFSET)).isEqualTo("17");
  }

  @Test
  void aFailureAtAnInputDeadLettersTheRecordWhereItIs() {
    final ProducerRecord<byte[], byte[]> letter = handle(new FailedAt(EcoTopic.READS.topic(Ecosystem.WEIXIN), 2, 17, INPUT_KEY, INPUT_VALUE));

    assertThat(letter.value()).isEqualTo(INPUT_VALUE);
    assertThat(header(letter, DeadLetters.SOURCE_TOPIC)).isEqualTo(EcoTopic.READS.topic(Ecosystem.WEIXIN));
    assertThat(header(letter, DeadLetters.SOURCE_OFFSET)).isEqualTo("17");
  }

  private static ProducerRecord<byte[], byte[]> handle(final ErrorHandlerContext context) {
    final DeadLetterHandler handler = new DeadLetterHandler();
    handler.configure(Map.of(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, EcoTopic.DLQ.topic(Ecosystem.WEIXIN)));
    final List<ProducerRecord<byte[], byte[]>> letters =
        handler.handleError(context, null, new IllegalStateException("a bug")).deadLetterQueueRecords();
    assertThat(letters).hasSize(1);
    assertThat(letters.get(0).topic()).isEqualTo(EcoTopic.DLQ.topic(Ecosystem.WEIXIN));
    return letters.get(0);
  }

  private static String header(final ProducerRecord<byte[], byte[]> record, final String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }
}

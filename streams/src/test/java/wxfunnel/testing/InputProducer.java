package wxfunnel.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import wxfunnel.reference.ReferenceModel.InputRecord;

/**
 * Sends input records to the partitions a test chooses and tells where each one landed, so that
 * the reference model reads exactly what the processor reads.
 */
public final class InputProducer implements AutoCloseable {

  private record Sent(String topic, byte[] key, byte[] value, long timestamp, Future<RecordMetadata> landed) {}

  private final KafkaProducer<byte[], byte[]> producer;
  private final List<Sent> sent = new ArrayList<>();

  public InputProducer(final Map<String, Object> kafka) {
    final Map<String, Object> config = new HashMap<>(kafka);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 << 20);
    this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }

  public void send(final String topic, final int partition, final byte[] key, final byte[] value, final long timestamp) {
    sent.add(new Sent(topic, key, value, timestamp, producer.send(new ProducerRecord<>(topic, partition, timestamp, key, value))));
  }

  /** Everything sent since the last call, acknowledged, with the offset it landed at. */
  public List<InputRecord> flush() throws Exception {
    producer.flush();
    final List<InputRecord> landed = new ArrayList<>();
    for (final Sent record : sent) {
      final RecordMetadata at = record.landed().get();
      landed.add(new InputRecord(record.topic(), at.partition(), at.offset(), record.key(), record.value(), record.timestamp()));
    }
    sent.clear();
    return landed;
  }

  @Override
  public void close() {
    producer.close();
  }
}

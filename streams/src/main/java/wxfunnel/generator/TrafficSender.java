package wxfunnel.generator;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import wxfunnel.registry.SchemaRegistry;
import wxfunnel.serde.AvroSerializer;

/** Sends generated records as the platforms' producers would: Confluent wire format, keyed by openid, stamped at delivery. */
public final class TrafficSender implements AutoCloseable {

  private final KafkaProducer<byte[], byte[]> producer;
  private final AvroSerializer<SpecificRecord> serializer;
  private volatile Exception failure;

  public TrafficSender(final Map<String, Object> kafka, final SchemaRegistry registry) {
    final Map<String, Object> config = new HashMap<>(kafka);
    config.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
    config.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 20);
    config.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    config.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    this.serializer = new AvroSerializer<>(registry, false, true);
  }

  /** The bytes a record is sent as. */
  public byte[] valueBytes(final Generated record) {
    return record.isMalformed() ? record.raw() : serializer.serialize(record.topic(), record.value());
  }

  /** Sends one record; fails if an earlier send failed, so nothing is lost unnoticed. */
  public void send(final Generated record) {
    throwIfFailed();
    producer.send(new ProducerRecord<>(record.topic(), null, record.deliverAt(),
        record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8), valueBytes(record)), (metadata, e) -> {
          if (e != null && failure == null) {
            failure = e;
          }
        });
  }

  /** Waits until everything sent is acknowledged. */
  public void flush() {
    producer.flush();
    throwIfFailed();
  }

  private void throwIfFailed() {
    if (failure != null) {
      throw new IllegalStateException("sending generated traffic failed: " + failure.getMessage()
          + " (a broker refuses records stamped more than log.message.timestamp.after.max.ms, 1 h by default, ahead of"
          + " its clock: start the traffic earlier, or send fewer records)", failure);
    }
  }

  @Override
  public void close() {
    producer.close();
  }
}

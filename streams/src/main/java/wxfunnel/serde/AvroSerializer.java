package wxfunnel.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;
import wxfunnel.registry.RegistryException;
import wxfunnel.registry.SchemaRegistry;

/**
 * Writes Avro records (specific or generic) in the Confluent wire format, under the
 * TopicNameStrategy subject {@code <topic>-value} or {@code <topic>-key}. Null stays null.
 */
public final class AvroSerializer<T extends GenericContainer> implements Serializer<T> {

  private SchemaRegistry registry;
  private boolean isKey;
  private boolean autoRegister = true;
  private final Map<Schema, DatumWriter<Object>> writers = new ConcurrentHashMap<>();
  private final Map<Schema, DatumWriter<Object>> genericWriters = new ConcurrentHashMap<>();

  /** For Kafka's config-driven instantiation; {@link #configure} supplies the registry. */
  public AvroSerializer() {}

  public AvroSerializer(final SchemaRegistry registry, final boolean isKey, final boolean autoRegister) {
    this.registry = registry;
    this.isKey = isKey;
    this.autoRegister = autoRegister;
  }

  @Override
  public void configure(final Map<String, ?> configs, final boolean isKey) {
    final SerdeConfig config = new SerdeConfig(configs);
    this.registry = config.registry();
    this.autoRegister = config.autoRegister();
    this.isKey = isKey;
  }

  @Override
  public byte[] serialize(final String topic, final T record) {
    if (record == null) {
      return null;
    }
    final Schema schema = record.getSchema();
    final String subject = SerdeConfig.subject(topic, isKey);
    final int id;
    try {
      id = autoRegister ? registry.register(subject, schema) : registry.idOf(subject, schema);
    } catch (RegistryException e) {
      throw new SerializationException("cannot get a schema id for " + schema.getFullName()
          + " under subject " + subject + ": " + e.getMessage(), e);
    }
    try {
      final ByteArrayOutputStream out = new ByteArrayOutputStream(128);
      out.write(WireFormat.MAGIC_BYTE);
      out.write(ByteBuffer.allocate(4).putInt(id).array());
      // Buffered: bytes reach the (synchronized) stream in one write, not one call per byte.
      final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
      writerFor(record).write(record, encoder);
      encoder.flush();
      return out.toByteArray();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("cannot encode a " + schema.getFullName() + " for topic " + topic
          + ": " + e.getClass().getSimpleName(), e);
    }
  }

  private DatumWriter<Object> writerFor(final T record) {
    return record instanceof SpecificRecord
        ? writers.computeIfAbsent(record.getSchema(), SpecificDatumWriter::new)
        : genericWriters.computeIfAbsent(record.getSchema(), GenericDatumWriter::new);
  }
}

package wxfunnel.serde;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import wxfunnel.registry.RegistryException;
import wxfunnel.registry.SchemaRegistry;
import wxfunnel.serde.UndecodableRecordException.Problem;

/**
 * Reads records in the Confluent wire format: the writer's schema comes from the registry by id,
 * and is resolved against the reader's schema (a generated class's, or the writer's own for
 * generic records). Null stays null. Any input that is not a whole, valid record of a resolvable
 * schema fails with a {@link SerializationException} that says why, never with a partial value.
 */
public final class AvroDeserializer<T> implements Deserializer<T> {

  private SchemaRegistry registry;
  private final Schema readerSchema;
  private final Map<Integer, DatumReader<T>> readers = new ConcurrentHashMap<>();

  /** Generic records in their writer's schema; {@link #configure} supplies the registry. */
  public AvroDeserializer() {
    this.readerSchema = null;
  }

  /** Generic records in their writer's schema. */
  public AvroDeserializer(final SchemaRegistry registry) {
    this.registry = registry;
    this.readerSchema = null;
  }

  /** Instances of a generated class, whatever compatible schema they were written with. */
  public AvroDeserializer(final SchemaRegistry registry, final Class<T> specificClass) {
    this.registry = registry;
    this.readerSchema = SpecificData.get().getSchema(specificClass);
  }

  @Override
  public void configure(final Map<String, ?> configs, final boolean isKey) {
    this.registry = new SerdeConfig(configs).registry();
  }

  @Override
  public T deserialize(final String topic, final byte[] data) {
    if (data == null) {
      return null;
    }
    final int id = WireFormat.schemaId(data);
    final DatumReader<T> reader = readers.computeIfAbsent(id, this::readerFor);
    final BinaryDecoder decoder = DecoderFactory.get()
        .binaryDecoder(data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE, null);
    final T value;
    try {
      value = reader.read(null, decoder);
      if (!decoder.isEnd()) {
        throw new UndecodableRecordException(Problem.CORRUPT,
            "undecodable Avro in " + topic + ": bytes left over after a whole record of schema id " + id);
      }
    } catch (UndecodableRecordException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      final boolean missingField = e.getMessage() != null && e.getMessage().contains("missing required field");
      throw new UndecodableRecordException(missingField ? Problem.MISSING_FIELD : Problem.CORRUPT,
          "undecodable Avro in " + topic + " (schema id " + id + "): " + e.getClass().getSimpleName()
              + (missingField ? " " + e.getMessage() : ""), e);
    }
    return value;
  }

  private DatumReader<T> readerFor(final int id) {
    final Schema writer;
    try {
      writer = registry.schemaById(id);
    } catch (RegistryException e) {
      if (e.errorCode() == RegistryException.SCHEMA_NOT_FOUND) {
        throw new UndecodableRecordException(Problem.UNKNOWN_SCHEMA, "unknown schema id " + id + ": the registry at " + registry.baseUrl() + " does not have it", e);
      }
      throw new SerializationException("schema registry error while fetching schema id " + id + ": " + e.getMessage(), e);
    }
    if (readerSchema == null) {
      return new GenericDatumReader<>(writer, writer);
    }
    if (!writer.getFullName().equals(readerSchema.getFullName())) {
      throw new UndecodableRecordException(Problem.WRONG_TYPE,
          "schema id " + id + " is " + writer.getFullName() + ", not " + readerSchema.getFullName());
    }
    return new SpecificDatumReader<>(writer, readerSchema);
  }
}

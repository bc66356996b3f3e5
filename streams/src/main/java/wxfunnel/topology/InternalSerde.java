package wxfunnel.topology;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Plain Avro binary, without registry or header, for wxfunnel's own repartition topics and
 * stores: both ends are this code, the schema is the generated class's (kept BACKWARD compatible
 * by the build), and no registry round trip or subject is needed for data no one else reads.
 */
final class InternalSerde {

  private InternalSerde() {}

  static <T extends SpecificRecord> Serde<T> of(final Class<T> type) {
    // The generated classes' own encoders and decoders, rather than Avro walking the schema: the
    // persons store reads and writes a person's state for every event.
    final SpecificData data = new SpecificData(type.getClassLoader());
    data.setCustomCoders(true);
    // A logical type inside a union (a timestamp that may be null) is written through these.
    data.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
    data.addLogicalTypeConversion(new TimeConversions.DateConversion());
    final var schema = data.getSchema(type);
    final DatumWriter<T> writer = new SpecificDatumWriter<>(schema, data);
    final DatumReader<T> reader = new SpecificDatumReader<>(schema, schema, data);
    final Serializer<T> serializer = (topic, value) -> {
      if (value == null) {
        return null;
      }
      try {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        // Buffered: bytes reach the (synchronized) stream in one write, not one call per byte.
        final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        writer.write(value, encoder);
        encoder.flush();
        return out.toByteArray();
      } catch (IOException e) {
        throw new SerializationException("cannot encode " + type.getSimpleName(), e);
      }
    };
    final Deserializer<T> deserializer = (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      try {
        return reader.read(null, DecoderFactory.get().binaryDecoder(bytes, null));
      } catch (IOException | RuntimeException e) {
        throw new SerializationException("cannot decode " + type.getSimpleName(), e);
      }
    };
    return Serdes.serdeFrom(serializer, deserializer);
  }
}

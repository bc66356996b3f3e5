package wxfunnel.serde;

import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import wxfunnel.registry.SchemaRegistry;

/** Confluent-wire-format serdes bound to one registry. */
public record AvroSerdes(SchemaRegistry registry, boolean autoRegister) {

  /** Values of a generated class. */
  public <T extends SpecificRecord> Serde<T> value(final Class<T> type) {
    return specific(type, false);
  }

  /** Keys of a generated class. */
  public <T extends SpecificRecord> Serde<T> key(final Class<T> type) {
    return specific(type, true);
  }

  public Serde<GenericRecord> generic(final boolean isKey) {
    return Serdes.serdeFrom(new AvroSerializer<>(registry, isKey, autoRegister), new AvroDeserializer<>(registry));
  }

  private <T extends SpecificRecord> Serde<T> specific(final Class<T> type, final boolean isKey) {
    return Serdes.serdeFrom(new AvroSerializer<>(registry, isKey, autoRegister), new AvroDeserializer<>(registry, type));
  }
}

package wxfunnel.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import wxfunnel.serde.AvroDeserializer;
import wxfunnel.serde.AvroSerializer;
import wxfunnel.testing.FreshRegistry;

/**
 * The in-memory registry answers as the local registry over HTTP does on what the serdes rely on:
 * ids, refusals and their error codes. Each case runs against both, so the two cannot drift.
 */
class InMemoryRegistryTest {

  private static final Schema V1 = SchemaBuilder.record("Scan").namespace("t").fields().requiredString("ticket").endRecord();
  private static final Schema V2 = SchemaBuilder.record("Scan").namespace("t").fields()
      .requiredString("ticket").name("store").type().optional().stringType().endRecord();
  private static final Schema BREAKING = SchemaBuilder.record("Scan").namespace("t").fields().requiredInt("ticket").endRecord();
  private static final Schema AB = SchemaBuilder.record("AB").fields().requiredLong("a").requiredString("b").endRecord();

  @RegisterExtension
  static final FreshRegistry HTTP = new FreshRegistry();

  static Stream<Named<SchemaRegistry>> registries() {
    return Stream.of(Named.of("in memory", new InMemoryRegistry("InMemoryRegistryTest")), Named.of("over HTTP", HTTP.client()));
  }

  @ParameterizedTest
  @MethodSource("registries")
  void aSchemaKeepsItsIdUnderEverySubjectAndComesBackById(final SchemaRegistry registry) {
    final int v1 = registry.register("ids-value", V1);
    final int v2 = registry.register("ids-value", V2);

    assertThat(registry.register("ids-value", V1)).isEqualTo(v1);
    assertThat(registry.idOf("ids-value", V1)).isEqualTo(v1);
    assertThat(registry.register("ids-copy-value", V1)).isEqualTo(v1);
    assertThat(v2).isNotEqualTo(v1);
    assertThat(registry.lookup("ids-value", V2)).isEqualTo(new SubjectVersion("ids-value", v2, 2, V2));
    assertThat(registry.latest("ids-value")).isEqualTo(new SubjectVersion("ids-value", v2, 2, V2));
    assertThat(registry.version("ids-copy-value", "1")).isEqualTo(new SubjectVersion("ids-copy-value", v1, 1, V1));
    assertThat(registry.schemaById(v1)).isEqualTo(V1);
    assertThat(registry.schemaById(v2)).isEqualTo(V2);
  }

  @ParameterizedTest
  @MethodSource("registries")
  void anIncompatibleSchemaIsRefusedUnderBackwardUntilTheSubjectAllowsIt(final SchemaRegistry registry) {
    registry.register("refusals-value", V1);

    assertThat(registry.globalCompatibility()).isEqualTo(Compatibility.BACKWARD);
    assertThat(registry.isCompatible("refusals-value", "latest", V2)).isTrue();
    assertThat(registry.isCompatible("refusals-value", "latest", BREAKING)).isFalse();
    assertThatThrownBy(() -> registry.register("refusals-value", BREAKING))
        .isInstanceOfSatisfying(RegistryException.class, e -> {
          assertThat(e.status()).isEqualTo(409);
          assertThat(e.errorCode()).isEqualTo(RegistryException.INCOMPATIBLE_SCHEMA);
          assertThat(e.isRetriable()).isFalse();
        });
    assertThatThrownBy(() -> registry.compatibility("refusals-value"))
        .isInstanceOfSatisfying(RegistryException.class,
            e -> assertThat(e.errorCode()).isEqualTo(RegistryException.SUBJECT_COMPATIBILITY_NOT_CONFIGURED));

    registry.setCompatibility("refusals-value", Compatibility.NONE);

    assertThat(registry.compatibility("refusals-value")).isEqualTo(Compatibility.NONE);
    assertThat(registry.register("refusals-value", BREAKING)).isPositive();
    assertThat(registry.latest("refusals-value").version()).isEqualTo(2);
  }

  @ParameterizedTest
  @MethodSource("registries")
  void whatIsNotRegisteredIsNotFoundWithItsErrorCode(final SchemaRegistry registry) {
    registry.register("absent-value", V1);

    assertThatThrownBy(() -> registry.schemaById(424_242))
        .isInstanceOfSatisfying(RegistryException.class, e -> {
          assertThat(e.status()).isEqualTo(404);
          assertThat(e.errorCode()).isEqualTo(RegistryException.SCHEMA_NOT_FOUND);
        });
    assertThatThrownBy(() -> registry.latest("nobody-value"))
        .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(RegistryException.SUBJECT_NOT_FOUND));
    assertThatThrownBy(() -> registry.idOf("nobody-value", V1))
        .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(RegistryException.SUBJECT_NOT_FOUND));
    assertThatThrownBy(() -> registry.idOf("absent-value", V2))
        .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(RegistryException.SCHEMA_NOT_FOUND));
    assertThatThrownBy(() -> registry.version("absent-value", "7"))
        .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(RegistryException.VERSION_NOT_FOUND));
  }

  @ParameterizedTest
  @MethodSource("registries")
  void aRecordRoundTripsThroughTheSerdesUnderItsRegisteredId(final SchemaRegistry registry) {
    final GenericRecord record = ab(27L, "foo");

    final byte[] bytes = new AvroSerializer<GenericRecord>(registry, false, true).serialize("round-trip", record);

    assertThat(bytes[0]).isZero();
    assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(registry.latest("round-trip-value").id());
    assertThat(new AvroDeserializer<GenericRecord>(registry).deserialize("round-trip", bytes)).isEqualTo(record);
  }

  @Test
  void aFreshRegistryGivesTheKnownVectorsBytes() {
    // DESIGN section 3: with id 1, as AvroSerdeTest shows for a fresh registry over HTTP.
    final byte[] bytes = new AvroSerializer<GenericRecord>(new InMemoryRegistry("vector"), false, true)
        .serialize("vector", ab(27L, "foo"));

    assertThat(HexFormat.ofDelimiter(" ").formatHex(bytes)).isEqualTo("00 00 00 00 01 36 06 66 6f 6f");
  }

  private static GenericRecord ab(final long a, final String b) {
    final GenericRecord record = new GenericData.Record(AB);
    record.put("a", a);
    record.put("b", b);
    return record;
  }
}

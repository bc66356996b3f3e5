package wxfunnel.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import wxfunnel.testing.FreshRegistry;

/** The client against the local registry over HTTP: every call of the API it uses. */
class RegistryClientTest {

  private static final Schema V1 = SchemaBuilder.record("Scan").namespace("t").fields().requiredString("ticket").endRecord();
  private static final Schema V2 = SchemaBuilder.record("Scan").namespace("t").fields()
      .requiredString("ticket").name("store").type().optional().stringType().endRecord();
  private static final Schema BREAKING = SchemaBuilder.record("Scan").namespace("t").fields().requiredInt("ticket").endRecord();

  @RegisterExtension
  static final FreshRegistry REGISTRY = new FreshRegistry();

  @Test
  void everyCallOfTheApi() {
    final RegistryClient client = REGISTRY.client();
    final int v1 = client.register("scans-value", V1);
    final int v2 = client.register("scans-value", V2);

    assertThat(client.idOf("scans-value", V1)).isEqualTo(v1);
    assertThat(client.lookup("scans-value", V2)).isEqualTo(new SubjectVersion("scans-value", v2, 2, V2));
    assertThat(client.latest("scans-value")).isEqualTo(new SubjectVersion("scans-value", v2, 2, V2));
    assertThat(client.version("scans-value", "1").schema()).isEqualTo(V1);
    assertThat(client.schemaById(v1)).isEqualTo(V1);
    assertThat(client.isCompatible("scans-value", "latest", BREAKING)).isFalse();
    assertThat(client.globalCompatibility()).isEqualTo(Compatibility.BACKWARD);

    client.setCompatibility("scans-value", Compatibility.FULL_TRANSITIVE);

    assertThat(client.compatibility("scans-value")).isEqualTo(Compatibility.FULL_TRANSITIVE);
  }

  @Test
  void refusalsCarryStatusAndErrorCode() {
    final RegistryClient client = REGISTRY.client();
    client.register("refusals-value", V1);

    assertThatThrownBy(() -> client.register("refusals-value", BREAKING))
        .isInstanceOfSatisfying(RegistryException.class, e -> {
          assertThat(e.status()).isEqualTo(409);
          assertThat(e.errorCode()).isEqualTo(409);
          assertThat(e.isRetriable()).isFalse();
        });
    assertThatThrownBy(() -> client.latest("nobody-value"))
        .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40401));
    assertThatThrownBy(() -> client.schemaById(4242))
        .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40403));
  }
}

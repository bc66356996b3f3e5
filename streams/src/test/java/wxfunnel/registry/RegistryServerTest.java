package wxfunnel.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static wxfunnel.testing.Http.call;
import static wxfunnel.testing.Http.parse;
import static wxfunnel.testing.Http.schemaBody;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import wxfunnel.testing.Http.Answer;
import wxfunnel.testing.SharedKafka;

/** The Confluent REST API of the local registry, over real HTTP, stored on a real broker. */
class RegistryServerTest {

  private static final String V1 = """
      {"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"}]}""";
  private static final String V2_WITH_DEFAULT = """
      {"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"},\
      {"name":"total","type":"long","default":0}]}""";
  private static final String V2_WITHOUT_DEFAULT = """
      {"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"},\
      {"name":"total","type":"long"}]}""";
  private static final String OTHER = """
      {"type":"record","name":"Refund","namespace":"shop","fields":[{"name":"id","type":"string"}]}""";

  private String topic;
  private RegistryServer server;
  private String url;

  @BeforeEach
  void start() {
    topic = SharedKafka.uniqueTopic("_schemas-http");
    server = SharedKafka.registry(topic, 0);
    url = server.url();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void registerLookUpFetchByIdAndLatest() {
    final Answer registered = call("POST", url + "/subjects/orders-value/versions", schemaBody(V1));
    assertThat(registered.status()).isEqualTo(200);
    assertThat(registered.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
    assertThat(registered.body()).isEqualTo(parse("{\"id\":1}"));

    // The same schema again, under the same subject or another, keeps its id.
    assertThat(call("POST", url + "/subjects/orders-value/versions", schemaBody(V1)).body()).isEqualTo(parse("{\"id\":1}"));
    assertThat(call("POST", url + "/subjects/archive-value/versions", schemaBody(V1)).body()).isEqualTo(parse("{\"id\":1}"));
    assertThat(call("POST", url + "/subjects/orders-value/versions", schemaBody(V2_WITH_DEFAULT)).body()).isEqualTo(parse("{\"id\":2}"));

    final Answer lookup = call("POST", url + "/subjects/orders-value", schemaBody(V1));
    assertThat(lookup.status()).isEqualTo(200);
    assertThat(lookup.body().get("subject").asText()).isEqualTo("orders-value");
    assertThat(lookup.body().get("id").asInt()).isEqualTo(1);
    assertThat(lookup.body().get("version").asInt()).isEqualTo(1);
    assertThat(parse(lookup.body().get("schema").asText())).isEqualTo(parse(V1));

    assertThat(parse(call("GET", url + "/schemas/ids/2", null).body().get("schema").asText())).isEqualTo(parse(V2_WITH_DEFAULT));

    final Answer latest = call("GET", url + "/subjects/orders-value/versions/latest", null);
    assertThat(latest.body().get("version").asInt()).isEqualTo(2);
    assertThat(latest.body().get("id").asInt()).isEqualTo(2);
    assertThat(call("GET", url + "/subjects/orders-value/versions", null).body()).isEqualTo(parse("[1,2]"));
    assertThat(call("GET", url + "/subjects", null).body()).isEqualTo(parse("[\"archive-value\",\"orders-value\"]"));
  }

  @Test
  void backwardByDefaultRefusesAnIncompatibleChangeWith409() {
    call("POST", url + "/subjects/orders-value/versions", schemaBody(V1));

    final Answer refused = call("POST", url + "/subjects/orders-value/versions", schemaBody(V2_WITHOUT_DEFAULT));

    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.body().get("error_code").asInt()).isEqualTo(409);
    assertThat(refused.body().get("message").asText()).contains("incompatible").contains("total");
    assertThat(call("GET", url + "/subjects/orders-value/versions", null).body()).isEqualTo(parse("[1]"));
  }

  @Test
  void compatibilityCheckAnswersWithoutRegistering() {
    call("POST", url + "/subjects/orders-value/versions", schemaBody(V1));

    assertThat(call("POST", url + "/compatibility/subjects/orders-value/versions/latest", schemaBody(V2_WITH_DEFAULT)).body())
        .isEqualTo(parse("{\"is_compatible\":true}"));
    assertThat(call("POST", url + "/compatibility/subjects/orders-value/versions/1", schemaBody(V2_WITHOUT_DEFAULT)).body())
        .isEqualTo(parse("{\"is_compatible\":false}"));
    assertThat(call("GET", url + "/subjects/orders-value/versions", null).body()).isEqualTo(parse("[1]"));
  }

  @Test
  void configGetAndPutPerSubjectAndGlobal() {
    assertThat(call("GET", url + "/config", null).body()).isEqualTo(parse("{\"compatibilityLevel\":\"BACKWARD\"}"));
    final Answer unset = call("GET", url + "/config/orders-value", null);
    assertThat(unset.status()).isEqualTo(404);
    assertThat(unset.body().get("error_code").asInt()).isEqualTo(40408);
    assertThat(call("GET", url + "/config/orders-value?defaultToGlobal=true", null).body())
        .isEqualTo(parse("{\"compatibilityLevel\":\"BACKWARD\"}"));

    assertThat(call("PUT", url + "/config/orders-value", "{\"compatibility\":\"NONE\"}").body())
        .isEqualTo(parse("{\"compatibility\":\"NONE\"}"));

    assertThat(call("GET", url + "/config/orders-value", null).body()).isEqualTo(parse("{\"compatibilityLevel\":\"NONE\"}"));
    call("POST", url + "/subjects/orders-value/versions", schemaBody(V1));
    assertThat(call("POST", url + "/subjects/orders-value/versions", schemaBody(V2_WITHOUT_DEFAULT)).status()).isEqualTo(200);
    final Answer invalid = call("PUT", url + "/config/orders-value", "{\"compatibility\":\"SOMETIMES\"}");
    assertThat(invalid.status()).isEqualTo(422);
    assertThat(invalid.body().get("error_code").asInt()).isEqualTo(42203);
  }

  @Test
  void errorBodiesCarryConfluentErrorCodes() {
    call("POST", url + "/subjects/orders-value/versions", schemaBody(V1));

    assertError(call("GET", url + "/subjects/nobody-value/versions/latest", null), 404, 40401);
    assertError(call("POST", url + "/subjects/nobody-value", schemaBody(V1)), 404, 40401);
    assertError(call("POST", url + "/subjects/orders-value", schemaBody(OTHER)), 404, 40403);
    assertError(call("GET", url + "/schemas/ids/99", null), 404, 40403);
    assertError(call("GET", url + "/subjects/orders-value/versions/7", null), 404, 40402);
    assertError(call("POST", url + "/subjects/orders-value/versions", schemaBody("{\"type\":\"record\",\"name\":\"Broken\"}")), 422, 42201);
    assertError(call("POST", url + "/subjects/orders-value/versions", "{\"schema\":\"not json at all\"}"), 422, 42201);
    assertError(call("POST", url + "/subjects/orders-value/versions", "{\"schema\": \"x\", "), 400, 400);
    assertError(call("GET", url + "/no/such/path", null), 404, 404);
  }

  @Test
  void idsSurviveARestart() {
    call("POST", url + "/subjects/orders-value/versions", schemaBody(V1));
    call("POST", url + "/subjects/refunds-value/versions", schemaBody(OTHER));
    call("PUT", url + "/config/refunds-value", "{\"compatibility\":\"FULL\"}");
    server.close();

    server = SharedKafka.registry(topic, 0);
    url = server.url();

    assertThat(call("POST", url + "/subjects/refunds-value", schemaBody(OTHER)).body().get("id").asInt()).isEqualTo(2);
    assertThat(parse(call("GET", url + "/schemas/ids/1", null).body().get("schema").asText())).isEqualTo(parse(V1));
    assertThat(call("GET", url + "/config/refunds-value", null).body()).isEqualTo(parse("{\"compatibilityLevel\":\"FULL\"}"));
    assertThat(call("POST", url + "/subjects/orders-value/versions", schemaBody(V2_WITH_DEFAULT)).body()).isEqualTo(parse("{\"id\":3}"));
  }

  private static void assertError(final Answer answer, final int status, final int errorCode) {
    assertThat(answer.status()).as("HTTP status of %s", answer.body()).isEqualTo(status);
    assertThat(answer.body().get("error_code").asInt()).isEqualTo(errorCode);
    assertThat(answer.body().get("message").asText()).isNotBlank();
  }
}

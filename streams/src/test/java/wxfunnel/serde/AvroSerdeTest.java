package wxfunnel.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import wxfunnel.events.ArticleRead;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.Payment;
import wxfunnel.events.ReadSource;
import wxfunnel.events.TradeType;
import wxfunnel.registry.RegistryClient;
import wxfunnel.registry.RegistryServer;
import wxfunnel.testing.FreshRegistry;
import wxfunnel.testing.SharedKafka;
import wxfunnel.topics.EcoTopic;

class AvroSerdeTest {

  private static final Schema AB = SchemaBuilder.record("AB").fields()
      .requiredLong("a").requiredString("b").endRecord();

  @RegisterExtension
  static final FreshRegistry REGISTRY = new FreshRegistry();

  @Test
  void knownVectorSerializesToConfluentBytesAndBack() {
    // The first schema of a fresh registry gets id 1.
    try (RegistryServer fresh = SharedKafka.freshRegistry()) {
      final RegistryClient client = new RegistryClient(fresh.url());
      final GenericRecord record = new GenericData.Record(AB);
      record.put("a", 27L);
      record.put("b", "foo");

      final byte[] bytes = new AvroSerializer<GenericRecord>(client, false, true).serialize("vector", record);

      assertThat(HexFormat.ofDelimiter(" ").formatHex(bytes)).isEqualTo("00 00 00 00 01 36 06 66 6f 6f");
      final GenericRecord back = new AvroDeserializer<GenericRecord>(client).deserialize("vector", bytes);
      assertThat(back.get("a")).isEqualTo(27L);
      assertThat(back.get("b")).hasToString("foo");
      assertThat(client.latest("vector-value").id()).isEqualTo(1);
    }
  }

  @Test
  void specificRecordsRoundTripAsValuesAndKeysUnderTopicNameSubjects() {
    final Payment payment = payment("4200001234202611270000000001", 12_800L, "CNY");
    final AvroSerdes serdes = new AvroSerdes(REGISTRY.client(), true);

    final byte[] value = serdes.value(Payment.class).serializer().serialize(EcoTopic.PAYMENTS.topic(Ecosystem.WEIXIN), payment);
    final byte[] key = serdes.key(Payment.class).serializer().serialize(EcoTopic.PAYMENTS.topic(Ecosystem.WEIXIN), payment);

    assertThat(serdes.value(Payment.class).deserializer().deserialize(EcoTopic.PAYMENTS.topic(Ecosystem.WEIXIN), value)).isEqualTo(payment);
    assertThat(serdes.key(Payment.class).deserializer().deserialize(EcoTopic.PAYMENTS.topic(Ecosystem.WEIXIN), key)).isEqualTo(payment);
    assertThat(REGISTRY.client().latest(EcoTopic.PAYMENTS.topic(Ecosystem.WEIXIN) + "-value").schema()).isEqualTo(Payment.getClassSchema());
    assertThat(REGISTRY.client().latest(EcoTopic.PAYMENTS.topic(Ecosystem.WEIXIN) + "-key").schema()).isEqualTo(Payment.getClassSchema());
  }

  @Test
  void genericDeserializerReadsSpecificWritersValues() {
    final ArticleRead read = read("evt-1");
    final byte[] bytes = new AvroSerdes(REGISTRY.client(), true).value(ArticleRead.class).serializer().serialize(EcoTopic.READS.topic(Ecosystem.WECHAT), read);

    final GenericRecord generic = new AvroDeserializer<GenericRecord>(REGISTRY.client()).deserialize(EcoTopic.READS.topic(Ecosystem.WECHAT), bytes);

    assertThat(generic.get("msg_id")).hasToString("12003_3");
    assertThat(generic.get("event_time")).isEqualTo(1_764_201_600_000L);
    assertThat(generic.get("read_source")).hasToString("MOMENTS");
    assertThat(generic.get("unionid")).isNull();
  }

  @Test
  void nullStaysNull() {
    final AvroSerdes serdes = new AvroSerdes(REGISTRY.client(), true);
    assertThat(serdes.value(Payment.class).serializer().serialize(EcoTopic.PAYMENTS.topic(Ecosystem.WEIXIN), null)).isNull();
    assertThat(serdes.value(Payment.class).deserializer().deserialize(EcoTopic.PAYMENTS.topic(Ecosystem.WEIXIN), null)).isNull();
  }

  @Test
  void withoutAutoRegistrationAnUnregisteredSchemaIsAClearError() {
    final AvroSerializer<ArticleRead> serializer = new AvroSerializer<>(REGISTRY.client(), false, false);

    assertThatThrownBy(() -> serializer.serialize("unregistered.reads", read("evt-2")))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("subject unregistered.reads-value")
        .hasMessageContaining("40401");

    REGISTRY.client().register("unregistered.reads-value", ArticleRead.getClassSchema());
    assertThat(serializer.serialize("unregistered.reads", read("evt-2"))).startsWith(0, 0, 0, 0);
  }

  @Test
  void badBytesFailWithTheReason() {
    final AvroDeserializer<Payment> deserializer = new AvroDeserializer<>(REGISTRY.client(), Payment.class);
    final byte[] good = new AvroSerdes(REGISTRY.client(), true).value(Payment.class).serializer()
        .serialize(EcoTopic.PAYMENTS.topic(Ecosystem.WEIXIN), payment("t-bad", 100L, "CNY"));
    final byte[] truncated = Arrays.copyOf(good, good.length - 3);
    final byte[] trailing = Arrays.copyOf(good, good.length + 2);
    final byte[] otherRecord = new AvroSerdes(REGISTRY.client(), true).value(ArticleRead.class).serializer().serialize("x.reads", read("e"));

    assertThatThrownBy(() -> deserializer.deserialize("t", new byte[] {0, 0, 1}))
        .isInstanceOf(SerializationException.class).hasMessageContaining("too short");
    assertThatThrownBy(() -> deserializer.deserialize("t", new byte[] {7, 0, 0, 0, 1, 2}))
        .isInstanceOf(SerializationException.class).hasMessageContaining("unknown magic byte 0x07");
    assertThatThrownBy(() -> deserializer.deserialize("t", new byte[] {0, 0, 0, 0x7f, 0x7f, 2}))
        .isInstanceOf(SerializationException.class).hasMessageContaining("unknown schema id 32639");
    assertThatThrownBy(() -> deserializer.deserialize("t", truncated))
        .isInstanceOf(SerializationException.class).hasMessageContaining("undecodable Avro");
    assertThatThrownBy(() -> deserializer.deserialize("t", trailing))
        .isInstanceOf(SerializationException.class).hasMessageContaining("bytes left over");
    assertThatThrownBy(() -> deserializer.deserialize("t", otherRecord))
        .isInstanceOf(SerializationException.class).hasMessageContaining("is wxfunnel.events.ArticleRead, not wxfunnel.events.Payment");
  }

  @Test
  void registryOutageIsRetriedAndNothingIsLost() throws Exception {
    // 1. A registry on a known port, then down.
    final String topic = SharedKafka.uniqueTopic("_schemas-outage");
    final RegistryServer first = SharedKafka.registry(topic, 0);
    final int port = first.port();
    first.close();
    final RegistryClient patient = new RegistryClient("http://127.0.0.1:" + port, Duration.ofSeconds(60));
    final AvroSerializer<Payment> serializer = new AvroSerializer<>(patient, false, true);

    // 2. Serializing while it is down waits instead of failing...
    final CompletableFuture<byte[]> bytes = CompletableFuture.supplyAsync(
        () -> serializer.serialize(EcoTopic.PAYMENTS.topic(Ecosystem.WEIXIN), payment("t-outage", 990L, "CNY")));
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> !bytes.isDone());

    // 3. ...and completes once the registry is back on the same port and topic.
    try (RegistryServer back = SharedKafka.registry(topic, port)) {
      final byte[] written = bytes.get(30, TimeUnit.SECONDS);
      assertThat(new AvroDeserializer<>(new RegistryClient(back.url()), Payment.class).deserialize(EcoTopic.PAYMENTS.topic(Ecosystem.WEIXIN), written))
          .isEqualTo(payment("t-outage", 990L, "CNY"));
    }
  }

  @Test
  void anUnreachableRegistryFailsOnceTheRetryBudgetIsSpent() {
    final RegistryClient impatient = new RegistryClient("http://127.0.0.1:1", Duration.ofMillis(300));
    assertThatThrownBy(() -> new AvroSerializer<Payment>(impatient, false, true)
        .serialize(EcoTopic.PAYMENTS.topic(Ecosystem.WEIXIN), payment("t", 1L, "CNY")))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("unreachable");
  }

  @Test
  void configuredThroughKafkaClientConfigs() {
    final AvroSerializer<Payment> serializer = new AvroSerializer<>();
    serializer.configure(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, REGISTRY.url()), false);
    final AvroDeserializer<GenericRecord> deserializer = new AvroDeserializer<>();
    deserializer.configure(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, REGISTRY.url()), false);

    final byte[] bytes = serializer.serialize("cfg.payments", payment("t-cfg", 5L, "USD"));

    assertThat(deserializer.deserialize("cfg.payments", bytes).get("currency")).hasToString("USD");
    assertThatThrownBy(() -> new AvroSerializer<>().configure(Map.of(), false))
        .hasMessageContaining("schema.registry.url is not set");
  }

  static Payment payment(final String transactionId, final long total, final String currency) {
    return Payment.newBuilder()
        .setEventId(transactionId)
        .setEcosystem(Ecosystem.WEIXIN)
        .setAppId("wx-mini-1")
        .setOpenid("o-payer")
        .setUnionid("u-1")
        .setEventTime(Instant.ofEpochMilli(1_764_205_200_000L))
        .setTransactionId(transactionId)
        .setOutTradeNo("order-" + transactionId)
        .setMchId("1900000109")
        .setTradeType(TradeType.JSAPI)
        .setTotal(total)
        .setCurrency(currency)
        .setAttach(null)
        .setCouponCardId(null)
        .build();
  }

  static ArticleRead read(final String eventId) {
    return ArticleRead.newBuilder()
        .setEventId(eventId)
        .setEcosystem(Ecosystem.WECHAT)
        .setAppId("wx-oa-1")
        .setOpenid("o-reader")
        .setUnionid(null)
        .setEventTime(Instant.ofEpochMilli(1_764_201_600_000L))
        .setAccountId("gh_brand")
        .setMsgId("12003_3")
        .setReadSource(ReadSource.MOMENTS)
        .setCampaignId("spring-sale")
        .build();
  }
}

package wxfunnel.serde;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import wxfunnel.events.ArticleRead;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.Payment;
import wxfunnel.events.ReadSource;
import wxfunnel.events.TradeType;
import wxfunnel.registry.RegistryClient;
import wxfunnel.registry.RegistryServer;
import wxfunnel.runtime.CommittedView;
import wxfunnel.testing.SharedKafka;
import wxfunnel.testing.Tools;

/**
 * Compatibility proven against code no one here wrote: Confluent's own JavaScript Avro serde
 * ({@code @confluentinc/schemaregistry}, with {@code kafkajs}) writes and reads through the local
 * registry over HTTP and the local broker, and wxfunnel reads and writes the same records.
 *
 * <p>Needs Node.js; its packages come from {@code npm ci} in {@code src/test/interop} (run here when
 * missing). Without Node.js the test is skipped, except under CI, where it fails.
 */
class ConfluentJavaScriptInteropTest {

  private static final Path INTEROP = Path.of(System.getProperty("wxfunnel.interop.dir", "src/test/interop"));
  private static final Duration NODE_TIMEOUT = Duration.ofMinutes(2);
  private static final ObjectMapper json = new ObjectMapper();

  private static RegistryServer server;
  private static RegistryClient registry;

  @BeforeAll
  static void setUp() throws Exception {
    Tools.require("node", "the Confluent JavaScript interop test needs Node.js and npm");
    if (!Files.isDirectory(INTEROP.resolve("node_modules"))) {
      run(List.of("npm", "ci", "--no-audit", "--no-fund"), null);
    }
    server = SharedKafka.freshRegistry();
    registry = new RegistryClient(server.url());
  }

  @AfterAll
  static void tearDown() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void wxfunnelDecodesWhatConfluentsJavaScriptSerializerWrites() throws Exception {
    final List<ArticleRead> reads = List.of(read("r-1", "u-1", "spring-sale"), read("r-2", null, null));
    final List<Payment> payments = List.of(payment("4200001", 12_800L, "CNY", "u-1"), payment("4200002", 1_999L, "USD", null));

    assertThat(producedByJavaScript(reads, ArticleRead.getClassSchema())).isEqualTo(reads);
    assertThat(producedByJavaScript(payments, Payment.getClassSchema())).isEqualTo(payments);
  }

  @Test
  void confluentsJavaScriptDeserializerDecodesWhatWxfunnelWrites() throws Exception {
    final List<ArticleRead> reads = List.of(read("r-3", "u-3", "double-11"), read("r-4", null, null));
    final List<Payment> payments = List.of(payment("4200003", 88_800L, "CNY", "u-3"), payment("4200004", 500L, "SGD", null));

    assertThat(consumedByJavaScript(reads)).isEqualTo(json.readTree(asJson(reads).toString()));
    assertThat(consumedByJavaScript(payments)).isEqualTo(json.readTree(asJson(payments).toString()));
  }

  private <T extends SpecificRecord> List<T> producedByJavaScript(final List<T> records, final Schema schema) throws Exception {
    final String topic = topic(schema);
    final ObjectNode input = json.createObjectNode().put("schema", schema.toString());
    input.set("records", asJson(records));
    run(List.of("node", "interop.js", "produce", SharedKafka.get().bootstrapServers(), server.url(), topic), input.toString());

    @SuppressWarnings("unchecked")
    final Class<T> type = (Class<T>) records.get(0).getClass();
    return consume(topic, new AvroDeserializer<>(registry, type));
  }

  private <T extends SpecificRecord> ArrayNode consumedByJavaScript(final List<T> records) throws Exception {
    final String topic = topic(records.get(0).getSchema());
    final Serializer<T> serializer = new AvroSerializer<>(registry, false, true);
    try (KafkaProducer<String, T> producer = new KafkaProducer<>(
        Map.of("bootstrap.servers", SharedKafka.get().bootstrapServers()), new StringSerializer(), serializer)) {
      for (final T record : records) {
        producer.send(new ProducerRecord<>(topic, record.get(0).toString(), record)).get();
      }
    }
    final String out = run(List.of("node", "interop.js", "consume", SharedKafka.get().bootstrapServers(), server.url(),
        topic, String.valueOf(records.size())), null);
    final ArrayNode values = json.createArrayNode();
    for (final String line : out.strip().split("\n")) {
      values.add(json.readTree(line));
    }
    return values;
  }

  private static String topic(final Schema schema) throws Exception {
    final String topic = SharedKafka.uniqueTopic("interop." + schema.getName());
    try (Admin admin = Admin.create(SharedKafka.clientConfig())) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    return topic;
  }

  /** The values of every record of {@code topic}, committed and read to its end. */
  private static <T> List<T> consume(final String topic, final Deserializer<T> deserializer) {
    return CommittedView.readAll(SharedKafka.clientConfig(), List.of(topic)).stream()
        .map(record -> deserializer.deserialize(topic, record.value())).toList();
  }

  /** A record as the JavaScript serde represents it: unwrapped unions, enum symbols, longs as numbers. */
  private static <T extends SpecificRecord> ArrayNode asJson(final List<T> records) {
    final ArrayNode array = json.createArrayNode();
    for (final T record : records) {
      final ObjectNode node = array.addObject();
      for (final Schema.Field field : record.getSchema().getFields()) {
        final Object value = record.get(field.pos());
        if (value == null) {
          node.putNull(field.name());
        } else if (value instanceof Instant instant) {
          node.put(field.name(), instant.toEpochMilli());
        } else if (value instanceof Long number) {
          node.put(field.name(), number);
        } else if (value instanceof Boolean flag) {
          node.put(field.name(), flag);
        } else {
          node.put(field.name(), value.toString());
        }
      }
    }
    return array;
  }

  private static String run(final List<String> command, final String stdin) throws IOException, InterruptedException {
    final Path out = Files.createTempFile("interop", ".out");
    final Path err = Files.createTempFile("interop", ".err");
    try {
      final Process process = new ProcessBuilder(command).directory(INTEROP.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (stdin != null) {
        process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      process.getOutputStream().close();
      if (!process.waitFor(NODE_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish within " + NODE_TIMEOUT + ": " + Files.readString(err));
      }
      assertThat(process.exitValue()).as("%s failed: %s", String.join(" ", command), Files.readString(err)).isZero();
      return Files.readString(out);
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static ArticleRead read(final String eventId, final String unionid, final String campaign) {
    return ArticleRead.newBuilder()
        .setEventId(eventId).setEcosystem(Ecosystem.WEIXIN).setAppId("wx-oa-1").setOpenid("o-" + eventId)
        .setUnionid(unionid).setEventTime(Instant.parse("2026-11-27T02:00:00.123Z")).setAccountId("gh_brand")
        .setMsgId("12003_3").setReadSource(ReadSource.TOP_STORIES).setCampaignId(campaign).build();
  }

  private static Payment payment(final String transactionId, final long total, final String currency, final String unionid) {
    return Payment.newBuilder()
        .setEventId(transactionId).setEcosystem(Ecosystem.WECHAT).setAppId("wx-mini-1").setOpenid("o-" + transactionId)
        .setUnionid(unionid).setEventTime(Instant.parse("2026-11-27T03:04:05.678Z")).setTransactionId(transactionId)
        .setOutTradeNo("order-" + transactionId).setMchId("1900000109").setTradeType(TradeType.NATIVE)
        .setTotal(total).setCurrency(currency).setAttach("utm=moments").setCouponCardId(null).build();
  }
}

package wxfunnel.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.events.ArticleRead;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.ReadSource;
import wxfunnel.registry.RegistryClient;
import wxfunnel.runtime.CommittedView;
import wxfunnel.serde.AvroSerdes;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.TopicAdmin;
import wxfunnel.topics.TopicAdmin.TopicState;

/** The broker and registry of {@code wxfunnel local}, started from the same code, used for real. */
class LocalStackTest {

  @TempDir
  Path dataDir;

  @Test
  void topicsRecordsAndSchemaIdsSurviveARestartOnTheSameDataDir() throws Exception {
    final ArticleRead read = read();
    final int schemaId;

    // 1. First start: create every topic, twice; produce one record through the Avro serde.
    try (LocalStack stack = LocalStack.start(dataDir, 0, 0);
        TopicAdmin admin = new TopicAdmin(stack.kafka().clientConfig())) {
      final List<String> created = admin.create(EnumSet.allOf(Ecosystem.class), 6);
      assertThat(created).hasSize(18).contains(EcoTopic.READS.topic(Ecosystem.WEIXIN), EcoTopic.DLQ.topic(Ecosystem.WECHAT), EcoTopic.FUNNEL.topic(Ecosystem.WEIXIN));
      assertThat(admin.create(EnumSet.allOf(Ecosystem.class), 6)).isEmpty();
      assertContract(admin.describe(EnumSet.allOf(Ecosystem.class)));

      final AvroSerdes serdes = new AvroSerdes(new RegistryClient(stack.registryUrl()), true);
      try (KafkaProducer<String, ArticleRead> producer = new KafkaProducer<>(Map.<String, Object>of(
          "bootstrap.servers", stack.bootstrapServers(), "enable.idempotence", true),
          new StringSerializer(), serdes.value(ArticleRead.class).serializer())) {
        producer.send(new ProducerRecord<>(EcoTopic.READS.topic(Ecosystem.WEIXIN), "u-42", read)).get();
      }
      assertThat(consumeAll(stack, EcoTopic.READS.topic(Ecosystem.WEIXIN))).containsExactly(read);
      schemaId = new RegistryClient(stack.registryUrl()).latest(EcoTopic.READS.topic(Ecosystem.WEIXIN) + "-value").id();
    }

    // 2. Second start on the same directory: the same topics, the record, and its schema id.
    try (LocalStack stack = LocalStack.start(dataDir, 0, 0);
        TopicAdmin admin = new TopicAdmin(stack.kafka().clientConfig())) {
      assertThat(admin.create(EnumSet.allOf(Ecosystem.class), 6)).isEmpty();
      assertContract(admin.describe(EnumSet.allOf(Ecosystem.class)));
      assertThat(consumeAll(stack, EcoTopic.READS.topic(Ecosystem.WEIXIN))).containsExactly(read);
      assertThat(new RegistryClient(stack.registryUrl()).latest(EcoTopic.READS.topic(Ecosystem.WEIXIN) + "-value").id()).isEqualTo(schemaId);
    }
  }

  private static void assertContract(final Map<String, TopicState> states) {
    assertThat(states).hasSize(18);
    for (final Ecosystem eco : Ecosystem.values()) {
      for (final EcoTopic topic : EcoTopic.values()) {
        assertThat(states.get(topic.topic(eco)))
            .extracting(TopicState::name, TopicState::partitions, TopicState::replicationFactor, TopicState::cleanupPolicy)
            .containsExactly(topic.topic(eco), 6, 1, topic.cleanupPolicy());
      }
    }
    assertThat(states.get(EcoTopic.CONVERSIONS.topic(Ecosystem.WEIXIN)).cleanupPolicy()).isEqualTo("compact");
    assertThat(states.get(EcoTopic.PAYMENTS.topic(Ecosystem.WECHAT)).cleanupPolicy()).isEqualTo("delete");
  }

  /** Every record of {@code topic}, committed and read to its end. */
  private static List<ArticleRead> consumeAll(final LocalStack stack, final String topic) {
    final AvroSerdes serdes = new AvroSerdes(new RegistryClient(stack.registryUrl()), false);
    return CommittedView.readAll(stack.kafka().clientConfig(), List.of(topic)).stream()
        .map(record -> serdes.value(ArticleRead.class).deserializer().deserialize(topic, record.value())).toList();
  }

  private static ArticleRead read() {
    return ArticleRead.newBuilder()
        .setEventId("read-1").setEcosystem(Ecosystem.WEIXIN).setAppId("wx-oa-1").setOpenid("o-1")
        .setUnionid("u-42").setEventTime(Instant.parse("2026-11-27T02:00:00Z")).setAccountId("gh_brand")
        .setMsgId("12003_3").setReadSource(ReadSource.SESSION).setCampaignId(null).build();
  }
}

package wxfunnel.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.cli.Main;
import wxfunnel.events.Ecosystem;
import wxfunnel.generator.Generator;
import wxfunnel.generator.TrafficSender;
import wxfunnel.local.LocalKafka;
import wxfunnel.registry.RegistryClient;
import wxfunnel.registry.RegistryServer;
import wxfunnel.runtime.CommittedView;
import wxfunnel.runtime.FunnelProcessor;
import wxfunnel.runtime.ProcessorLag;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;
import wxfunnel.topics.TopicAdmin;
import wxfunnel.topology.FunnelConfig;

/**
 * The wall, enforced by the broker: SASL/SCRAM principals per ecosystem, the StandardAuthorizer,
 * and the prefixed ACLs {@code wxfunnel topics acls --apply} creates. Each processor runs, and
 * produces its outputs, as its own principal; each principal is denied the other ecosystem's
 * topics (read and write), consumer group and transactional ids.
 */
class AclWallTest {

  private static final Map<String, String> USERS = Map.of(LocalKafka.ADMIN, "admin-secret", "weixin", "weixin-secret",
      "wechat", "wechat-secret");

  @TempDir
  Path dir;

  @Test
  void eachPrincipalReachesItsOwnEcosystemOnly() throws Exception {
    try (LocalKafka kafka = LocalKafka.start(dir.resolve("kafka"), 0, USERS);
        RegistryServer registry = RegistryServer.start(kafka.clientConfig(), 0);
        Admin admin = Admin.create(kafka.clientConfig())) {
      try (TopicAdmin topics = new TopicAdmin(kafka.clientConfig())) {
        topics.create(EnumSet.allOf(Ecosystem.class), 2);
      }
      final Path adminConfig = Files.writeString(dir.resolve("admin.properties"),
          "kafka.security.protocol=SASL_PLAINTEXT\nkafka.sasl.mechanism=" + LocalKafka.SCRAM + "\nkafka.sasl.jaas.config="
              + kafka.clientConfig().get("sasl.jaas.config") + "\n");
      for (final Ecosystem eco : Ecosystem.values()) {
        assertThat(Main.run("topics", "acls", "--ecosystem", EcoTopic.prefix(eco), "--principal", "User:" + EcoTopic.prefix(eco),
            "--apply", "--bootstrap-servers", kafka.bootstrapServers(), "--config", adminConfig.toString())).isZero();
      }
      try (TrafficSender sender = new TrafficSender(kafka.clientConfig(), new RegistryClient(registry.url()))) {
        new Generator(Generator.Settings.of(4, 4_000).withStart(Instant.now().minus(Duration.ofDays(3)))).forEachRemaining(sender::send);
        sender.flush();
      }

      // 1. Each processor, as its own principal, processes its own ecosystem.
      try (FunnelProcessor weixin = FunnelProcessor.start(Ecosystem.WEIXIN, FunnelConfig.defaults(Ecosystem.WEIXIN),
              as("weixin", kafka), registry.url(), dir.resolve("state"));
          FunnelProcessor wechat = FunnelProcessor.start(Ecosystem.WECHAT, FunnelConfig.defaults(Ecosystem.WECHAT),
              as("wechat", kafka), registry.url(), dir.resolve("state"))) {
        ProcessorLag.awaitSettled(admin, Ecosystem.WEIXIN, Duration.ofMinutes(3));
        ProcessorLag.awaitSettled(admin, Ecosystem.WECHAT, Duration.ofMinutes(3));
        assertThat(weixin.isRunning()).isTrue();
        assertThat(wechat.isRunning()).isTrue();
      }
      for (final Ecosystem eco : Ecosystem.values()) {
        assertThat(CommittedView.read(kafka.clientConfig(), new RegistryClient(registry.url()), new Names(eco)).conversions())
            .as(eco + " conversions").isNotEmpty();
      }

      // 2. Neither reaches the other's topics, group or transactional ids.
      assertWalledOff(as("weixin", kafka), Ecosystem.WECHAT);
      assertWalledOff(as("wechat", kafka), Ecosystem.WEIXIN);
    }
  }

  private static Map<String, Object> as(final String user, final LocalKafka kafka) {
    return LocalKafka.scramClient(kafka.bootstrapServers(), user, USERS.get(user));
  }

  /** One assertion each: reading, writing, the consumer group and the transactional ids of {@code other}. */
  private static void assertWalledOff(final Map<String, Object> principal, final Ecosystem other) {
    final String otherTopic = EcoTopic.READS.topic(other);
    final String ownTopic = EcoTopic.READS.topic(other == Ecosystem.WEIXIN ? Ecosystem.WECHAT : Ecosystem.WEIXIN);

    try (KafkaConsumer<byte[], byte[]> reader = consumer(principal, null)) {
      reader.assign(List.of(new TopicPartition(otherTopic, 0)));
      assertThatThrownBy(() -> reader.poll(Duration.ofSeconds(10))).as("read " + otherTopic)
          .isInstanceOf(TopicAuthorizationException.class);
    }
    try (KafkaProducer<byte[], byte[]> writer = producer(principal, null)) {
      assertThatThrownBy(() -> writer.send(new ProducerRecord<>(otherTopic, new byte[] {1})).get()).as("write " + otherTopic)
          .hasCauseInstanceOf(TopicAuthorizationException.class);
    }
    try (KafkaConsumer<byte[], byte[]> member = consumer(principal, EcoTopic.applicationId(other))) {
      member.subscribe(List.of(ownTopic));
      assertThatThrownBy(() -> member.poll(Duration.ofSeconds(10))).as("join " + EcoTopic.applicationId(other))
          .isInstanceOf(GroupAuthorizationException.class);
    }
    try (KafkaProducer<byte[], byte[]> transactional = producer(principal, EcoTopic.applicationId(other) + "-1")) {
      assertThatThrownBy(transactional::initTransactions).as("transactional id " + EcoTopic.applicationId(other) + "-1")
          .isInstanceOf(TransactionalIdAuthorizationException.class);
    }
  }

  private static KafkaConsumer<byte[], byte[]> consumer(final Map<String, Object> principal, final String group) {
    final Map<String, Object> config = new HashMap<>(principal);
    if (group != null) {
      config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    }
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private static KafkaProducer<byte[], byte[]> producer(final Map<String, Object> principal, final String transactionalId) {
    final Map<String, Object> config = new HashMap<>(principal);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    if (transactionalId != null) {
      config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    }
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }
}

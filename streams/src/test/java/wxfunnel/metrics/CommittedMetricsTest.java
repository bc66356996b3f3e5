package wxfunnel.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.egress.Egress;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;
import wxfunnel.local.LocalStack;
import wxfunnel.registry.RegistryClient;
import wxfunnel.runtime.CommittedView;
import wxfunnel.runtime.FunnelProcessor;
import wxfunnel.serde.AvroSerdes;
import wxfunnel.testing.Http;
import wxfunnel.testing.LogWatch;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;
import wxfunnel.topics.TopicAdmin;
import wxfunnel.topology.FunnelConfig;

/**
 * The business metrics never stop for good: started before the outputs exist, they wait for them.
 * What they export of large cells is exact: the committed value, each time it moves by k persons.
 */
class CommittedMetricsTest {

  private static final Pattern WAITING = Pattern.compile("weixin business metrics wait for \\[" + Pattern.quote(String.join(", ",
      CommittedView.topics(new Names(Ecosystem.WEIXIN)))) + "\\]");
  private static final String PUBLISHED = "wxfunnel_time_to_convert_seconds_count{ecosystem=\"weixin\"} 0";

  @TempDir
  Path dir;

  @Test
  void metricsStartedBeforeTheOutputTopicsExistWaitForThemAndThenPublish() throws Exception {
    try (LogWatch log = LogWatch.open();
        LocalStack stack = LocalStack.start(dir.resolve("kafka"), 0, 0);
        MetricsServer server = MetricsServer.start("127.0.0.1", 0);
        CommittedMetrics metrics = CommittedMetrics.start(Ecosystem.WEIXIN, stack.kafka().clientConfig(),
            new RegistryClient(stack.registryUrl()), server.registry(), FunnelConfig.defaults(Ecosystem.WEIXIN), new Egress(3, 5))) {
      await().atMost(Duration.ofSeconds(30)).until(() -> !log.matching(WAITING).isEmpty());
      assertThat(Http.get(server.url() + "/metrics")).doesNotContain(PUBLISHED);

      // The processor's ledger changelog appears once the processor runs.
      try (TopicAdmin topics = new TopicAdmin(stack.kafka().clientConfig())) {
        topics.create(EnumSet.of(Ecosystem.WEIXIN), 1);
      }
      try (FunnelProcessor processor = FunnelProcessor.start(Ecosystem.WEIXIN, FunnelConfig.defaults(Ecosystem.WEIXIN),
          new HashMap<>(stack.kafka().clientConfig()), stack.registryUrl(), dir.resolve("state"))) {
        processor.awaitRunning(Duration.ofMinutes(1));

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
            .until(() -> Http.get(server.url() + "/metrics").contains(PUBLISHED));
      }
    }
  }

  @Test
  void cellsOfThousandsArePublishedExactlyEachTimeKPersonsMovedThem() throws Exception {
    final Names weixin = new Names(Ecosystem.WEIXIN);
    try (LocalStack stack = LocalStack.start(dir.resolve("kafka"), 0, 0);
        MetricsServer server = MetricsServer.start("127.0.0.1", 0)) {
      try (TopicAdmin topics = new TopicAdmin(stack.kafka().clientConfig());
          Admin admin = Admin.create(stack.kafka().clientConfig())) {
        topics.create(EnumSet.of(Ecosystem.WEIXIN), 1);
        admin.createTopics(List.of(new NewTopic(weixin.changelog(Names.LEDGER), 1, (short) 1))).all().get();
      }
      final RegistryClient registry = new RegistryClient(stack.registryUrl());
      try (CommittedMetrics metrics = CommittedMetrics.start(Ecosystem.WEIXIN, stack.kafka().clientConfig(), registry,
              server.registry(), FunnelConfig.defaults(Ecosystem.WEIXIN), new Egress(Egress.DEFAULT_MIN_CELL_USERS, 20));
          KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig(stack))) {
        final Serializer<FunnelRow> rows = new AvroSerdes(registry, true).value(FunnelRow.class).serializer();
        final String topic = weixin.topic(EcoTopic.FUNNEL);
        // 1. The first cells the metrics see: exactly the committed ones.
        send(producer, topic, rows, row("double11", 1_200, 300, 4_500_000, 300));
        send(producer, topic, rows, row("marker-1", 1_000, 0, 0, 0));
        awaitCampaign(server, "marker-1");
        assertThat(scrape(server)).contains(users("double11", "touched", 1_200), users("double11", "paid", 300), gmv("double11", 4_500_000));

        // 2. Five more persons touched, three more paid 60,000: the same values, each change under k persons.
        send(producer, topic, rows, row("double11", 1_205, 303, 4_560_000, 303));
        send(producer, topic, rows, row("marker-2", 1_000, 0, 0, 0));
        awaitCampaign(server, "marker-2");
        assertThat(scrape(server)).contains(users("double11", "touched", 1_200), users("double11", "paid", 300), gmv("double11", 4_500_000));

        // 3. Twelve since the last release touched, ten paid: exactly the committed values again.
        send(producer, topic, rows, row("double11", 1_212, 310, 4_700_000, 310));
        send(producer, topic, rows, row("marker-3", 1_000, 0, 0, 0));
        awaitCampaign(server, "marker-3");
        assertThat(scrape(server)).contains(users("double11", "touched", 1_212), users("double11", "paid", 310), gmv("double11", 4_700_000));
      }
    }
  }

  private static Map<String, Object> producerConfig(final LocalStack stack) {
    final Map<String, Object> config = new HashMap<>(stack.kafka().clientConfig());
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return config;
  }

  private static void send(final KafkaProducer<String, byte[]> producer, final String topic, final Serializer<FunnelRow> rows,
      final FunnelRow row) throws Exception {
    producer.send(new ProducerRecord<>(topic, row.getCampaignId() + "|2026-11-20", rows.serialize(topic, row))).get();
  }

  private static FunnelRow row(final String campaign, final long touched, final long paid, final long cny, final long payers) {
    return FunnelRow.newBuilder().setEcosystem(Ecosystem.WEIXIN).setCampaignId(campaign).setCohortDay(LocalDate.of(2026, 11, 20))
        .setTimeZone("Asia/Shanghai").setTouched(touched).setCoupon(paid).setPaid(paid)
        .setGmv(cny == 0 ? Map.of() : Map.of("CNY", cny)).setPayers(payers == 0 ? Map.of() : Map.of("CNY", payers))
        .setAttributedGmv(Map.of()).setFinal$(false).build();
  }

  private static void awaitCampaign(final MetricsServer server, final String campaign) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
        .until(() -> scrape(server).contains(users(campaign, "touched", 1_000)));
  }

  private static String scrape(final MetricsServer server) throws Exception {
    return Http.get(server.url() + "/metrics");
  }

  private static String users(final String campaign, final String step, final long users) {
    return "wxfunnel_funnel_users{campaign=\"" + campaign + "\",ecosystem=\"weixin\",step=\"" + step + "\"} " + users + ".0";
  }

  private static String gmv(final String campaign, final long cny) {
    return "wxfunnel_gmv{campaign=\"" + campaign + "\",currency=\"CNY\",ecosystem=\"weixin\"} " + cny + ".0";
  }
}

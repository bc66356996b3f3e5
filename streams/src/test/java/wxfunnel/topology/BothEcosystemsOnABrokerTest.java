package wxfunnel.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static wxfunnel.events.TouchType.COUPON;
import static wxfunnel.events.TouchType.READ;
import static wxfunnel.events.TouchType.SCAN;
import static wxfunnel.topology.Expected.attributed;
import static wxfunnel.topology.Expected.paidBy;
import static wxfunnel.topology.Expected.row;
import static wxfunnel.topology.Expected.single;
import static wxfunnel.topology.Expected.touch;
import static wxfunnel.topology.Expected.unattributed;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.events.Conversion;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;
import wxfunnel.events.Payment;
import wxfunnel.events.UnattributedReason;
import wxfunnel.local.LocalStack;
import wxfunnel.registry.RegistryClient;
import wxfunnel.runtime.CommittedView;
import wxfunnel.runtime.FunnelProcessor;
import wxfunnel.serde.AvroSerializer;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;

/**
 * Both walled processors on a real KRaft broker, exactly once, against a scenario computed by
 * hand: duplicates, a late record, a spoofed record and garbage. A read_committed consumer must
 * find exactly the expected conversions, funnel rows and dead letters.
 */
class BothEcosystemsOnABrokerTest {

  private static final Instant T0 = Instant.parse("2026-11-20T02:00:00Z");
  private static final Duration PATIENCE = Duration.ofSeconds(90);

  @TempDir
  Path dir;

  @Test
  void exactlyTheExpectedOutputsForBothEcosystems() throws Exception {
    try (LocalStack stack = LocalStack.withTopics(dir.resolve("kafka"), EnumSet.allOf(Ecosystem.class), 3)) {
      final RegistryClient registry = new RegistryClient(stack.registryUrl());
      final Events weixin = new Events(Ecosystem.WEIXIN);
      final Events wechat = new Events(Ecosystem.WECHAT);
      final Payment tx1 = weixin.payment("tx1", "u1", T0.plus(Duration.ofMinutes(4)), 8_800, "CNY");
      final Payment anonymous = Payment.newBuilder(wechat.payment("tx3", "w9", T0.plus(Duration.ofMinutes(5)), 500, "SGD"))
          .setUnionid(null).build();

      try (FunnelProcessor weixinProcessor = start(Ecosystem.WEIXIN, stack);
          FunnelProcessor wechatProcessor = start(Ecosystem.WECHAT, stack);
          Producer producer = new Producer(stack, registry)) {
        // 1. The story, within the grace period (so topics may interleave as they will), with a
        //    duplicate notification, a spoofed record and garbage.
        producer.send(EcoTopic.CONTENT, "200_1", weixin.article("200_1", "C"));
        producer.send(EcoTopic.READS, "u1", weixin.read("r1", "u1", T0, "200_1", null));
        producer.send(EcoTopic.COUPON_CLICKS, "u1", weixin.coupon("c1", "u1", T0.plus(Duration.ofMinutes(2)), "C", null));
        producer.send(EcoTopic.PAYMENTS, "u1", tx1);
        producer.send(EcoTopic.PAYMENTS, "u1", tx1);
        producer.send(EcoTopic.READS, "w1", wechat.read("spoof", "w1", T0, "1_1", "X"), Ecosystem.WEIXIN);
        producer.sendBytes(EcoTopic.PAYMENTS.topic(Ecosystem.WEIXIN), "garbage".getBytes(StandardCharsets.UTF_8));
        producer.send(EcoTopic.SCANS, "w1", wechat.scan("s1", "w1", T0, "B"));
        producer.send(EcoTopic.PAYMENTS, "w1", wechat.payment("tx2", "w1", T0.plus(Duration.ofMinutes(3)), 1_999, "USD"));
        producer.send(EcoTopic.PAYMENTS, "w9", anonymous);
        final Output weixinOut = new Output(new Names(Ecosystem.WEIXIN), stack.bootstrapServers(), registry);
        await().atMost(PATIENCE).until(() -> weixinOut.poll().view.conversions().containsKey("tx1"));

        // 2. Once tx1 is processed, a read of u1 from an hour before the story: later than the grace.
        producer.send(EcoTopic.READS, "u1", weixin.read("late", "u1", T0.minus(Duration.ofHours(1)), "200_1", null));
        producer.send(EcoTopic.PAYMENTS, "u1", tx1);

        // 3. Exactly the expected, committed outputs.
        final Instant paid = T0.plus(Duration.ofMinutes(4));
        final var r1 = touch(READ, "r1", "C", "200_1", null, T0, 0.5, paid);
        final var c1 = touch(COUPON, "c1", "C", null, null, T0.plus(Duration.ofMinutes(2)), 0.5, paid);
        final Map<String, Conversion> weixinConversions = Map.of("tx1", paidBy("u:u1", attributed(Ecosystem.WEIXIN, "tx1", 8_800, "CNY",
            paid, List.of(touch(COUPON, "c1", "C", null, null, T0.plus(Duration.ofMinutes(2)), 1.0, paid)),
            List.of(touch(READ, "r1", "C", "200_1", null, T0, 1.0, paid)),
            List.of(r1, c1), List.of(r1, c1))));
        final Map<String, FunnelRow> weixinFunnel = Map.of("C|2026-11-20",
            row(Ecosystem.WEIXIN, "C", "2026-11-20", "Asia/Shanghai", 1, 1, 1, Map.of("CNY", 8_800L), Map.of("CNY", 8_800L), false));
        final Instant tx2At = T0.plus(Duration.ofMinutes(3));
        final Map<String, Conversion> wechatConversions = Map.of(
            "tx2", paidBy("u:w1", single(Ecosystem.WECHAT, "tx2", 1_999, "USD", tx2At, touch(SCAN, "s1", "B", null, "B", T0, 1.0, tx2At))),
            "tx3", paidBy("o:wx-mini:o-mini-w9",
                unattributed(Ecosystem.WECHAT, "tx3", 500, "SGD", T0.plus(Duration.ofMinutes(5)), UnattributedReason.NO_UNIONID)));
        final Map<String, FunnelRow> wechatFunnel = Map.of("B|2026-11-20",
            row(Ecosystem.WECHAT, "B", "2026-11-20", "UTC", 1, 0, 0, Map.of(), Map.of("USD", 1_999L), false));

        final Output wechatOut = new Output(new Names(Ecosystem.WECHAT), stack.bootstrapServers(), registry);
        await().atMost(PATIENCE).until(() -> weixinOut.poll().deadLetters() == 3
            && wechatOut.poll().view.conversions().size() == 2 && wechatOut.view.funnel().equals(wechatFunnel));
        assertThat(weixinOut.view.conversions()).isEqualTo(weixinConversions);
        assertThat(weixinOut.view.funnel()).isEqualTo(weixinFunnel);
        assertThat(weixinOut.view.deadLetters()).isEqualTo(Map.of("WRONG_ECOSYSTEM", 1L, "UNDECODABLE", 1L, "LATE", 1L));
        assertThat(weixinOut.conversionRecords).isEqualTo(1);
        assertThat(wechatOut.view.conversions()).isEqualTo(wechatConversions);
        assertThat(wechatOut.view.deadLetters()).isEmpty();
        weixinOut.close();
        wechatOut.close();
      }
    }
  }

  private FunnelProcessor start(final Ecosystem ecosystem, final LocalStack stack) {
    final Map<String, Object> kafka = new HashMap<>(stack.kafka().clientConfig());
    kafka.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
    return FunnelProcessor.start(ecosystem, FunnelConfig.defaults(ecosystem), kafka, stack.registryUrl(), dir.resolve("state"));
  }

  /** Writes test events as a producer would, keyed by person. */
  private static final class Producer implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final AvroSerializer<SpecificRecord> serializer;

    Producer(final LocalStack stack, final RegistryClient registry) {
      this.producer = new KafkaProducer<>(Map.of("bootstrap.servers", stack.bootstrapServers(), "enable.idempotence", true),
          new ByteArraySerializer(), new ByteArraySerializer());
      this.serializer = new AvroSerializer<>(registry, false, true);
    }

    void send(final EcoTopic topic, final String key, final SpecificRecord event) throws Exception {
      send(topic, key, event, (Ecosystem) event.get(1));
    }

    void send(final EcoTopic topic, final String key, final SpecificRecord event, final Ecosystem into) throws Exception {
      final String name = topic.topic(into);
      producer.send(new ProducerRecord<>(name, key.getBytes(StandardCharsets.UTF_8), serializer.serialize(name, event))).get();
    }

    void sendBytes(final String topic, final byte[] value) throws Exception {
      producer.send(new ProducerRecord<>(topic, null, value)).get();
    }

    @Override
    public void close() {
      producer.close();
    }
  }

  /** What a read_committed consumer sees of one ecosystem's outputs so far, and how many conversion records it read. */
  private static final class Output implements AutoCloseable {
    final CommittedView<Conversion> view;
    int conversionRecords;
    private final KafkaConsumer<String, byte[]> consumer;
    private final String conversions;

    Output(final Names names, final String bootstrap, final RegistryClient registry) {
      this.view = new CommittedView<>(names, registry, conversion -> conversion);
      this.conversions = names.topic(EcoTopic.CONVERSIONS);
      this.consumer = CommittedView.consumer(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
      final List<TopicPartition> partitions = new ArrayList<>();
      CommittedView.outputTopics(names).forEach(topic ->
          consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition()))));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
    }

    Output poll() {
      for (final ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
        view.apply(record);
        conversionRecords += record.topic().equals(conversions) ? 1 : 0;
      }
      return this;
    }

    long deadLetters() {
      return view.deadLetters().values().stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public void close() {
      consumer.close();
    }
  }
}

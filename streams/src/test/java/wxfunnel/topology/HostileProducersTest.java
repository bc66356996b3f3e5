package wxfunnel.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static wxfunnel.events.Ecosystem.WEIXIN;
import static wxfunnel.topics.Ledger.Outcome.ACCEPTED;
import static wxfunnel.topics.Ledger.Outcome.CAPPED;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.events.Article;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.Payment;
import wxfunnel.local.LocalStack;
import wxfunnel.reference.ReferenceModel.InputRecord;
import wxfunnel.registry.RegistryClient;
import wxfunnel.runtime.FunnelProcessor;
import wxfunnel.runtime.ProcessorLag;
import wxfunnel.serde.AvroSerializer;
import wxfunnel.testing.InputProducer;
import wxfunnel.testing.ProcessorOutputs;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;

/**
 * What real producers send that once stopped a processor, on a real broker, all on one partition
 * of each input: events stamped minutes to a day ahead of the clock, a 900 KiB attach, a bot with
 * 50,000 reads, a catalog with the other ecosystem's article and bytes that are no Avro. The
 * persons who come after them on the same partition still convert within a minute, every hostile
 * record is in the DLQ with its reason, and a replay from the earliest offsets gives every output
 * again, exactly.
 */
class HostileProducersTest {

  private static final int BOT_READS = 50_000;
  private static final int PERSONS_AFTER = 20;

  @Test
  void noRecordStopsOrStallsItsPartitionAndEachHostileOneIsDeadLetteredWithItsReason(@TempDir final Path dir) throws Exception {
    try (LocalStack stack = LocalStack.withTopics(dir.resolve("stack"), EnumSet.of(WEIXIN), 3)) {
      final Map<String, Object> kafka = stack.kafka().clientConfig();
      final AvroSerializer<SpecificRecord> avro = new AvroSerializer<>(new RegistryClient(stack.registryUrl()), false, true);
      final Events weixin = new Events(WEIXIN);
      final Names names = new Names(WEIXIN);
      final Instant now = Instant.now();
      final Map<String, String> hostile = new TreeMap<>();
      try (InputProducer producer = new InputProducer(kafka);
          FunnelProcessor processor = FunnelProcessor.start(WEIXIN, FunnelConfig.defaults(WEIXIN), kafka, stack.registryUrl(),
              dir.resolve("state"));
          Admin admin = Admin.create(kafka)) {
        processor.awaitRunning(Duration.ofMinutes(1));
        // 1. The catalog: the other ecosystem's article, bytes naming a schema id nobody registered, and an article.
        final String content = names.topic(EcoTopic.CONTENT);
        final Article foreign = new Events(Ecosystem.WECHAT).article("900_1", "X");
        producer.send(content, 0, bytes("900_1"), avro.serialize(content, foreign), now.toEpochMilli());
        producer.send(content, 0, bytes("901_1"), new byte[] {0, 0, 0, 3, (byte) 0xE7, 1}, now.toEpochMilli());
        producer.send(content, 0, bytes("100_1"), avro.serialize(content, weixin.article("100_1", "A")), now.toEpochMilli());
        expect(hostile, producer.flush(), "WRONG_ECOSYSTEM", "UNKNOWN_SCHEMA");

        // 2. Payments stamped now whose event times lie 5 min 1 s, 1 h and 23 h ahead, and one with a 900 KiB attach.
        final String payments = names.topic(EcoTopic.PAYMENTS);
        for (final Duration ahead : List.of(Duration.ofMinutes(5).plusSeconds(1), Duration.ofHours(1), Duration.ofHours(23))) {
          final Payment early = weixin.payment("tx-ahead-" + ahead.toMinutes(), "clock-ahead", now.plus(ahead), 100, "CNY");
          producer.send(payments, 0, bytes("clock-ahead"), avro.serialize(payments, early), now.toEpochMilli());
        }
        final Payment attached = Payment.newBuilder(weixin.payment("tx-attach", "attach", now, 100, "CNY"))
            .setAttach("a".repeat(900 << 10)).build();
        producer.send(payments, 0, bytes("attach"), avro.serialize(payments, attached), now.toEpochMilli());
        expect(hostile, producer.flush(), "INVALID_TIMESTAMP", "INVALID_TIMESTAMP", "INVALID_TIMESTAMP", "INVALID_FIELD");

        // 3. A bot reads one article 50,000 times, one read every 100 ms up to now.
        final String reads = names.topic(EcoTopic.READS);
        for (int i = 0; i < BOT_READS; i++) {
          final Instant at = now.minusMillis(100L * (BOT_READS - i));
          producer.send(reads, 0, bytes("bot"), avro.serialize(reads, weixin.read("bot-" + i, "bot", at, "100_1", null)), at.toEpochMilli());
        }
        producer.flush();

        // 4. Then twenty persons read, take a coupon and pay, on the same partitions.
        final List<String> transactions = new ArrayList<>();
        for (int p = 0; p < PERSONS_AFTER; p++) {
          final String person = "after-" + p;
          send(producer, avro, names, EcoTopic.READS, weixin.read("r-" + person, person, now, "100_1", null));
          send(producer, avro, names, EcoTopic.COUPON_CLICKS, weixin.coupon("c-" + person, person, now.plusSeconds(1), "A", null));
          send(producer, avro, names, EcoTopic.PAYMENTS, weixin.payment("tx-" + person, person, now.plusSeconds(2), 500, "CNY"));
          transactions.add("tx-" + person);
        }
        producer.flush();

        // Then all twenty convert within a minute, attributed to their read and coupon
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1)).until(() ->
            ProcessorOutputs.read(kafka, stack.registryUrl(), names).conversions().keySet().containsAll(transactions));
        ProcessorLag.awaitSettled(admin, WEIXIN, Duration.ofMinutes(1));
        final ProcessorOutputs outputs = ProcessorOutputs.read(kafka, stack.registryUrl(), names);
        assertThat(outputs.conversions()).containsOnlyKeys(transactions)
            .allSatisfy((tx, conversion) -> assertThat(conversion.getAttributions().get(0).getTouches()).hasSize(1));
        // And every hostile record is in the DLQ with its reason, and nothing else is
        assertThat(outputs.deadLetters()).isEqualTo(hostile);
        assertThat(outputs.ledger()).containsEntry(ACCEPTED.key("ARTICLE"), 1L).containsEntry(ACCEPTED.key("READ"), (long) BOT_READS + PERSONS_AFTER)
            .containsEntry(CAPPED.key("READ"), (long) BOT_READS - FunnelConfig.DEFAULT_MAX_TOUCHES);
        assertThat(processor.isRunning()).isTrue();
      }

      // And a replay from the earliest offsets gives every output again, exactly
      final ProcessorOutputs production = ProcessorOutputs.read(kafka, stack.registryUrl(), names);
      final ProcessorOutputs replayed = ProcessorOutputs.reference(kafka, stack.registryUrl(), names, dir.resolve("replay"));
      assertThat(replayed.differencesFrom(production)).isEmpty();
    }
  }

  private static void send(final InputProducer producer, final AvroSerializer<SpecificRecord> avro, final Names names,
      final EcoTopic topic, final SpecificRecord event) {
    final String name = names.topic(topic);
    producer.send(name, 0, bytes(Input.common(event).openid()), avro.serialize(name, event), Input.common(event).eventTime().toEpochMilli());
  }

  /** The records just sent are dead-lettered with these reasons, in order. */
  private static void expect(final Map<String, String> hostile, final List<InputRecord> sent, final String... reasons) {
    for (int i = 0; i < reasons.length; i++) {
      final InputRecord record = sent.get(i);
      hostile.put(record.topic() + "/" + record.partition() + "/" + record.offset(), reasons[i]);
    }
  }

  private static byte[] bytes(final String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}

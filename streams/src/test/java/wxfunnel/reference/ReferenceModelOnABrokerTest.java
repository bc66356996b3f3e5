package wxfunnel.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.events.ArticleRead;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.QrScan;
import wxfunnel.events.ReadSource;
import wxfunnel.generator.Generated;
import wxfunnel.generator.Generator;
import wxfunnel.internal.EventKind;
import wxfunnel.local.LocalStack;
import wxfunnel.reference.ReferenceModel.InputRecord;
import wxfunnel.registry.RegistryClient;
import wxfunnel.registry.RegistryException;
import wxfunnel.runtime.CommittedView;
import wxfunnel.runtime.FunnelProcessor;
import wxfunnel.serde.AvroSerializer;
import wxfunnel.testing.InputProducer;
import wxfunnel.testing.LogWatch;
import wxfunnel.testing.ProcessorOutputs;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;
import wxfunnel.topology.FunnelConfig;
import wxfunnel.topology.Input;

/**
 * Both processors on a real broker (6 partitions, read_committed) against the reference model, on
 * 200,000 generated events with the disorder producers make: late and shuffled deliveries,
 * notifications retried under new ids, payments before and after their unionid, events stamped
 * ahead of their records, garbage and the other ecosystem's records, a bot past the cap on
 * touches, a partition quiet for most of the traffic whose first record is days late, and a
 * conversion window of two hours in WeChat. WeChat's producers key by person, so its touches take
 * the fast path to their person; Weixin's partition by openid, so its touches are re-keyed. Every
 * output key, dead letter and ledger count ends as the model says, and a replay from the earliest
 * offsets ends the same.
 */
class ReferenceModelOnABrokerTest {

  private static final int PARTITIONS = 6;
  private static final int EVENTS = 200_000;
  private static final int BOT_READS = 3_000;
  /** Weixin's scans partition 5 hears nothing until this share of the traffic has been sent. */
  private static final double QUIET_UNTIL = 0.95;
  /** A broker refusing a write's sequence number, or a producer told so. */
  private static final Pattern SEQUENCE_TROUBLE = Pattern.compile("(?i)sequence");

  @TempDir
  Path dir;

  @Test
  void bothProcessorsEndWithTheReferenceModelsOutputs() throws Exception {
    try (LogWatch log = LogWatch.open(); LocalStack stack = LocalStack.withTopics(dir.resolve("stack"), EnumSet.allOf(Ecosystem.class), PARTITIONS)) {
      final Map<String, Object> kafka = stack.kafka().clientConfig();
      final RegistryClient registry = new RegistryClient(stack.registryUrl());
      final Map<Ecosystem, FunnelConfig> configs = new EnumMap<>(Map.of(
          Ecosystem.WEIXIN, FunnelConfig.defaults(Ecosystem.WEIXIN),
          Ecosystem.WECHAT, FunnelConfig.defaults(Ecosystem.WECHAT).withConversionWindow(Duration.ofHours(2))));
      // Two days ago, six hours before midnight UTC: WeChat's first cohort day ends early in the traffic.
      final Instant start = LocalDate.now(ZoneOffset.UTC).minusDays(2).atStartOfDay(ZoneOffset.UTC).toInstant().minus(Duration.ofHours(6));
      final Generator generator = new Generator(Generator.Settings.of(7, EVENTS).withStart(start).withPersonsPerSecond(0.8)
          .withDisorder(new Generator.Disorder(0.01, 0.3, 0.05)).withKeyBy(Generator.KeyBy.PERSON));
      final Map<Ecosystem, List<InputRecord>> catalog = new EnumMap<>(Ecosystem.class);
      final Map<Ecosystem, List<InputRecord>> events = new EnumMap<>(Ecosystem.class);
      for (final Ecosystem eco : Ecosystem.values()) {
        catalog.put(eco, new ArrayList<>());
        events.put(eco, new ArrayList<>());
      }
      final List<FunnelProcessor> processors = new ArrayList<>();
      try (InputProducer producer = new InputProducer(kafka)) {
        final AvroSerializer<SpecificRecord> avro = new AvroSerializer<>(registry, false, true);
        // 1. The catalog first: the processors read it whole before any event.
        final List<Generated> traffic = new ArrayList<>();
        generator.forEachRemaining(traffic::add);
        for (final Generated record : traffic) {
          if (EcoTopic.CONTENT.isTopic(record.topic())) {
            send(producer, avro, record, partition(record));
          }
        }
        sortByEcosystem(producer.flush(), catalog);
        // The repartition topics are kept whole, to count what went through them.
        final Map<String, Object> unpurged = new HashMap<>(kafka);
        unpurged.put(StreamsConfig.REPARTITION_PURGE_INTERVAL_MS_CONFIG, Long.MAX_VALUE);
        for (final Ecosystem eco : Ecosystem.values()) {
          processors.add(FunnelProcessor.start(eco, configs.get(eco), unpurged, stack.registryUrl(), dir.resolve("state")));
        }
        for (final FunnelProcessor processor : processors) {
          processor.awaitRunning(Duration.ofMinutes(1));
        }

        // 2. The events, a bot among them, and Weixin's scans partition 5 quiet until near the end,
        //    when its first record is a scan two days late.
        final List<Generated> eventTraffic = traffic.stream().filter(r -> !EcoTopic.CONTENT.isTopic(r.topic())).toList();
        final String quiet = EcoTopic.SCANS.topic(Ecosystem.WEIXIN);
        final int wakeAt = (int) (eventTraffic.size() * QUIET_UNTIL);
        for (int i = 0; i < eventTraffic.size(); i++) {
          final Generated record = eventTraffic.get(i);
          if (i == wakeAt) {
            final QrScan late = QrScan.newBuilder().setEventId("late-scan").setEcosystem(Ecosystem.WEIXIN).setAppId("wx-oa")
                .setOpenid("o-late").setUnionid("late-person").setEventTime(start.minus(Duration.ofDays(2))).setSceneStr("late-scene")
                .setTicket("gQlate").setNewFollower(true).setStoreId(null).build();
            producer.send(quiet, 5, bytes("o-late"), avro.serialize(quiet, late), start.toEpochMilli());
          }
          if (i == eventTraffic.size() / 2) {
            sendBot(producer, avro, Instant.ofEpochMilli(record.deliverAt()));
          }
          final int partition = record.topic().startsWith("weixin.") ? openidPartition(record) : partition(record);
          send(producer, avro, record, i < wakeAt && record.topic().equals(quiet) && partition == 5 ? 4 : partition);
        }
        sortByEcosystem(producer.flush(), events);
      }

      // Then each processor ends with what the reference model computes from the same records
      try {
        for (final Ecosystem eco : Ecosystem.values()) {
          final List<InputRecord> read = new ArrayList<>(catalog.get(eco));
          read.addAll(ReferenceModel.readOrder(events.get(eco)));
          final ProcessorOutputs expected = asOutputs(ReferenceModel.run(eco, configs.get(eco).withInputPartitions(PARTITIONS), read,
              id -> schema(registry, id)));
          assertThat(expected.conversions()).hasSizeGreaterThan(eco == Ecosystem.WEIXIN ? 1_000 : 100);
          if (eco == Ecosystem.WECHAT) {
            assertThat(expected.funnel().values()).as("rows final within the traffic's span").anyMatch(row -> row.getFinal$());
          }
          final Names names = new Names(eco);
          await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(2))
              .until(() -> ProcessorOutputs.read(kafka, stack.registryUrl(), names).equals(expected));
          assertThat(ProcessorOutputs.read(kafka, stack.registryUrl(), names).differencesFrom(expected)).isEmpty();
        }
        assertThat(personEventsRekeyed(kafka, new Names(Ecosystem.WECHAT))).as("WeChat's touches re-keyed").isZero();
        assertThat(personEventsRekeyed(kafka, new Names(Ecosystem.WEIXIN))).as("Weixin's touches re-keyed").isGreaterThan(10_000);
      } finally {
        processors.forEach(FunnelProcessor::close);
      }

      // And a replay of Weixin from the earliest offsets ends the same
      final ProcessorOutputs production = ProcessorOutputs.read(kafka, stack.registryUrl(), new Names(Ecosystem.WEIXIN));
      final ProcessorOutputs replayed = ProcessorOutputs.reference(kafka, stack.registryUrl(), new Names(Ecosystem.WEIXIN),
          dir.resolve("replay"));
      assertThat(replayed.differencesFrom(production)).isEmpty();
      assertThat(log.matching(SEQUENCE_TROUBLE)).as("what the broker and the producers said about sequence numbers").isEmpty();
    }
  }

  /** A bot's 3,000 reads of one article, one a second, in order, on one partition: past the cap of 1,000 touches. */
  private static void sendBot(final InputProducer producer, final AvroSerializer<SpecificRecord> avro, final Instant from) {
    final String reads = EcoTopic.READS.topic(Ecosystem.WEIXIN);
    for (int i = 0; i < BOT_READS; i++) {
      final Instant at = from.plusSeconds(i);
      final SpecificRecord read = ArticleRead.newBuilder().setEventId("bot-" + i).setEcosystem(Ecosystem.WEIXIN)
          .setAppId("wx-oa").setOpenid("o-bot").setUnionid("bot").setEventTime(at).setAccountId("gh_brand")
          .setMsgId("bot-article").setReadSource(ReadSource.SEARCH).setCampaignId("bot-campaign").build();
      producer.send(reads, 1, bytes("o-bot"), avro.serialize(reads, read), at.toEpochMilli());
    }
  }

  private static void send(final InputProducer producer, final AvroSerializer<SpecificRecord> avro, final Generated record,
      final int partition) {
    final byte[] value = record.isMalformed() ? record.raw() : avro.serialize(record.topic(), record.value());
    producer.send(record.topic(), partition, record.key() == null ? null : bytes(record.key()), value, record.deliverAt());
  }

  /** The partition Kafka's producer would pick for the record's key. */
  private static int partition(final Generated record) {
    return record.key() == null ? 0 : Utils.toPositive(Utils.murmur2(bytes(record.key()))) % PARTITIONS;
  }

  /** The partition Kafka's producer would pick for the record keyed by the openid it carries, as the platforms' callbacks have it. */
  private static int openidPartition(final Generated record) {
    return record.isMalformed() ? partition(record)
        : Utils.toPositive(Utils.murmur2(bytes(Input.common(record.value()).openid()))) % PARTITIONS;
  }

  /** How many person events (not clocks, which go to every partition) the by-person topic took, committed. */
  private static long personEventsRekeyed(final Map<String, Object> kafka, final Names names) {
    return CommittedView.readAll(kafka, List.of(names.repartition(Names.BY_PERSON))).stream()
        .filter(r -> !EventKind.CLOCK.name().equals(r.key())).count();
  }

  private static void sortByEcosystem(final List<InputRecord> records, final Map<Ecosystem, List<InputRecord>> into) {
    for (final InputRecord record : records) {
      into.get(record.topic().startsWith("wechat.") ? Ecosystem.WECHAT : Ecosystem.WEIXIN).add(record);
    }
  }

  private static ProcessorOutputs asOutputs(final ReferenceModel.Outputs outputs) {
    final Map<String, String> deadLetters = new TreeMap<>();
    outputs.deadLetters().forEach(d -> deadLetters.put(d.topic() + "/" + d.partition() + "/" + d.offset(), d.reason()));
    return new ProcessorOutputs(new TreeMap<>(outputs.conversions()), new TreeMap<>(outputs.funnel()), new TreeMap<>(outputs.content()),
        deadLetters,
        new TreeMap<>(outputs.ledger()));
  }

  private static Schema schema(final RegistryClient registry, final int id) {
    try {
      return registry.schemaById(id);
    } catch (RegistryException e) {
      return null;
    }
  }

  private static byte[] bytes(final String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}

package wxfunnel.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static wxfunnel.events.Ecosystem.WEIXIN;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.egress.Egress;
import wxfunnel.generator.Generator;
import wxfunnel.generator.TrafficSender;
import wxfunnel.local.ChildJvm;
import wxfunnel.local.LocalStack;
import wxfunnel.metrics.CommittedMetrics;
import wxfunnel.metrics.MetricsServer;
import wxfunnel.registry.RegistryClient;
import wxfunnel.runtime.CommittedView;
import wxfunnel.runtime.ProcessorLag;
import wxfunnel.testing.Http;
import wxfunnel.testing.Ports;
import wxfunnel.testing.ProcessorChild;
import wxfunnel.testing.ProcessorOutputs;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;
import wxfunnel.topology.FunnelConfig;

/**
 * Kafka's own exactly-once proof, on this pipeline: the processor runs as a child process, and is
 * killed with SIGKILL three times while a transaction holds
 * uncommitted output, each time further into the input, and restarted. The outputs are known in
 * advance, from an uninterrupted run of the same pipeline over the same inputs (a shadow replay):
 * a read_committed reader must find exactly its conversions and funnel rows, each of its dead
 * letters exactly once, and the same count of every outcome in the ledger (a record processed
 * twice would count twice); the exported metrics must equal them, and the exported count of
 * persons in state the live keys of the persons store's changelog.
 */
class SigkillTest {

  private static final long RECORDS = 60_000;
  private static final int KILLS = 3;
  private static final int PARTITIONS = 3;

  @TempDir
  Path dir;

  @Test
  void threeKillsMidRunLoseNothingAndDoubleNothing() throws Exception {
    try (LocalStack stack = LocalStack.withTopics(dir.resolve("kafka"), EnumSet.of(WEIXIN), PARTITIONS);
        Admin admin = Admin.create(stack.kafka().clientConfig())) {
      try (TrafficSender sender = new TrafficSender(stack.kafka().clientConfig(), new RegistryClient(stack.registryUrl()))) {
        new Generator(Generator.Settings.of(3, RECORDS).withEcosystems(EnumSet.of(WEIXIN))
            .withStart(Instant.now().minus(Duration.ofDays(3)))).forEachRemaining(sender::send);
        sender.flush();
      }
      final ProcessorOutputs expected = ProcessorOutputs.reference(stack.kafka().clientConfig(), stack.registryUrl(),
          new Names(WEIXIN), dir.resolve("reference-state"));
      assertThat(expected.conversions()).hasSizeGreaterThan(500);

      // 1. Killed three times, each after more of the inputs are committed, the last still short of the end.
      final long total = ProcessorLag.of(admin, WEIXIN);
      for (int kill = 1; kill <= KILLS; kill++) {
        final long leftAtKill = total * (KILLS + 1 - kill) / (KILLS + 1);
        final ChildJvm processor = processor(stack, Ports.free());
        try {
          // Past its share of the inputs, and with output written in a transaction not yet committed.
          await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
              .until(() -> ProcessorLag.of(admin, WEIXIN) <= leftAtKill && transactionOpen(admin));
        } catch (ConditionTimeoutException e) {
          throw new AssertionError("kill " + kill + ": lag " + ProcessorLag.of(admin, WEIXIN) + ", waiting for at most " + leftAtKill
              + " with a transaction open; the processor's log ends:\n" + tail(dir.resolve("processor.log")), e);
        } finally {
          processor.kill();
        }
      }
      assertThat(ProcessorLag.of(admin, WEIXIN)).as("work left at the last kill").isPositive();

      // 2. Restarted on the same state directory, it finishes: exactly the expected outputs, and metrics equal to them.
      final int port = Ports.free();
      try (ChildJvm last = processor(stack, port)) {
        ProcessorLag.awaitSettled(admin, WEIXIN, Duration.ofMinutes(3));
        final ProcessorOutputs actual = ProcessorOutputs.read(stack.kafka().clientConfig(), stack.registryUrl(), new Names(WEIXIN));
        assertThat(actual).as(() -> actual.differencesFrom(expected)).isEqualTo(expected);
        // The persons in state, counted independently: the live keys of the persons store's changelog.
        final Names names = new Names(WEIXIN);
        final Map<String, Double> totals = new TreeMap<>(actual.totals());
        totals.put("persons in state", (double) liveKeys(stack.kafka().clientConfig(), names.changelog(Names.PERSONS)).size());
        assertThat(totals.get("persons in state")).isPositive();
        // The restarted processor's own metrics: what it counts of records, exact.
        final Set<String> records = Set.of("dlq", "persons in state");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(exported("http://127.0.0.1:" + port)).containsAllEntriesOf(only(totals, records)));
        // Its business numbers leave in steps of k persons; a reader that starts on the settled outputs
        // releases them whole, and folding small campaigns into "other" keeps every total.
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0);
            CommittedMetrics reader = CommittedMetrics.start(WEIXIN, stack.kafka().clientConfig(),
                new RegistryClient(stack.registryUrl()), server.registry(), FunnelConfig.defaults(WEIXIN),
                new Egress(Egress.DEFAULT_MIN_CELL_USERS, Egress.DEFAULT_TOP_CAMPAIGNS))) {
          await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2))
              .untilAsserted(() -> assertThat(exported(server.url())).isEqualTo(totals));
        }
      }
    }
  }

  private ChildJvm processor(final LocalStack stack, final int metricsPort) throws Exception {
    // Its committed offsets, and so its lag, move only when it commits: with a commit every 250 ms its
    // progress shows in small steps while later transactions hold output (with one every 2 s, a
    // restarted processor took a whole quarter of the input in one commit and left nothing open to
    // kill). The killed member leaves the group after 10 s.
    return ProcessorChild.start(WEIXIN, stack.bootstrapServers(), stack.registryUrl(), dir.resolve("state"), metricsPort,
        "kafka.session.timeout.ms=10000\nkafka.commit.interval.ms=250\n", dir.resolve("processor.log"));
  }

  private static String tail(final Path log) throws IOException {
    final List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  /** Whether an output partition holds records of a transaction not yet committed: its end is past its last stable offset. */
  private static boolean transactionOpen(final Admin admin) throws Exception {
    final Map<TopicPartition, OffsetSpec> outputs = new HashMap<>();
    for (final String topic : List.of(EcoTopic.CONVERSIONS.topic(WEIXIN), EcoTopic.FUNNEL.topic(WEIXIN))) {
      for (int p = 0; p < PARTITIONS; p++) {
        outputs.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
    }
    final var stable = admin.listOffsets(outputs, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(30, TimeUnit.SECONDS);
    final var end = admin.listOffsets(outputs, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all().get(30, TimeUnit.SECONDS);
    return outputs.keySet().stream().anyMatch(p -> end.get(p).offset() > stable.get(p).offset());
  }

  /** The keys of a compacted topic whose latest committed record is not a tombstone. */
  private static Set<String> liveKeys(final Map<String, Object> kafka, final String topic) {
    final Set<String> live = new HashSet<>();
    for (final ConsumerRecord<String, byte[]> record : CommittedView.readAll(kafka, List.of(topic))) {
      if (record.value() == null) {
        live.remove(record.key());
      } else {
        live.add(record.key());
      }
    }
    return live;
  }

  /** Totals from /metrics: conversions, funnel users per step, dead letters, persons in state. */
  private static Map<String, Double> exported(final String url) throws Exception {
    final Map<String, Double> totals = new TreeMap<>();
    for (final String line : Http.get(url + "/metrics").lines().toList()) {
      if (line.startsWith("wxfunnel_conversions{")) {
        totals.merge("conversions", value(line), Double::sum);
      } else if (line.startsWith("wxfunnel_funnel_users{")) {
        totals.merge("funnel." + label(line, "step"), value(line), Double::sum);
      } else if (line.startsWith("wxfunnel_dlq_records_total{")) {
        totals.merge("dlq", value(line), Double::sum);
      } else if (line.startsWith("wxfunnel_state_persons{")) {
        totals.put("persons in state", value(line));
      }
    }
    return totals;
  }

  private static Map<String, Double> only(final Map<String, Double> totals, final Set<String> keys) {
    final Map<String, Double> some = new TreeMap<>(totals);
    some.keySet().retainAll(keys);
    return some;
  }

  private static double value(final String line) {
    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
  }

  private static String label(final String line, final String name) {
    final int start = line.indexOf(name + "=\"") + name.length() + 2;
    return new String(line.substring(start, line.indexOf('"', start)).getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }
}

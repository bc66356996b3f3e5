package wxfunnel.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.ContentPerformance;
import wxfunnel.events.Conversion;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;
import wxfunnel.generator.Generator;
import wxfunnel.generator.TrafficSender;
import wxfunnel.local.ChildJvm;
import wxfunnel.local.LocalStack;
import wxfunnel.registry.RegistryClient;
import wxfunnel.runtime.ProcessorLag;
import wxfunnel.testing.Http;
import wxfunnel.testing.Ports;
import wxfunnel.testing.ProcessorChild;
import wxfunnel.testing.ProcessorOutputs;
import wxfunnel.topics.Names;
import wxfunnel.topics.TopicAdmin;

/**
 * The query API on a real broker, with two instances of each ecosystem's processor (child JVMs,
 * as {@code wxfunnel run} starts them): every funnel row, content row and conversion a
 * read_committed reader finds is answered, exactly, by either instance, whichever holds it; once
 * one instance is killed, the survivor answers them all.
 */
class QueryApiTest {

  private static final int PARTITIONS = 4;
  private static final long RECORDS = 3_000;
  private static final List<Ecosystem> ECOSYSTEMS = List.of(Ecosystem.WEIXIN, Ecosystem.WECHAT);
  // A killed member leaves its group after 10 s instead of 45.
  private static final String PROCESSOR_SETTINGS = "kafka.session.timeout.ms=10000\n";
  private static final ObjectMapper json = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void everyKeyIsAnsweredByEitherInstanceAndBySurvivorOnceOneIsKilled() throws Exception {
    try (LocalStack stack = LocalStack.start(dir.resolve("local"), 0, 0);
        Admin admin = Admin.create(stack.kafka().clientConfig())) {
      final Map<String, Object> kafka = stack.kafka().clientConfig();
      try (TopicAdmin topics = new TopicAdmin(kafka)) {
        topics.create(ECOSYSTEMS, PARTITIONS);
      }
      try (TrafficSender sender = new TrafficSender(kafka, new RegistryClient(stack.registryUrl()))) {
        for (final Ecosystem eco : ECOSYSTEMS) {
          new Generator(Generator.Settings.of(eco.ordinal() + 11, RECORDS).withEcosystems(EnumSet.of(eco))
              .withStart(Instant.now().minus(Duration.ofDays(10)))).forEachRemaining(sender::send);
        }
        sender.flush();
      }
      final Map<Ecosystem, List<Integer>> ports = new EnumMap<>(Ecosystem.class);
      final List<ChildJvm> instances = new ArrayList<>();
      try {
        for (final Ecosystem eco : ECOSYSTEMS) {
          ports.put(eco, List.of(Ports.free(), Ports.free()));
          for (final int port : ports.get(eco)) {
            instances.add(ProcessorChild.start(eco, stack.bootstrapServers(), stack.registryUrl(), dir.resolve("state-" + port),
                port, PROCESSOR_SETTINGS, dir.resolve(eco + "-" + port + ".log")));
          }
        }
        final Map<Ecosystem, ProcessorOutputs> committed = new EnumMap<>(Ecosystem.class);
        for (final Ecosystem eco : ECOSYSTEMS) {
          await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
              .until(() -> ProcessorLag.of(admin, eco) == 0);
          ProcessorLag.awaitSettled(admin, eco, Duration.ofMinutes(1));
          committed.put(eco, ProcessorOutputs.read(kafka, stack.registryUrl(), new Names(eco)));
          // A day's articles, QR scenes and coupons of several campaigns (WeChat runs 4: 24 at most), over the partitions
          assertThat(committed.get(eco).content()).as(eco + " content rows").hasSizeGreaterThan(10);
          assertThat(committed.get(eco).funnel()).as(eco + " funnel rows").isNotEmpty();
          assertThat(committed.get(eco).conversions()).as(eco + " conversions").hasSizeGreaterThan(10);
        }

        // 1. Both instances answer every key exactly; each holds only part of them.
        for (final Ecosystem eco : ECOSYSTEMS) {
          for (final int port : ports.get(eco)) {
            assertAnswersEveryKey(eco, port, committed.get(eco));
          }
          final int first = ports.get(eco).get(0);
          assertThat(committed.get(eco).content().keySet()).as("content rows the first instance holds itself, and not")
              .anyMatch(key -> holds(eco, first, key))
              .anyMatch(key -> !holds(eco, first, key));
        }

        // 2. One instance of each ecosystem is killed: the survivor answers every key once it has its tasks.
        for (final Ecosystem eco : ECOSYSTEMS) {
          instances.get(ECOSYSTEMS.indexOf(eco) * 2).kill();
        }
        for (final Ecosystem eco : ECOSYSTEMS) {
          final int survivor = ports.get(eco).get(1);
          // It holds every partition once the dead one has left the group and its tasks are restored here.
          await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
              .until(() -> onePerPartition(committed.get(eco)).stream().allMatch(key -> holds(eco, survivor, key)));
          assertAnswersEveryKey(eco, survivor, committed.get(eco));
        }
      } finally {
        for (final ChildJvm instance : instances) {
          instance.close();
        }
      }
    }
  }

  /** Every funnel row, content row and conversion of {@code expected}, asked of the instance at {@code port}. */
  private static void assertAnswersEveryKey(final Ecosystem eco, final int port, final ProcessorOutputs expected) throws Exception {
    final String base = "http://127.0.0.1:" + port + QueryHandler.prefix(eco);
    for (final FunnelRow row : expected.funnel().values()) {
      final JsonNode answer = get(base + "funnel?campaign=" + encode(row.getCampaignId()) + "&from=" + row.getCohortDay()
          + "&to=" + row.getCohortDay());
      assertThat(answer.get("rows")).containsExactly(json.readTree(row.toString()));
      assertThat(answer.get("final").asBoolean()).isEqualTo(row.getFinal$());
    }
    for (final ContentPerformance row : expected.content().values()) {
      final JsonNode answer = get(base + "content?kind=" + row.getContentKind() + "&id=" + encode(row.getContentId())
          + "&from=" + row.getDay() + "&to=" + row.getDay());
      assertThat(answer.get("rows")).containsExactly(json.readTree(row.toString()));
    }
    final List<Conversion> conversions = new ArrayList<>(expected.conversions().values());
    for (final Conversion conversion : conversions.subList(0, Math.min(100, conversions.size()))) {
      final String body = Http.get(base + "conversions/" + encode(conversion.getTransactionId()));
      assertThat(body).doesNotContain("payer").doesNotContain("event_id");
      assertThat(json.readTree(body).get("conversion")).isEqualTo(withoutPersons(conversion));
    }
    assertTopContent(base, expected);
  }

  /** Top-10 articles by last-touch GMV over every day, per the committed content rows. */
  private static void assertTopContent(final String base, final ProcessorOutputs expected) throws Exception {
    final LocalDate from = expected.content().values().stream().map(ContentPerformance::getDay).min(Comparator.naturalOrder()).orElseThrow();
    final LocalDate to = expected.content().values().stream().map(ContentPerformance::getDay).max(Comparator.naturalOrder()).orElseThrow();
    final String currency = expected.content().values().stream()
        .flatMap(row -> row.getCredits().get(0).getGmv().keySet().stream()).findFirst().orElseThrow();
    final Map<String, Long> gmv = new TreeMap<>();
    expected.content().values().stream().filter(row -> row.getContentKind().name().equals("ARTICLE")).forEach(row ->
        gmv.merge(row.getContentId(), row.getCredits().get(AttributionModel.LAST_TOUCH.ordinal()).getGmv().getOrDefault(currency, 0L),
            Long::sum));
    final List<String> top = gmv.entrySet().stream().filter(e -> e.getValue() > 0)
        .sorted(Comparator.comparing((Map.Entry<String, Long> e) -> -e.getValue()).thenComparing(Map.Entry::getKey)).limit(10)
        .map(e -> e.getKey() + "=" + e.getValue()).toList();
    final JsonNode answer = get(base + "top-content?model=LAST_TOUCH&kind=ARTICLE&currency=" + currency + "&from=" + from + "&to=" + to);
    final List<String> answered = new ArrayList<>();
    answer.get("rows").forEach(row -> answered.add(row.get("content_id").asText() + "=" + row.get("gmv").asLong()));
    assertThat(answered).isEqualTo(top).isNotEmpty();
  }

  /** A conversion as the API shows it: without its payer and its touches' event ids. */
  private static JsonNode withoutPersons(final Conversion conversion) throws Exception {
    final ObjectNode node = (ObjectNode) json.readTree(conversion.toString());
    node.remove("payer");
    for (final JsonNode model : node.get("attributions")) {
      ((ArrayNode) model.get("touches")).forEach(touch -> ((ObjectNode) touch).remove("event_id"));
    }
    return node;
  }

  /**
   * Whether the instance at {@code port} holds the content row {@code key} itself: it answers for
   * the key's partition of the output topic (the default partitioner's), else 503.
   */
  private static boolean holds(final Ecosystem eco, final int port, final String key) {
    return Http.call("GET", "http://127.0.0.1:" + port + QueryHandler.prefix(eco) + "key?view=" + Names.CONTENT_VIEW + "&key="
        + encode(key) + "&partition=" + partition(key), null).status() == 200;
  }

  /** A content row key of each partition of the content-performance topic. */
  private static List<String> onePerPartition(final ProcessorOutputs outputs) {
    final Map<Integer, String> keys = new TreeMap<>();
    outputs.content().keySet().forEach(key -> keys.putIfAbsent(partition(key), key));
    assertThat(keys).as("a content row in each partition").hasSize(PARTITIONS);
    return List.copyOf(keys.values());
  }

  /** The partition the default partitioner gives {@code key}, as the processor wrote it. */
  private static int partition(final String key) {
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
  }

  private static JsonNode get(final String url) throws Exception {
    return json.readTree(Http.get(url));
  }

  private static String encode(final String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}

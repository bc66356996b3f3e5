package wxfunnel.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.events.Ecosystem;
import wxfunnel.generator.Generator;
import wxfunnel.generator.TrafficSender;
import wxfunnel.local.LocalStack;
import wxfunnel.registry.RegistryClient;
import wxfunnel.runtime.CommittedView;
import wxfunnel.runtime.FunnelProcessor;
import wxfunnel.runtime.ProcessorLag;
import wxfunnel.testing.CliRun;
import wxfunnel.topics.DeadLetters;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;
import wxfunnel.topology.FunnelConfig;

/** {@code wxfunnel inspect} on every topic of both ecosystems, after generated traffic went through both processors. */
class InspectTest {

  private static final ObjectMapper json = new ObjectMapper();
  private static final Map<EcoTopic, String> SCHEMAS = Map.of(EcoTopic.READS, "wxfunnel.events.ArticleRead",
      EcoTopic.SCANS, "wxfunnel.events.QrScan", EcoTopic.COUPON_CLICKS, "wxfunnel.events.CouponClick",
      EcoTopic.PAYMENTS, "wxfunnel.events.Payment", EcoTopic.CONTENT, "wxfunnel.events.Article",
      EcoTopic.CONVERSIONS, "wxfunnel.events.Conversion", EcoTopic.FUNNEL, "wxfunnel.events.FunnelRow",
      EcoTopic.CONTENT_PERFORMANCE, "wxfunnel.events.ContentPerformance");

  @TempDir
  static Path dir;

  private static LocalStack stack;

  @BeforeAll
  static void processGeneratedTraffic() throws Exception {
    stack = LocalStack.withTopics(dir.resolve("kafka"), EnumSet.allOf(Ecosystem.class), 2);
    try (TrafficSender sender = new TrafficSender(stack.kafka().clientConfig(), new RegistryClient(stack.registryUrl()))) {
      new Generator(Generator.Settings.of(7, 6_000).withStart(Instant.now().minus(Duration.ofDays(3))))
          .forEachRemaining(sender::send);
      sender.flush();
    }
    try (Admin admin = Admin.create(stack.kafka().clientConfig());
        FunnelProcessor weixin = start(Ecosystem.WEIXIN);
        FunnelProcessor wechat = start(Ecosystem.WECHAT)) {
      ProcessorLag.awaitSettled(admin, Ecosystem.WEIXIN, Duration.ofMinutes(3));
        ProcessorLag.awaitSettled(admin, Ecosystem.WECHAT, Duration.ofMinutes(3));
    }
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  @Test
  void everyTopicPrintsJsonLinesDecodedThroughTheRegistry() throws Exception {
    for (final Ecosystem eco : Ecosystem.values()) {
      for (final EcoTopic topic : EcoTopic.values()) {
        final List<JsonNode> lines = inspect("--topic", topic.topic(eco), "--from-beginning", "--limit", "50");
        assertThat(lines).as(topic.topic(eco)).isNotEmpty().hasSizeLessThanOrEqualTo(50)
            .allSatisfy(line -> assertThat(line.get("topic").asText()).isEqualTo(topic.topic(eco)));
        if (topic == EcoTopic.DLQ) {
          assertThat(lines).allSatisfy(line -> {
            assertThat(line.at("/headers/" + DeadLetters.REASON).asText()).isNotEmpty();
            assertThat(line.at("/headers/" + DeadLetters.SOURCE_TOPIC).asText()).startsWith(EcoTopic.prefix(eco) + ".");
            assertThat(Base64.getDecoder().decode(line.get("raw").asText())).isNotEmpty();
          });
        } else {
          final List<JsonNode> decoded = lines.stream().filter(line -> line.has("value")).toList();
          assertThat(decoded).as(topic.topic(eco)).isNotEmpty()
              .allSatisfy(line -> assertThat(line.get("schema").asText()).isEqualTo(SCHEMAS.get(topic)));
          // Inputs carry the generator's garbage too: printed raw, with the reason it does not decode.
          assertThat(lines).filteredOn(line -> !line.has("value"))
              .allSatisfy(line -> assertThat(line.get("undecodable").asText()).isNotEmpty());
        }
      }
    }
  }

  @Test
  void aKeyPicksItsRecordsAndTheEndOfTheTopicEndsTheOutput() throws Exception {
    final String transaction = CommittedView.read(stack.kafka().clientConfig(), new RegistryClient(stack.registryUrl()),
        new Names(Ecosystem.WEIXIN)).conversions().keySet().iterator().next();

    final List<JsonNode> lines = inspect("--topic", EcoTopic.CONVERSIONS.topic(Ecosystem.WEIXIN), "--from-beginning", "--key", transaction);

    assertThat(lines).isNotEmpty().allSatisfy(line -> {
      assertThat(line.get("key").asText()).isEqualTo(transaction);
      assertThat(line.at("/value/transaction_id").asText()).isEqualTo(transaction);
      assertThat(line.at("/value/ecosystem").asText()).isEqualTo("WEIXIN");
    });
    assertThat(inspect("--topic", EcoTopic.CONVERSIONS.topic(Ecosystem.WEIXIN), "--from-datetime", Instant.now().plus(Duration.ofDays(1)).toString()))
        .isEmpty();
  }

  private static FunnelProcessor start(final Ecosystem eco) {
    return FunnelProcessor.start(eco, FunnelConfig.defaults(eco), stack.kafka().clientConfig(), stack.registryUrl(),
        dir.resolve("state"));
  }

  /** Runs {@code wxfunnel inspect}; every line it prints must be a JSON object. */
  private static List<JsonNode> inspect(final String... options) throws Exception {
    final List<String> args = new ArrayList<>(List.of("inspect", "--bootstrap-servers", stack.bootstrapServers(),
        "--schema-registry-url", stack.registryUrl()));
    args.addAll(List.of(options));
    final CliRun run = CliRun.of(args.toArray(String[]::new));
    assertThat(run.exitCode()).as(run.err()).isZero();
    final List<JsonNode> lines = new ArrayList<>();
    for (final String line : run.out().lines().toList()) {
      lines.add(json.readTree(line));
    }
    return lines;
  }
}

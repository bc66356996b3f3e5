package wxfunnel.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.egress.Egress;
import wxfunnel.events.Ecosystem;
import wxfunnel.generator.Generator;
import wxfunnel.generator.TrafficSender;
import wxfunnel.local.LocalKafka;
import wxfunnel.metrics.CommittedMetrics;
import wxfunnel.metrics.MetricsServer;
import wxfunnel.registry.RegistryClient;
import wxfunnel.registry.RegistryServer;
import wxfunnel.runtime.FunnelProcessor;
import wxfunnel.runtime.ProcessorLag;
import wxfunnel.testing.Http;
import wxfunnel.testing.Ports;
import wxfunnel.testing.ProcessorOutputs;
import wxfunnel.topics.Names;
import wxfunnel.topics.TopicAdmin;
import wxfunnel.topology.FunnelConfig;

/**
 * The schema registry is down for 30 s mid-run: the processor goes on with the schemas it has, a
 * generator that starts meanwhile retries with backoff until the registry is back, {@code /health}
 * says DEGRADED and {@code wxfunnel_registry_reachable} is 0 while it lasts, and nothing is lost.
 */
class RegistryOutageTest {

  private static final Ecosystem WEIXIN = Ecosystem.WEIXIN;
  private static final Duration OUTAGE = Duration.ofSeconds(30);
  private static final String REACHABLE = "wxfunnel_registry_reachable{ecosystem=\"weixin\"}";

  @TempDir
  Path dir;

  @Test
  void theRegistryIsDownForThirtySecondsAndNothingIsLost() throws Exception {
    final int registryPort = Ports.free();
    try (LocalKafka kafka = LocalKafka.start(dir.resolve("kafka"), 0);
        Admin admin = Admin.create(kafka.clientConfig())) {
      RegistryServer registry = RegistryServer.start(kafka.clientConfig(), registryPort);
      final String registryUrl = registry.url();
      try (TopicAdmin topics = new TopicAdmin(kafka.clientConfig())) {
        topics.create(EnumSet.of(WEIXIN), 3);
      }
      send(kafka, registryUrl, 1, Instant.now().minus(Duration.ofDays(3)));
      try (MetricsServer metrics = MetricsServer.start("127.0.0.1", 0);
          FunnelProcessor processor = FunnelProcessor.start(WEIXIN, FunnelConfig.defaults(WEIXIN), waitingForEveryInput(kafka),
              registryUrl, dir.resolve("state"))) {
        metrics.watch(processor);
        metrics.watchRegistry(WEIXIN, registryUrl);
        processor.awaitRunning(Duration.ofMinutes(1));
        ProcessorLag.awaitSettled(admin, WEIXIN, Duration.ofMinutes(2));
        assertThat(Http.get(metrics.url() + "/health")).contains("\"status\":\"UP\"");

        // 1. Down: a new generator waits for it, with backoff; health and metric show it. Business
        //    metrics that start now, with a client that gives up on the registry after 2 s (an outage
        //    longer than its patience), cannot decode the outputs yet.
        registry.close();
        final long downAt = System.nanoTime();
        final CommittedMetrics business = CommittedMetrics.start(WEIXIN, kafka.clientConfig(),
            new RegistryClient(registryUrl, Duration.ofSeconds(2)), metrics.registry(), FunnelConfig.defaults(WEIXIN),
            new Egress(Egress.LOWEST_MIN_CELL_USERS, 5));
        final CompletableFuture<Void> secondPart = CompletableFuture.runAsync(
            () -> send(kafka, registryUrl, 2, Instant.now().minus(Duration.ofDays(2))));
        await().atMost(OUTAGE.plusSeconds(30)).pollInterval(Duration.ofSeconds(1))
            .until(() -> System.nanoTime() - downAt >= OUTAGE.toNanos() && Http.get(metrics.url() + "/health").contains("DEGRADED"));
        final Http.Answer health = Http.call("GET", metrics.url() + "/health", null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.body().at("/registries/weixin").asText()).startsWith("UNREACHABLE for ");
        assertThat(health.body().at("/processors/weixin").asText()).isEqualTo("RUNNING");
        assertThat(Http.get(metrics.url() + "/metrics")).contains(REACHABLE + " 0.0");
        assertThat(secondPart).as("the generator still waiting for the registry").isNotDone();
        assertThat(exportedConversions(metrics)).as("business metrics that cannot decode yet").isZero();

        // 2. Back on the same port: the generator finishes, the processor catches up, health is UP again.
        registry = RegistryServer.start(kafka.clientConfig(), registryPort);
        secondPart.get(2, TimeUnit.MINUTES);
        ProcessorLag.awaitSettled(admin, WEIXIN, Duration.ofMinutes(2));
        await().atMost(Duration.ofSeconds(10)).until(() -> Http.get(metrics.url() + "/health").contains("\"status\":\"UP\""));
        assertThat(Http.get(metrics.url() + "/metrics")).contains(REACHABLE + " 1.0");

        // 3. The business metrics caught up once it was back: every committed conversion, none skipped. They
        //    leave through the egress, in steps of k payers per status: each status within k - 1 of its
        //    committed count (a skipped batch would be hundreds).
        final long committed = ProcessorOutputs.read(kafka.clientConfig(), registryUrl, new Names(WEIXIN)).conversions().size();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
            .untilAsserted(() -> assertThat(exportedConversions(metrics))
                .isCloseTo(committed, within(2L * (Egress.LOWEST_MIN_CELL_USERS - 1))));
        business.close();
      }
      final ProcessorOutputs expected = ProcessorOutputs.reference(kafka.clientConfig(), registryUrl, new Names(WEIXIN),
          dir.resolve("reference"));
      final ProcessorOutputs actual = ProcessorOutputs.read(kafka.clientConfig(), registryUrl, new Names(WEIXIN));
      assertThat(actual.conversions()).hasSizeGreaterThan(50);
      assertThat(actual).as(() -> actual.differencesFrom(expected)).isEqualTo(expected);
      registry.close();
    }
  }

  /**
   * The generator sends days of event time in seconds, so a few milliseconds between two topics'
   * batches are minutes of event time: the processor waits for every input partition to have data,
   * as it does anyway for a backlog, so that it reads them in timestamp order, as the reference does.
   */
  private static Map<String, Object> waitingForEveryInput(final LocalKafka kafka) {
    final Map<String, Object> config = new HashMap<>(kafka.clientConfig());
    config.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, 3_000L);
    return config;
  }

  private static long exportedConversions(final MetricsServer metrics) throws Exception {
    return Math.round(Http.get(metrics.url() + "/metrics").lines().filter(line -> line.startsWith("wxfunnel_conversions{"))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum());
  }

  private static void send(final LocalKafka kafka, final String registryUrl, final long seed, final Instant start) {
    try (TrafficSender sender = new TrafficSender(kafka.clientConfig(), new RegistryClient(registryUrl))) {
      new Generator(Generator.Settings.of(seed, 5_000).withEcosystems(EnumSet.of(WEIXIN)).withStart(start))
          .forEachRemaining(sender::send);
      sender.flush();
    }
  }
}

package wxfunnel.wall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.demo.Demo;
import wxfunnel.demo.LogFile;
import wxfunnel.egress.Egress;
import wxfunnel.events.Ecosystem;
import wxfunnel.generator.Generated;
import wxfunnel.generator.TrafficSender;
import wxfunnel.local.LocalStack;
import wxfunnel.metrics.EgressManifest;
import wxfunnel.registry.RegistryClient;
import wxfunnel.runtime.CommittedView;
import wxfunnel.testing.CliRun;
import wxfunnel.testing.Http;
import wxfunnel.testing.Ports;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;
import wxfunnel.topology.FunnelConfig;

/**
 * Known user-level values planted among a demo's traffic, as real producers would send them (whole
 * journeys, a retried payment, a payment the intake refuses, bytes that are not Avro): none of them
 * leaves the wall, in any encoding, in what the demo shows and exports (the metrics, {@code
 * /health}, every log line at every level of wxfunnel's own loggers and at INFO of Kafka's, the
 * screen, the summary) or in {@code replay --compare}. Inside the wall, the outputs and the DLQ
 * hold them, so the test would see them if they leaked.
 */
class CanaryTest {

  private static final Pattern STACK = Pattern.compile("kafka=(\\S+) registry=(\\S+)");
  private static final Duration RUN = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  @Test
  void noPlantedUserValueLeavesTheWallInAnyEncoding() throws Exception {
    final Map<Ecosystem, Canaries> canaries = Map.of(Ecosystem.WECHAT, Canaries.of(1), Ecosystem.WEIXIN, Canaries.of(2));
    final ByteArrayOutputStream screenBytes = new ByteArrayOutputStream();
    final PrintStream screen = new PrintStream(screenBytes, true, StandardCharsets.UTF_8);
    final Path summaryFile = dir.resolve("summary.json");
    final int metricsPort = Ports.free();
    final List<String> metrics = new CopyOnWriteArrayList<>();
    final List<String> health = new CopyOnWriteArrayList<>();
    final ScheduledExecutorService scraper = Executors.newSingleThreadScheduledExecutor();

    final Level rootLevel = LogManager.getRootLogger().getLevel();
    final Level ownLevel = LogManager.getLogger("wxfunnel").getLevel();
    everyLevel();
    final LogFile logs = LogFile.redirect(dir.resolve("demo.log"));
    try {
      final CompletableFuture<Void> demo = CompletableFuture.runAsync(() -> {
        try {
          Demo.run(new Demo.Options(RUN, 150, 7, null, null, metricsPort, dir, Duration.ofSeconds(30), summaryFile, screen,
              FunnelConfig::defaults, UnaryOperator.identity(), logs, Egress.DEFAULT_MIN_CELL_USERS), new AtomicBoolean());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      scraper.scheduleAtFixedRate(() -> {
        Http.collect("http://127.0.0.1:" + metricsPort + "/metrics", metrics);
        Http.collect("http://127.0.0.1:" + metricsPort + "/health", health);
      }, 0, 1, TimeUnit.SECONDS);
      final Matcher stack = STACK.matcher("");
      await().atMost(Duration.ofMinutes(2)).until(() -> stack.reset(screenBytes.toString(StandardCharsets.UTF_8)).find()
          && screenBytes.toString(StandardCharsets.UTF_8).contains("metrics="));
      plant(canaries, stack.group(1), stack.group(2));
      demo.get();
    } finally {
      scraper.shutdownNow();
      logs.close();
      Configurator.setLevel("wxfunnel", ownLevel);
      Configurator.setRootLevel(rootLevel);
    }

    final List<String> compare = new ArrayList<>();
    try (LocalStack stack = LocalStack.start(dir.resolve("local"), 0, 0)) {
      canaries.forEach((eco, planted) -> assertInsideTheWall(stack, eco, planted));
      for (final Ecosystem eco : Ecosystem.values()) {
        compare.add(replay(stack, eco, "--to-earliest", "--shadow", "canary").toString());
        compare.add(replay(stack, eco, "--compare", "canary").toString());
      }
    }

    assertThat(metrics).as("scrapes of /metrics while the demo ran").hasSizeGreaterThan(10);
    assertThat(health).as("answers of /health while the demo ran").hasSizeGreaterThan(10);
    final EgressManifest manifest = EgressManifest.load();
    assertThat(metrics.stream().flatMap(scrape -> manifest.violations(scrape).stream()).distinct())
        .as("samples the egress manifest does not allow").isEmpty();
    final Map<String, String> surfaces = Map.of("/metrics", String.join("\n", metrics), "/health", String.join("\n", health),
        "the screen", screenBytes.toString(StandardCharsets.UTF_8), "the summary", Files.readString(summaryFile),
        "replay --compare", String.join("\n", compare));
    // The planted journeys reached the outputs (above), but their campaign, of two persons, is under
    // --min-cell-users: it leaves in "other" only, never under its own name.
    assertThat(surfaces).allSatisfy((surface, text) -> assertThat(text).as(surface).doesNotContain(Canaries.CAMPAIGN));
    for (final Canaries planted : canaries.values()) {
      final Map<String, String> needles = planted.needles();
      surfaces.forEach((surface, text) -> assertThat(Canaries.found(needles, text)).as("planted values in " + surface).isEmpty());
      // Line by line: the log holds every client's lines of this JVM, other tests' too.
      try (Stream<String> lines = Files.lines(dir.resolve("demo.log"))) {
        assertThat(lines.flatMap(line -> Canaries.found(needles, line).stream()).distinct())
            .as("planted values in the log").isEmpty();
      }
    }
    try (Stream<String> lines = Files.lines(dir.resolve("demo.log"))) {
      assertThat(lines.filter(line -> line.contains(" INFO ")).count()).as("INFO lines in the log").isPositive();
    }
  }

  /**
   * wxfunnel's loggers at TRACE, Kafka's at INFO, while the demo runs. (Kafka's DEBUG, for every
   * client of this JVM, other tests' lingering ones too, writes gigabytes in a minute.)
   */
  private static void everyLevel() {
    Configurator.setRootLevel(Level.INFO);
    Configurator.setLevel("wxfunnel", Level.TRACE);
  }

  private static void plant(final Map<Ecosystem, Canaries> canaries, final String bootstrap, final String registryUrl) {
    final Map<String, Object> kafka = Map.of("bootstrap.servers", bootstrap);
    try (TrafficSender sender = new TrafficSender(kafka, new RegistryClient(registryUrl))) {
      canaries.forEach((eco, planted) -> planted.records(eco, Instant.now()).forEach(sender::send));
      sender.flush();
    }
  }

  /** The planted payments reached the ecosystem's outputs and its DLQ: inside the wall, exact. */
  private static void assertInsideTheWall(final LocalStack stack, final Ecosystem eco, final Canaries planted) {
    final CommittedView<?> view = CommittedView.read(stack.kafka().clientConfig(), new RegistryClient(stack.registryUrl()),
        new Names(eco));
    assertThat(view.conversions()).as(eco + " conversions").containsKey(planted.transactionId());
    final List<ConsumerRecord<String, byte[]>> dlq = CommittedView.readAll(stack.kafka().clientConfig(),
        List.of(EcoTopic.DLQ.topic(eco)));
    assertThat(dlq).as(eco + " DLQ").anyMatch(record -> new String(record.value(), StandardCharsets.ISO_8859_1)
        .contains(planted.attach()));
  }

  private CliRun replay(final LocalStack stack, final Ecosystem eco, final String... options) {
    final List<String> args = new ArrayList<>(List.of("replay", "--ecosystem", EcoTopic.prefix(eco), "--bootstrap-servers",
        stack.bootstrapServers(), "--schema-registry-url", stack.registryUrl(), "--state-dir", dir.resolve("replay-state").toString()));
    args.addAll(List.of(options));
    final CliRun run = CliRun.of(args.toArray(String[]::new));
    assertThat(run.exitCode()).as(run.err()).isZero();
    return run;
  }
}

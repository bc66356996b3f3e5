package wxfunnel.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.cli.Main;
import wxfunnel.events.Conversion;
import wxfunnel.events.Ecosystem;
import wxfunnel.generator.Generator;
import wxfunnel.local.LocalStack;
import wxfunnel.metrics.DashboardsTest;
import wxfunnel.metrics.EgressManifest;
import wxfunnel.registry.RegistryClient;
import wxfunnel.runtime.CommittedView;
import wxfunnel.testing.Http;
import wxfunnel.testing.LogWatch;
import wxfunnel.testing.Ports;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;
import wxfunnel.topology.Input;

/** A short demo run, as users start it, checked against the outputs it committed. */
class DemoTest {

  private static final ObjectMapper json = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void aShortRunExitsZeroAndItsSummaryIsWhatTheCommittedOutputsSay() throws Exception {
    final Path summaryFile = dir.resolve("summary.json");
    final int metricsPort = Ports.free();
    final CompletableFuture<String> scrape = CompletableFuture.supplyAsync(() -> lastScrape(metricsPort));

    final int exit;
    final List<String> errors;
    try (LogWatch log = LogWatch.open()) {
      exit = Main.run("demo", "--duration", "20s", "--rate", "150", "--seed", "7", "--backfill", "30s",
          "--metrics-port", String.valueOf(metricsPort), "--data-dir", dir.toString(), "--summary-file", summaryFile.toString());
      errors = log.matching(Pattern.compile("^ERROR"));
    }

    assertThat(exit).isZero();
    assertThat(errors).as("what the demo, its broker and its clients logged as errors").isEmpty();
    assertNoUserIdAndBoundedSeries(scrape.get(10, TimeUnit.SECONDS));
    final JsonNode summary = json.readTree(summaryFile.toFile());
    assertThat(summary.at("/ecosystems/weixin/campaigns/double11-2026/touched").asLong()).isPositive();
    assertThat(summary.at("/ecosystems/wechat/campaigns").size()).isEqualTo(4);
    // The broker kept its data: read the committed outputs back, independently of the demo's own view.
    try (LocalStack stack = LocalStack.start(dir.resolve("local"), 0, 0)) {
      // Compared as parsed JSON text, so that 7 and 7L read the same.
      assertThat(summary).isEqualTo(json.readTree(committed(stack).toString()));
    }
  }

  /**
   * /metrics names no person: none of the openids and unionids of the demo's traffic (the same
   * seed draws the same people first) appears; and every metric has a bounded number of series.
   */
  private static void assertNoUserIdAndBoundedSeries(final String metrics) {
    final Set<String> ids = new HashSet<>();
    new Generator(Generator.Settings.of(7, 2_000)).forEachRemaining(record -> {
      if (!record.isMalformed() && !EcoTopic.CONTENT.isTopic(record.topic())) {
        final Input.Common common = Input.common(record.value());
        ids.add(common.openid());
        if (common.unionid() != null) {
          ids.add(common.unionid());
        }
      }
    });
    assertThat(ids).hasSizeGreaterThan(1_000);
    assertThat(ids).noneMatch(metrics::contains);
    assertThat(metrics).doesNotContain("openid").doesNotContain("unionid");
    assertThat(EgressManifest.load().violations(metrics)).as("samples the egress manifest does not allow").isEmpty();

    final Map<String, Long> seriesPerMetric = metrics.lines().filter(line -> !line.startsWith("#") && !line.isBlank())
        .collect(Collectors.groupingBy(line -> line.split("[{ ]")[0], TreeMap::new, Collectors.counting()));
    // Every metric the dashboards name is exported (GMV too, once someone paid after a coupon).
    final Set<String> dashboardMetrics = new HashSet<>(DashboardsTest.exported());
    dashboardMetrics.remove("wxfunnel_gmv");
    assertThat(seriesPerMetric).containsKeys(dashboardMetrics.toArray(String[]::new));
    // Two ecosystems x (at most 40 named campaigns + other) x 3 steps at most, and so on.
    assertThat(seriesPerMetric.get("wxfunnel_funnel_users")).isLessThanOrEqualTo(2 * 41 * 3);
    assertThat(seriesPerMetric.get("wxfunnel_attributed_conversions")).isLessThanOrEqualTo(2 * 4 * 42);
    assertThat(seriesPerMetric.get("wxfunnel_time_to_convert_seconds_bucket")).isEqualTo(2 * 12);
    assertThat(seriesPerMetric.get("wxfunnel_time_to_convert_seconds_count")).isEqualTo(2);
    assertThat(seriesPerMetric.values()).allMatch(count -> count <= 500);
  }

  /** Scrapes /metrics each second while it answers; returns the last scrape before the demo closed it. */
  private static String lastScrape(final int port) {
    final String url = "http://127.0.0.1:" + port + "/metrics";
    final AtomicReference<String> last = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
      try {
        last.set(Http.get(url));
        return false;
      } catch (IOException e) {
        return last.get() != null;
      }
    });
    return last.get();
  }

  /** The summary a read_committed consumer computes from the output topics. */
  private static JsonNode committed(final LocalStack stack) {
    final RegistryClient registry = new RegistryClient(stack.registryUrl());
    final ObjectNode ecosystems = json.createObjectNode();
    for (final Ecosystem eco : Ecosystem.values()) {
      final CommittedView<Conversion> view = CommittedView.read(stack.kafka().clientConfig(), registry, new Names(eco));
      final ObjectNode node = ecosystems.putObject(EcoTopic.prefix(eco));
      final ObjectNode campaigns = node.putObject("campaigns");
      final Map<String, long[]> steps = new TreeMap<>();
      final Map<String, Map<String, Long>> gmv = new TreeMap<>();
      view.funnel().values().forEach(row -> {
        final long[] s = steps.computeIfAbsent(row.getCampaignId(), k -> new long[3]);
        s[0] += row.getTouched();
        s[1] += row.getCoupon();
        s[2] += row.getPaid();
        row.getGmv().forEach((c, v) -> gmv.computeIfAbsent(row.getCampaignId(), k -> new TreeMap<>()).merge(c, v, Long::sum));
      });
      steps.forEach((campaign, s) -> {
        final ObjectNode c = campaigns.putObject(campaign).put("touched", s[0]).put("coupon", s[1]).put("paid", s[2]);
        c.set("gmv", json.valueToTree(gmv.getOrDefault(campaign, Map.of())));
      });
      final Map<String, Long> statuses = new TreeMap<>();
      view.conversions().values().forEach(conversion -> statuses.merge(conversion.getStatus().name(), 1L, Long::sum));
      node.set("conversions", json.valueToTree(statuses));
      node.set("deadLetters", json.valueToTree(view.deadLetters()));
      assertThat(view.deadLetters().values().stream().mapToLong(Long::longValue).sum()).as("every dead letter has its reason")
          .isEqualTo(CommittedView.readAll(stack.kafka().clientConfig(), List.of(EcoTopic.DLQ.topic(eco))).size());
    }
    final ObjectNode summary = json.createObjectNode();
    summary.set("ecosystems", ecosystems);
    return summary;
  }


}

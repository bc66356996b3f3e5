package wxfunnel.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
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
import wxfunnel.egress.Egress;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.ContentKind;
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
  private static final int K = Egress.DEFAULT_MIN_CELL_USERS;

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
      exit = Main.run("demo", "--duration", "20s", "--rate", "300", "--seed", "7", "--backfill", "60s",
          "--metrics-port", String.valueOf(metricsPort), "--data-dir", dir.toString(), "--summary-file", summaryFile.toString());
      errors = log.matching(Pattern.compile("^ERROR"));
    }

    assertThat(exit).isZero();
    assertThat(errors).as("what the demo, its broker and its clients logged as errors").isEmpty();
    assertNoUserIdAndBoundedSeries(scrape.get(10, TimeUnit.SECONDS));
    final JsonNode summary = json.readTree(summaryFile.toFile());
    assertThat(summary.at("/ecosystems/weixin/campaigns/double11-2026/touched").asLong()).isGreaterThanOrEqualTo(K);
    // The broker kept its data: read the committed outputs back, independently of the demo's own view.
    final Map<Ecosystem, CommittedView<Conversion>> views = new TreeMap<>();
    try (LocalStack stack = LocalStack.start(dir.resolve("local"), 0, 0)) {
      final JsonNode committed = json.readTree(committed(stack).toString());
      for (final Ecosystem eco : Ecosystem.values()) {
        assertReleasedFrom(summary.at("/ecosystems/" + EcoTopic.prefix(eco)), committed.at("/ecosystems/" + EcoTopic.prefix(eco)));
        views.put(eco, CommittedView.read(stack.kafka().clientConfig(), new RegistryClient(stack.registryUrl()), new Names(eco)));
      }
    }
    assertExportHoldsTheCommittedOutputs(views);
  }

  /**
   * {@code export} on the demo's directory: each file has as many rows as the committed outputs
   * have keys (every day of the demo is in the range), and the README's DuckDB query answers what
   * the committed content rows say.
   */
  private void assertExportHoldsTheCommittedOutputs(final Map<Ecosystem, CommittedView<Conversion>> views) throws Exception {
    final Path out = dir.resolve("export");
    final LocalDate today = LocalDate.now(ZoneOffset.UTC);
    assertThat(Main.run("export", "--data-dir", dir.toString(), "--from", today.minusDays(30).toString(),
        "--to", today.plusDays(1).toString(), "--output", out.toString())).isZero();
    try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:")) {
      for (final Ecosystem eco : Ecosystem.values()) {
        final CommittedView<Conversion> view = views.get(eco);
        assertThat(view.content()).as("content rows of " + eco).isNotEmpty();
        assertThat(count(duckdb, out, eco, "funnel")).isEqualTo(view.funnel().size());
        assertThat(count(duckdb, out, eco, "content-performance")).isEqualTo(view.content().size());
        assertThat(count(duckdb, out, eco, "conversions")).isEqualTo(view.conversions().size());
      }
      final LocalDate duckdbToday = LocalDate.parse(rows(duckdb, "SELECT CAST(current_date AS VARCHAR)").get(0));
      final String query = readmeQuery().replace("'export/", "'" + out.toString().replace("'", "''") + "/");
      assertThat(rows(duckdb, query)).isEqualTo(topArticles(views, duckdbToday)).isNotEmpty();
    }
  }

  /** What the README's query must answer, from the committed content rows. */
  private static List<String> topArticles(final Map<Ecosystem, CommittedView<Conversion>> views, final LocalDate today) {
    final Map<String, Long> gmv = new TreeMap<>();
    views.forEach((eco, view) -> view.content().values().stream()
        .filter(row -> row.getContentKind() == ContentKind.ARTICLE && row.getDay().isAfter(today.minusDays(7)))
        .forEach(row -> row.getCredits().get(AttributionModel.LAST_TOUCH.ordinal()).getGmv().forEach((currency, amount) ->
            gmv.merge(eco + "|" + currency + "|" + row.getContentId(), amount, Long::sum))));
    final Map<String, List<Map.Entry<String, Long>>> ranked = new TreeMap<>();
    gmv.entrySet().forEach(e -> ranked.computeIfAbsent(e.getKey().substring(0, e.getKey().lastIndexOf('|')), k -> new ArrayList<>()).add(e));
    final List<String> top = new ArrayList<>();
    ranked.values().forEach(list -> list.stream()
        .sorted(Comparator.comparing((Map.Entry<String, Long> e) -> -e.getValue()).thenComparing(Map.Entry::getKey))
        .limit(10).forEach(e -> top.add(e.getKey() + "|" + e.getValue())));
    return top;
  }

  /** The README's query of the top articles: the sql block after its marker. */
  private static String readmeQuery() throws IOException {
    final String readme = Files.readString(Path.of("..", "README.md"));
    final String after = readme.substring(readme.indexOf("<!-- top-articles-query -->"));
    return after.substring(after.indexOf("```sql") + "```sql".length(), after.indexOf("```", after.indexOf("```sql") + 1));
  }

  private static long count(final Connection duckdb, final Path out, final Ecosystem eco, final String table) throws SQLException {
    return Long.parseLong(rows(duckdb, "SELECT count(*) FROM read_parquet('" + out.resolve(EcoTopic.prefix(eco)).resolve(table + ".parquet")
        + "')").get(0));
  }

  /** Each row's columns, joined by {@code |}: ecosystem, currency, msg_id, GMV for the README's query. */
  private static List<String> rows(final Connection duckdb, final String sql) throws SQLException {
    final List<String> rows = new ArrayList<>();
    try (Statement statement = duckdb.createStatement(); ResultSet result = statement.executeQuery(sql)) {
      final int columns = result.getMetaData().getColumnCount();
      while (result.next()) {
        final List<String> row = new ArrayList<>();
        for (int i = 1; i <= columns; i++) {
          if (!result.getMetaData().getColumnName(i).equals("title")) {
            row.add(result.getString(i));
          }
        }
        rows.add(String.join("|", row));
      }
    }
    return rows;
  }

  /**
   * DESIGN 6a against the committed outputs: a campaign shown under its own name has at least k
   * persons behind each number shown, and each differs from the committed one by fewer than k
   * (released in steps of k); the rest is in "other"; money and conversions are shown only with k
   * payers behind them; dead letters are exact.
   */
  private static void assertReleasedFrom(final JsonNode released, final JsonNode committed) {
    assertThat(released.get("deadLetters")).isEqualTo(committed.get("deadLetters"));
    released.get("campaigns").fields().forEachRemaining(campaign -> {
      if (campaign.getKey().equals(Egress.OTHER)) {
        return;
      }
      final JsonNode exact = committed.at("/campaigns/" + campaign.getKey());
      assertThat(exact.isMissingNode()).as(campaign.getKey() + " is a committed campaign").isFalse();
      for (final String step : List.of("touched", "coupon", "paid")) {
        if (!campaign.getValue().get(step).isNull()) {
          assertThat(campaign.getValue().get(step).asLong()).as(campaign.getKey() + " " + step).isGreaterThanOrEqualTo(K)
              .isCloseTo(exact.get(step).asLong(), within((long) K - 1));
        }
      }
      campaign.getValue().get("gmv").fieldNames().forEachRemaining(currency ->
          assertThat(exact.at("/payers/" + currency).asLong()).as(campaign.getKey() + " " + currency + " payers")
              .isGreaterThanOrEqualTo(K));
    });
    released.get("conversions").fieldNames().forEachRemaining(status ->
        assertThat(committed.at("/payers/" + status).asLong()).as(status + " payers").isGreaterThanOrEqualTo(K));
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
    // Every metric the dashboards name is exported (GMV too, once someone paid after a coupon; a
    // content's GMV once k persons paid for it on one day: DashboardsOnPrometheusTest, which runs
    // longer, sees it).
    final Set<String> dashboardMetrics = new HashSet<>(DashboardsTest.exported());
    dashboardMetrics.removeAll(Set.of("wxfunnel_gmv", "wxfunnel_content_gmv"));
    assertThat(seriesPerMetric).containsKeys(dashboardMetrics.toArray(String[]::new));
    // Two ecosystems x (at most 40 named campaigns + other) x 3 steps at most, and so on.
    assertThat(seriesPerMetric.get("wxfunnel_funnel_users")).isLessThanOrEqualTo(2 * 41 * 3);
    assertThat(seriesPerMetric.get("wxfunnel_attributed_conversions")).isLessThanOrEqualTo(2 * 4 * 42);
    // Per currency, two ecosystems x 3 kinds x at most 20 named pieces of content, of one model and one day.
    assertThat(metrics.lines().filter(line -> line.startsWith("wxfunnel_content_gmv{"))
        .map(line -> line.replaceAll(",?currency=\"[A-Z]{3}\"", "").split(" ")[0]).distinct().count())
        .isLessThanOrEqualTo(2 * 3 * 20);
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

  /** The summary a read_committed consumer computes from the output topics, exact, with the payers behind it. */
  private static JsonNode committed(final LocalStack stack) {
    final RegistryClient registry = new RegistryClient(stack.registryUrl());
    final ObjectNode ecosystems = json.createObjectNode();
    for (final Ecosystem eco : Ecosystem.values()) {
      final CommittedView<Conversion> view = CommittedView.read(stack.kafka().clientConfig(), registry, new Names(eco));
      final ObjectNode node = ecosystems.putObject(EcoTopic.prefix(eco));
      final ObjectNode campaigns = node.putObject("campaigns");
      final Map<String, long[]> steps = new TreeMap<>();
      final Map<String, Map<String, Long>> gmv = new TreeMap<>();
      final Map<String, Map<String, Long>> payers = new TreeMap<>();
      view.funnel().values().forEach(row -> {
        final long[] s = steps.computeIfAbsent(row.getCampaignId(), k -> new long[3]);
        s[0] += row.getTouched();
        s[1] += row.getCoupon();
        s[2] += row.getPaid();
        row.getGmv().forEach((c, v) -> gmv.computeIfAbsent(row.getCampaignId(), k -> new TreeMap<>()).merge(c, v, Long::sum));
        row.getPayers().forEach((c, n) -> payers.computeIfAbsent(row.getCampaignId(), k -> new TreeMap<>()).merge(c, n, Long::sum));
      });
      steps.forEach((campaign, s) -> {
        final ObjectNode c = campaigns.putObject(campaign).put("touched", s[0]).put("coupon", s[1]).put("paid", s[2]);
        c.set("gmv", json.valueToTree(gmv.getOrDefault(campaign, Map.of())));
        c.set("payers", json.valueToTree(payers.getOrDefault(campaign, Map.of())));
      });
      final Map<String, Long> statuses = new TreeMap<>();
      final Map<String, Set<String>> payersByStatus = new TreeMap<>();
      view.conversions().values().forEach(conversion -> {
        statuses.merge(conversion.getStatus().name(), 1L, Long::sum);
        payersByStatus.computeIfAbsent(conversion.getStatus().name(), k -> new HashSet<>()).add(conversion.getPayer());
      });
      node.set("conversions", json.valueToTree(statuses));
      final ObjectNode statusPayers = node.putObject("payers");
      payersByStatus.forEach((status, distinct) -> statusPayers.put(status, distinct.size()));
      node.set("deadLetters", json.valueToTree(view.deadLetters()));
      assertThat(view.deadLetters().values().stream().mapToLong(Long::longValue).sum()).as("every dead letter has its reason")
          .isEqualTo(CommittedView.readAll(stack.kafka().clientConfig(), List.of(EcoTopic.DLQ.topic(eco))).size());
    }
    final ObjectNode summary = json.createObjectNode();
    summary.set("ecosystems", ecosystems);
    return summary;
  }


}

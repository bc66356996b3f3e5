package wxfunnel.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.egress.Egress;
import wxfunnel.metrics.DashboardsTest;
import wxfunnel.testing.Http;
import wxfunnel.testing.Ports;
import wxfunnel.testing.PromQl;
import wxfunnel.testing.Tools;
import wxfunnel.topics.Names;
import wxfunnel.topology.FunnelConfig;

/**
 * The demo, scraped by a real Prometheus loading the project's rules: every metric a rule, a rule
 * test or a dashboard reads exists in the live scrape with a value, the scrape holds no NaN, and
 * every panel of every dashboard shows data (NaN is not data; a panel's comparison with last
 * week has none yet, so a panel shows data when one of its queries does).
 */
class DashboardsOnPrometheusTest {

  private static final ObjectMapper json = new ObjectMapper();
  /** Names Prometheus makes itself, not scraped. */
  private static final Set<String> FROM_PROMETHEUS = Set.of("up", "ALERTS", "ALERTS_FOR_STATE");
  private static final Pattern RULE_TEST_SERIES = Pattern.compile("series: '([a-zA-Z_:][a-zA-Z0-9_:]*)");

  @TempDir
  Path dir;

  @Test
  void everyMetricReadExistsWithAValueAndEveryPanelQueryReturnsData() throws Exception {
    Tools.require("prometheus", "Debian: apt-get install prometheus");
    final int prometheusPort = Ports.free();
    final int metricsPort = Ports.free();
    final AtomicBoolean stop = new AtomicBoolean();
    final Demo.Options options = new Demo.Options(Duration.ofMinutes(5), 400, 11, null,
        new LocalPrometheus.Settings(prometheusPort, Tools.repo().resolve("prometheus/rules"), Duration.ofSeconds(2)),
        metricsPort, dir, Duration.ofMinutes(2), null, new PrintStream(OutputStream.nullOutputStream()), FunnelConfig::defaults, UnaryOperator.identity(), null,
        Egress.DEFAULT_MIN_CELL_USERS);
    final CompletableFuture<Summary> demo = CompletableFuture.supplyAsync(() -> {
      try {
        return Demo.run(options, stop);
      } catch (Exception e) {
        throw new CompletionException(e);
      }
    });
    final String prometheus = "http://127.0.0.1:" + prometheusPort;
    try {
      final List<List<String>> panels = DashboardsTest.panelQueries("weixin", "double11-2026");
      final List<String> queries = DashboardsTest.queries("weixin", "double11-2026");
      final Set<String> infinite = new TreeSet<>();
      await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(3)).untilAsserted(() -> {
        assertThat(demo).isNotDone();
        for (final List<String> panel : panels) {
          final List<Double> values = new ArrayList<>();
          for (final String query : panel) {
            final List<Double> numbers = numbers(result(prometheus, query));
            numbers.stream().filter(v -> v.isInfinite()).forEach(inf -> infinite.add(query));
            values.addAll(numbers.stream().filter(v -> !v.isInfinite()).toList());
          }
          assertThat(values).as("a panel of %s", panel).isNotEmpty();
        }
      });
      assertThat(infinite).as("queries that answered an infinity, which is no data either").isEmpty();

      final Rules rules = rules(prometheus);
      final Set<String> read = new TreeSet<>(rules.read());
      queries.forEach(query -> read.addAll(PromQl.metricNames(query)));
      final Matcher series = RULE_TEST_SERIES.matcher(Files.readString(Tools.repo().resolve("prometheus/tests/wxfunnel_test.yml")));
      while (series.find()) {
        read.add(series.group(1));
      }
      read.removeAll(rules.recorded());
      read.removeAll(FROM_PROMETHEUS);
      // Windowed Kafka metrics (a lag, a latency) have no value in a window with nothing recorded, so
      // each name need only have a value in one of the scrapes of a minute.
      final Set<String> seen = new TreeSet<>();
      await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
        final String scrape = Http.get("http://127.0.0.1:" + metricsPort + "/metrics");
        assertThat(scrape.lines().filter(line -> !line.startsWith("#") && line.endsWith(" NaN"))).as("NaN samples").isEmpty();
        scrape.lines().filter(line -> !line.startsWith("#")).map(line -> line.split("[{ ]")[0]).forEach(seen::add);
        assertThat(seen).as("metrics read, in the live scrape").containsAll(read);
      });
      for (final String name : read) {
        assertThat(numbers(result(prometheus, "max_over_time(" + name + "[1m])"))).as("%s in Prometheus", name).isNotEmpty();
      }
      assertThat(read).as("metrics read").contains("wxfunnel_processor_running", "kafka_stream_failed_stream_threads_total",
          "kafka_stream_processor_node_record_e2e_latency_max");
    } finally {
      stop.set(true);
      demo.get(3, TimeUnit.MINUTES);
    }
  }

  private static JsonNode result(final String prometheus, final String query) throws Exception {
    final JsonNode answer = json.readTree(Http.get(prometheus + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8)));
    assertThat(answer.get("status").asText()).as(query).isEqualTo("success");
    return answer.at("/data/result");
  }

  /** The values of a query's result that are numbers (infinities too: Prometheus writes them +Inf and -Inf). */
  private static List<Double> numbers(final JsonNode result) {
    final List<Double> values = new ArrayList<>();
    result.forEach(series -> {
      final double value = Double.parseDouble(series.at("/value/1").asText().replace("Inf", "Infinity"));
      if (!Double.isNaN(value)) {
        values.add(value);
      }
    });
    return values;
  }

  /** What the loaded rules read, and the names they record. */
  private record Rules(Set<String> read, Set<String> recorded) {}

  private static Rules rules(final String prometheus) throws Exception {
    final Set<String> read = new TreeSet<>();
    final Set<String> recorded = new TreeSet<>();
    for (final JsonNode group : json.readTree(Http.get(prometheus + "/api/v1/rules")).at("/data/groups")) {
      for (final JsonNode rule : group.get("rules")) {
        read.addAll(PromQl.metricNames(rule.get("query").asText()));
        if (rule.get("type").asText().equals("recording")) {
          recorded.add(rule.get("name").asText());
        }
      }
    }
    assertThat(recorded).isNotEmpty();
    return new Rules(read, recorded);
  }
}

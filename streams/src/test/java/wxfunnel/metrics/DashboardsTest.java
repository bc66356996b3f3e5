package wxfunnel.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import wxfunnel.testing.PromQl;
import wxfunnel.testing.Tools;

/**
 * The Grafana JSON models: well formed, wired to the provisioned datasource through a variable,
 * drawn to Grafana's conventions (a description on every panel, variables, units, thresholds that
 * match the alerts, {@code $__rate_interval}, instant queries for bars and tables), and naming
 * only metrics that exist.
 */
public class DashboardsTest {

  private static final ObjectMapper json = new ObjectMapper();
  /** Panels that show one value per series rather than a series over time. */
  private static final Set<String> INSTANT_PANELS = Set.of("bargauge", "barchart", "table", "piechart", "stat", "gauge");

  public static List<JsonNode> dashboards() throws IOException {
    final List<JsonNode> all = new ArrayList<>();
    try (Stream<Path> files = Files.list(Tools.repo().resolve("grafana/dashboards"))) {
      for (final Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
        all.add(json.readTree(file.toFile()));
      }
    }
    return all;
  }

  /**
   * Every panel's queries, as Grafana would send them for one choice of the variables: all
   * instances, the processors' default model (last touch), a 5-minute time range and a 1-minute
   * rate interval.
   */
  public static List<List<String>> panelQueries(final String ecosystem, final String campaign) throws IOException {
    final List<List<String>> panels = new ArrayList<>();
    for (final JsonNode dashboard : dashboards()) {
      for (final JsonNode panel : dashboard.get("panels")) {
        final List<String> queries = new ArrayList<>();
        panel.get("targets").forEach(t -> queries.add(t.get("expr").asText().replace("$ecosystem", ecosystem)
            .replace("$campaign", campaign).replace("$instance", ".*").replace("$model", "last_touch").replace("$__rate_interval", "1m")
            .replace("$__range", "5m")));
        panels.add(queries);
      }
    }
    return panels;
  }

  /** Every panel query, as {@link #panelQueries} gives them. */
  public static List<String> queries(final String ecosystem, final String campaign) throws IOException {
    return panelQueries(ecosystem, campaign).stream().flatMap(List::stream).toList();
  }

  @Test
  void modelsHaveUniqueUidsTheProvisionedDatasourceAndASchemaVersion() throws IOException {
    final String provisioning = Files.readString(Tools.repo().resolve("grafana/provisioning/datasources/prometheus.yml"));
    final Matcher uid = Pattern.compile("uid: (\\S+)").matcher(provisioning);
    assertThat(uid.find()).isTrue();
    final Set<String> uids = new HashSet<>();
    final Set<Integer> panelIds = new HashSet<>();

    final List<JsonNode> dashboards = dashboards();

    assertThat(dashboards).hasSize(4);
    for (final JsonNode dashboard : dashboards) {
      assertThat(uids.add(dashboard.get("uid").asText())).as("unique uid %s", dashboard.get("uid")).isTrue();
      assertThat(dashboard.get("schemaVersion").asInt()).isGreaterThanOrEqualTo(36);
      final JsonNode datasource = variable(dashboard, "datasource");
      assertThat(datasource.get("type").asText()).isEqualTo("datasource");
      assertThat(datasource.get("query").asText()).isEqualTo("prometheus");
      assertThat(datasource.at("/current/value").asText()).isEqualTo(uid.group(1));
      panelIds.clear();
      for (final JsonNode panel : dashboard.get("panels")) {
        assertThat(panelIds.add(panel.get("id").asInt())).isTrue();
        assertThat(panel.at("/datasource/uid").asText()).isEqualTo("${datasource}");
        panel.get("targets").forEach(t -> assertThat(t.at("/datasource/uid").asText()).isEqualTo("${datasource}"));
        assertThat(panel.get("targets")).isNotEmpty();
      }
    }
    assertThat(uids).containsExactlyInAnyOrder("wxfunnel-overview", "wxfunnel-campaign", "wxfunnel-pipeline", "wxfunnel-content");
  }

  @Test
  void everyPanelIsDescribedAndEveryDashboardHasItsVariables() throws IOException {
    for (final JsonNode dashboard : dashboards()) {
      assertThat(variable(dashboard, "ecosystem").at("/query/query").asText()).as(dashboard.get("uid").asText())
          .isEqualTo("label_values(wxfunnel_processor_running, ecosystem)");
      for (final JsonNode panel : dashboard.get("panels")) {
        assertThat(panel.path("description").asText()).as("description of %s", panel.get("title")).hasSizeGreaterThan(20);
        for (final JsonNode target : panel.get("targets")) {
          final String expr = target.get("expr").asText();
          assertThat(expr).as(panel.get("title").asText()).doesNotContainPattern("rate\\([^)]*\\[1m]");
          if (!expr.startsWith("up{")) {
            assertThat(expr).as(panel.get("title").asText()).contains("$ecosystem");
          }
        }
      }
    }
    assertThat(variable(dashboard("wxfunnel-campaign"), "campaign").at("/query/query").asText())
        .isEqualTo("label_values(wxfunnel_funnel_users{ecosystem=\"$ecosystem\"}, campaign)");
    assertThat(variable(dashboard("wxfunnel-overview"), "campaign")).isNotNull();
    assertThat(variable(dashboard("wxfunnel-pipeline"), "instance").at("/query/query").asText())
        .isEqualTo("label_values(up{job=\"wxfunnel\"}, instance)");
    assertThat(variable(dashboard("wxfunnel-content"), "model").at("/query/query").asText())
        .isEqualTo("label_values(wxfunnel_content_gmv{ecosystem=~\"$ecosystem\"}, model)");
  }

  @Test
  void barsTablesAndStatsAskForOneValueAndTimeSeriesForARange() throws IOException {
    for (final JsonNode dashboard : dashboards()) {
      for (final JsonNode panel : dashboard.get("panels")) {
        final boolean instant = INSTANT_PANELS.contains(panel.get("type").asText());
        panel.get("targets").forEach(t -> {
          assertThat(t.path("instant").asBoolean()).as(panel.get("title").asText()).isEqualTo(instant);
          assertThat(t.path("range").asBoolean()).as(panel.get("title").asText()).isEqualTo(!instant);
        });
      }
    }
  }

  /** The lines drawn on the panels are the alerts' own thresholds, and money is in the currency of its series. */
  @Test
  void thresholdsMatchTheAlertsAndMoneyHasItsCurrency() throws IOException {
    assertThat(thresholdValues(panel("wxfunnel-overview", "Conversion rate, last hour"))).containsExactly(0.005);
    assertThat(thresholdValues(panel("wxfunnel-campaign", "Conversion rate, last hour"))).containsExactly(0.005);
    assertThat(thresholdValues(panel("wxfunnel-campaign", "Touched users, last hour"))).containsExactly(200.0);
    assertThat(thresholdValues(panel("wxfunnel-pipeline", "Consumer lag (max)"))).containsExactly(100_000.0);
    assertThat(thresholdValues(panel("wxfunnel-pipeline", "Since the last committed output"))).containsExactly(600.0);
    final String rules = Files.readString(Tools.repo().resolve("prometheus/rules/wxfunnel.yml"));
    assertThat(rules).contains("wxfunnel:conversion_rate:1h{campaign!=\"other\"} < 0.005", "> 100000", "> 600", "wxfunnel:touched:delta1h > 200");

    for (final JsonNode gmv : List.of(panel("wxfunnel-overview", "GMV per hour, by currency"),
        panel("wxfunnel-campaign", "GMV per hour, by currency"), panel("wxfunnel-content", "Top articles by credited GMV, $ecosystem"),
        panel("wxfunnel-content", "Top QR scenes by credited GMV, $ecosystem"),
        panel("wxfunnel-content", "Top coupons by credited GMV, $ecosystem"))) {
      assertThat(gmv.at("/targets/0/expr").asText()).containsPattern("wxfunnel:(content_)?gmv_major_units");
      final List<String> units = new ArrayList<>();
      gmv.at("/fieldConfig/overrides").forEach(o -> units.add(o.at("/properties/0/value").asText()));
      assertThat(units).contains("currency:CNY ", "currency:USD ", "currency:JPY ", "currency:HKD ", "currency:SGD ");
    }
  }

  private static List<Double> thresholdValues(final JsonNode panel) {
    final List<Double> values = new ArrayList<>();
    panel.at("/fieldConfig/defaults/thresholds/steps").forEach(step -> {
      if (!step.get("value").isNull()) {
        values.add(step.get("value").asDouble());
      }
    });
    return values;
  }

  private static JsonNode dashboard(final String uid) throws IOException {
    return dashboards().stream().filter(d -> d.get("uid").asText().equals(uid)).findFirst().orElseThrow();
  }

  private static JsonNode panel(final String uid, final String title) throws IOException {
    for (final JsonNode panel : dashboard(uid).get("panels")) {
      if (panel.get("title").asText().equals(title)) {
        return panel;
      }
    }
    throw new AssertionError("no panel " + title + " on " + uid);
  }

  private static JsonNode variable(final JsonNode dashboard, final String name) {
    for (final JsonNode variable : dashboard.at("/templating/list")) {
      if (variable.get("name").asText().equals(name)) {
        return variable;
      }
    }
    throw new AssertionError("no variable " + name + " on " + dashboard.get("uid"));
  }

  @Test
  void everyQueryNamesOnlyMetricsTheAppExportsOrTheRulesRecord() throws IOException {
    final Set<String> known = new HashSet<>(exported());
    known.add("up"); // Prometheus's own, per target
    final Matcher recorded = Pattern.compile("record: (\\S+)").matcher(Files.readString(Tools.repo().resolve("prometheus/rules/wxfunnel.yml")));
    while (recorded.find()) {
      known.add(recorded.group(1));
    }
    for (final String query : queries("weixin", "double11-2026")) {
      assertThat(known).as("metrics of query %s", query).containsAll(PromQl.metricNames(query));
    }
  }

  /** The metric names the app exports: its own, and those of the Kafka clients and Streams it binds. */
  public static Set<String> exported() {
    return Set.of("wxfunnel_funnel_users", "wxfunnel_gmv", "wxfunnel_content_gmv", "wxfunnel_conversions", "wxfunnel_attributed_conversions",
        "wxfunnel_time_to_convert_seconds_bucket", "wxfunnel_time_to_convert_seconds_count", "wxfunnel_time_to_convert_seconds_sum",
        "wxfunnel_dlq_records_total", "wxfunnel_events_total", "wxfunnel_outputs_last_seen_seconds", "wxfunnel_state_persons",
        "wxfunnel_processor_running", "wxfunnel_registry_reachable", "kafka_consumer_fetch_manager_records_consumed_total",
        "kafka_consumer_fetch_manager_records_lag_max", "kafka_stream_processor_node_record_e2e_latency_max",
        "kafka_consumer_coordinator_rebalance_total", "kafka_stream_state_updater_active_restoring_tasks",
        "kafka_stream_alive_stream_threads", "kafka_stream_failed_stream_threads_total");
  }
}

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

/** The Grafana JSON models: well formed, wired to the provisioned datasource, and naming only metrics that exist. */
public class DashboardsTest {

  private static final ObjectMapper json = new ObjectMapper();
  public static List<JsonNode> dashboards() throws IOException {
    final List<JsonNode> all = new ArrayList<>();
    try (Stream<Path> files = Files.list(Tools.repo().resolve("grafana/dashboards"))) {
      for (final Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
        all.add(json.readTree(file.toFile()));
      }
    }
    return all;
  }

  /** Every panel query, as Grafana would send it for one choice of the variables. */
  public static List<String> queries(final String ecosystem, final String campaign) throws IOException {
    final List<String> queries = new ArrayList<>();
    for (final JsonNode dashboard : dashboards()) {
      for (final JsonNode panel : dashboard.get("panels")) {
        panel.get("targets").forEach(t -> queries.add(
            t.get("expr").asText().replace("$ecosystem", ecosystem).replace("$campaign", campaign)));
      }
    }
    return queries;
  }

  @Test
  void modelsHaveUniqueUidsTheProvisionedDatasourceAndASchemaVersion() throws IOException {
    final String provisioning = Files.readString(Tools.repo().resolve("grafana/provisioning/datasources/prometheus.yml"));
    final Matcher uid = Pattern.compile("uid: (\\S+)").matcher(provisioning);
    assertThat(uid.find()).isTrue();
    final Set<String> uids = new HashSet<>();
    final Set<Integer> panelIds = new HashSet<>();

    final List<JsonNode> dashboards = dashboards();

    assertThat(dashboards).hasSize(3);
    for (final JsonNode dashboard : dashboards) {
      assertThat(uids.add(dashboard.get("uid").asText())).as("unique uid %s", dashboard.get("uid")).isTrue();
      assertThat(dashboard.get("schemaVersion").asInt()).isGreaterThanOrEqualTo(36);
      panelIds.clear();
      for (final JsonNode panel : dashboard.get("panels")) {
        assertThat(panelIds.add(panel.get("id").asInt())).isTrue();
        assertThat(panel.at("/datasource/uid").asText()).isEqualTo(uid.group(1));
        panel.get("targets").forEach(t -> assertThat(t.at("/datasource/uid").asText()).isEqualTo(uid.group(1)));
        assertThat(panel.get("targets")).isNotEmpty();
      }
    }
    assertThat(uids).containsExactlyInAnyOrder("wxfunnel-overview", "wxfunnel-campaign", "wxfunnel-pipeline");
  }

  @Test
  void everyQueryNamesOnlyMetricsTheAppExportsOrTheRulesRecord() throws IOException {
    final Set<String> known = new HashSet<>(exported());
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
    return Set.of("wxfunnel_funnel_users", "wxfunnel_gmv", "wxfunnel_conversions", "wxfunnel_attributed_conversions",
        "wxfunnel_time_to_convert_seconds", "wxfunnel_dlq_records", "wxfunnel_events", "wxfunnel_outputs_last_seen_seconds",
        "wxfunnel_processor_running", "kafka_consumer_fetch_manager_records_consumed_total",
        "kafka_consumer_fetch_manager_records_lag_max", "kafka_stream_processor_node_record_e2e_latency_max",
        "kafka_consumer_coordinator_rebalance_total", "kafka_stream_state_updater_active_restoring_tasks",
        "kafka_stream_alive_stream_threads", "kafka_stream_failed_stream_threads_total");
  }
}

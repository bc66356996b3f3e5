package wxfunnel.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.testing.Http;
import wxfunnel.testing.Ports;
import wxfunnel.testing.Tools;
import wxfunnel.testing.Tools.Run;

/** The alert rules, checked and unit-tested by the real promtool: each alert fires on its case and stays quiet otherwise. */
class PrometheusRulesTest {

  private static final Pattern GRAFANA_PATH = Pattern.compile("/d/([a-z-]+)(\\?.*)?");

  @TempDir
  Path dir;

  private static final String INSTALL = "Debian: apt-get install prometheus";

  @Test
  void rulesAreValid() throws Exception {
    final Run check = promtool("check", "rules", "prometheus/rules/wxfunnel.yml");

    assertThat(check.exitCode()).as(check.output()).isZero();
    assertThat(check.output()).contains("SUCCESS: 12 rules found");
  }

  @Test
  void theStacksScrapeConfigIsValid() throws Exception {
    final Run check = promtool("check", "config", "prometheus/prometheus.yml");

    assertThat(check.exitCode()).as(check.output()).isZero();
  }

  @Test
  void everyAlertFiresOnItsCaseAndStaysQuietOtherwise() throws Exception {
    final Run test = promtool("test", "rules", "prometheus/tests/wxfunnel_test.yml");

    assertThat(test.exitCode()).as(test.output()).isZero();
    assertThat(test.output()).contains("SUCCESS");
  }

  private static Run promtool(final String... args) throws Exception {
    final List<String> command = new ArrayList<>(List.of(Tools.require("promtool", INSTALL).toString()));
    command.addAll(List.of(args));
    return Tools.run(Tools.repo(), command.toArray(String[]::new));
  }

  /**
   * Every alert, as a real Prometheus loaded it: a summary and a description, a runbook that is a
   * section of the README, a dashboard that exists, and a promtool case where it fires and one where it is quiet.
   */
  @Test
  void everyAlertSaysWhatToDoAndWhereToLookAndIsTestedBothWays() throws Exception {
    final String readme = Files.readString(Tools.repo().resolve("README.md"));
    final Set<String> anchors = readme.lines().filter(line -> line.startsWith("#")).map(PrometheusRulesTest::anchor)
        .collect(Collectors.toSet());
    final Set<String> dashboards = DashboardsTest.dashboards().stream().map(d -> d.get("uid").asText()).collect(Collectors.toSet());
    final String ruleTests = Files.readString(Tools.repo().resolve("prometheus/tests/wxfunnel_test.yml"));

    final List<JsonNode> alerts = loadedAlerts();

    assertThat(alerts).extracting(alert -> alert.get("name").asText()).containsExactlyInAnyOrder("WxfunnelProcessorDown",
        "WxfunnelStreamThreadDied", "WxfunnelPipelineStalled", "WxfunnelPipelineLagging", "WxfunnelDlqSpike",
        "WxfunnelConversionRateDrop", "WxfunnelConversionRateBelowFloor");
    for (final JsonNode alert : alerts) {
      final String name = alert.get("name").asText();
      final JsonNode annotations = alert.get("annotations");
      assertThat(annotations.path("summary").asText()).as(name).isNotBlank();
      assertThat(annotations.path("description").asText()).as(name).isNotBlank();
      assertThat(annotations.path("runbook_url").asText()).as(name).isEqualTo("README.md#" + name.toLowerCase(Locale.ROOT));
      assertThat(anchors).as("README section of %s", name).contains(name.toLowerCase(Locale.ROOT));
      final var dashboard = GRAFANA_PATH.matcher(annotations.path("dashboard").asText());
      assertThat(dashboard.matches()).as("dashboard of %s", name).isTrue();
      assertThat(dashboards).as("dashboard of %s", name).contains(dashboard.group(1));
      assertThat(ruleTests).as("a case where %s fires", name)
          .containsPattern("alertname: " + name + "\\n\\s+exp_alerts:\\n\\s+- exp_labels:");
      assertThat(ruleTests).as("a case where %s is quiet", name).contains("alertname: " + name + "\n        exp_alerts: []");
    }
  }

  /** The alerting rules of prometheus/rules, as a real Prometheus reports them once loaded. */
  private List<JsonNode> loadedAlerts() throws Exception {
    final int port = Ports.free();
    final Path config = Files.writeString(dir.resolve("prometheus.yml"),
        "rule_files:\n  - '" + Tools.repo().resolve("prometheus/rules") + "/*.yml'\n");
    final Process prometheus = new ProcessBuilder(List.of(Tools.require("prometheus", INSTALL).toString(),
        "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port))
        .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
    try {
      final List<JsonNode> alerts = new ArrayList<>();
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() -> {
        alerts.clear();
        for (final JsonNode group : Http.parse(Http.get("http://127.0.0.1:" + port + "/api/v1/rules")).at("/data/groups")) {
          group.get("rules").forEach(rule -> {
            if (rule.get("type").asText().equals("alerting")) {
              alerts.add(rule);
            }
          });
        }
        assertThat(alerts).isNotEmpty();
      });
      return alerts;
    } finally {
      prometheus.destroy();
      prometheus.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The anchor GitHub gives a Markdown heading. */
  private static String anchor(final String heading) {
    return heading.replaceFirst("^#+\\s*", "").trim().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-');
  }
}

package wxfunnel.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.testing.Http;
import wxfunnel.testing.Ports;
import wxfunnel.testing.Tools;
import wxfunnel.testing.Tools.Run;

/**
 * The stack's Alertmanager configuration, checked by the real amtool and loaded by a real
 * Alertmanager: pages and tickets reach their receivers, a pipeline alert holds back the
 * conversion alerts of its own ecosystem only, and no processor answering holds back all of them.
 */
class AlertmanagerConfigTest {

  private static final String INSTALL = "Debian: apt-get install prometheus-alertmanager";
  private static final String CONFIG = "docker/alertmanager.yml";
  private static final ObjectMapper json = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void configIsValid() throws Exception {
    final Run check = Tools.run(Tools.repo(), Tools.require("amtool", INSTALL).toString(), "check-config", CONFIG);

    assertThat(check.exitCode()).as(check.output()).isZero();
    assertThat(check.output()).contains("SUCCESS", "2 inhibit rules", "2 receivers");
  }

  @Test
  void pagesGoToOnCallAndTicketsWait() throws Exception {
    assertThat(receiver("severity=page", "alertname=WxfunnelProcessorDown")).isEqualTo("on-call");
    assertThat(receiver("severity=ticket", "alertname=WxfunnelDlqSpike")).isEqualTo("tickets");
    assertThat(receiver("alertname=SomethingUnlabelled")).isEqualTo("tickets");
  }

  @Test
  void aPipelineAlertHoldsBackItsOwnEcosystemsConversionAlertsAndNoProcessorHoldsBackAll() throws Exception {
    final Path binary = Tools.require("prometheus-alertmanager", INSTALL);
    final int port = Ports.free();
    final Process alertmanager = new ProcessBuilder(List.of(binary.toString(),
        "--config.file=" + Tools.repo().resolve(CONFIG), "--storage.path=" + dir.resolve("data"),
        "--web.listen-address=127.0.0.1:" + port, "--cluster.listen-address="))
        .redirectErrorStream(true).redirectOutput(dir.resolve("alertmanager.log").toFile()).start();
    final String api = "http://127.0.0.1:" + port + "/api/v2/alerts";
    try {
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
          .until(() -> Http.get("http://127.0.0.1:" + port + "/-/ready") != null);

      post(api, List.of(
          alert("WxfunnelPipelineStalled", Map.of("ecosystem", "weixin", "severity", "page")),
          alert("WxfunnelConversionRateDrop", Map.of("ecosystem", "weixin", "campaign", "double11-2026", "severity", "page")),
          alert("WxfunnelConversionRateDrop", Map.of("ecosystem", "wechat", "campaign", "black-friday", "severity", "page"))));

      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        final Map<String, String> states = states(api);
        assertThat(states).containsExactlyInAnyOrderEntriesOf(Map.of(
            "WxfunnelPipelineStalled/weixin", "active",
            "WxfunnelConversionRateDrop/weixin", "suppressed",
            "WxfunnelConversionRateDrop/wechat", "active"));
      });

      // When no processor answers at all, no conversion alert can be trusted.
      post(api, List.of(alert("WxfunnelProcessorDown", Map.of("job", "wxfunnel", "severity", "page"))));

      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
          assertThat(states(api)).containsEntry("WxfunnelConversionRateDrop/wechat", "suppressed")
              .containsEntry("WxfunnelConversionRateDrop/weixin", "suppressed").containsEntry("WxfunnelProcessorDown/", "active"));
    } finally {
      alertmanager.destroy();
      alertmanager.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The receiver amtool routes an alert with these labels to. */
  private static String receiver(final String... labels) throws Exception {
    final List<String> command = new ArrayList<>(List.of(Tools.require("amtool", INSTALL).toString(),
        "config", "routes", "test", "--config.file=" + CONFIG));
    command.addAll(List.of(labels));
    final Run test = Tools.run(Tools.repo(), command.toArray(String[]::new));
    assertThat(test.exitCode()).as(test.output()).isZero();
    return test.output().lines().filter(line -> !line.startsWith("Warning")).findFirst().orElseThrow().trim();
  }

  private static Map<String, Object> alert(final String name, final Map<String, String> labels) {
    final Map<String, String> all = new HashMap<>(labels);
    all.put("alertname", name);
    return Map.of("labels", all, "annotations", Map.of("summary", name));
  }

  private static void post(final String url, final List<Map<String, Object>> alerts) throws Exception {
    final HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(alerts)))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  /** Each alert's state (active, suppressed), keyed by its name and ecosystem. */
  private static Map<String, String> states(final String url) throws Exception {
    final Map<String, String> states = new HashMap<>();
    for (final JsonNode alert : json.readTree(Http.get(url))) {
      states.put(alert.at("/labels/alertname").asText() + "/" + alert.at("/labels/ecosystem").asText(),
          alert.at("/status/state").asText());
    }
    return states;
  }
}

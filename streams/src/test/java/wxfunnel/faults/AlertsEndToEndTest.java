package wxfunnel.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.demo.LocalPrometheus;
import wxfunnel.events.Ecosystem;
import wxfunnel.local.ChildJvm;
import wxfunnel.local.LocalStack;
import wxfunnel.metrics.MetricsServer;
import wxfunnel.runtime.FunnelProcessor;
import wxfunnel.testing.Http;
import wxfunnel.testing.Ports;
import wxfunnel.testing.ProcessorChild;
import wxfunnel.testing.Tools;
import wxfunnel.topology.FunnelConfig;

/**
 * The pipeline alerts on a real Prometheus loading the project's rules (pending times shortened
 * from a minute to 5 s), scraping two live processors: WeChat's in this JVM, whose stream thread
 * dies, and Weixin's in a child process, killed with SIGKILL. Each fires its own alert, for its
 * own ecosystem, and only that one.
 */
class AlertsEndToEndTest {

  private static final Duration SCRAPE = Duration.ofSeconds(1);

  @TempDir
  Path dir;

  @Test
  void aDeadStreamThreadAndAKilledProcessorEachFireTheirAlert() throws Exception {
    Tools.require("prometheus", "Debian: apt-get install prometheus");
    try (LocalStack stack = LocalStack.withTopics(dir.resolve("kafka"), EnumSet.allOf(Ecosystem.class), 1)) {
      final int childPort = Ports.free();
      try (MetricsServer metrics = MetricsServer.start("127.0.0.1", 0);
          FunnelProcessor wechat = FunnelProcessor.start(Ecosystem.WECHAT, FunnelConfig.defaults(Ecosystem.WECHAT),
              new HashMap<>(stack.kafka().clientConfig()), stack.registryUrl(), dir.resolve("state"));
          ChildJvm weixin = ProcessorChild.start(Ecosystem.WEIXIN, stack.bootstrapServers(), stack.registryUrl(),
              dir.resolve("child-state"), childPort, "", dir.resolve("weixin.log"));
          LocalPrometheus prometheus = LocalPrometheus.start(
              new LocalPrometheus.Settings(Ports.free(), shortRules(), SCRAPE), dir, List.of(metrics.port(), childPort),
              new PrintStream(OutputStream.nullOutputStream()))) {
        wechat.awaitRunning(Duration.ofMinutes(1));
        metrics.watch(wechat);
        final Prometheus api = new Prometheus(prometheus.url());
        await().atMost(Duration.ofMinutes(2)).pollInterval(SCRAPE).ignoreExceptions().untilAsserted(() ->
            assertThat(api.ecosystems("wxfunnel_processor_running == 1")).containsExactlyInAnyOrder("wechat", "weixin"));
        // Until Prometheus's first scrape, it has no processor at all: that alert resolves once it has them.
        await().atMost(Duration.ofMinutes(1)).pollInterval(SCRAPE).untilAsserted(() ->
            assertThat(api.firing()).as("alerts before any fault").isEmpty());

        // When one of WeChat's stream threads dies (it is replaced)
        final Thread streamThread = Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith("wxfunnel-wechat-") && t.getName().contains("-StreamThread-"))
            .findFirst().orElseThrow();
        streamThread.interrupt();

        // Then the thread-died alert fires for WeChat, and only it
        await().atMost(Duration.ofMinutes(1)).pollInterval(SCRAPE).untilAsserted(() ->
            assertThat(api.firing()).containsExactly("WxfunnelStreamThreadDied/wechat"));
        await().atMost(Duration.ofMinutes(1)).until(wechat::isRunning);

        // When the Weixin processor is killed with SIGKILL
        weixin.kill();

        // Then the processor-down alert fires for Weixin, named from its last samples
        await().atMost(Duration.ofMinutes(1)).pollInterval(SCRAPE).untilAsserted(() ->
            assertThat(api.firing()).containsExactlyInAnyOrder("WxfunnelStreamThreadDied/wechat", "WxfunnelProcessorDown/weixin"));
      }
    }
  }

  /** The project's rules with every pending time of a minute cut to 5 s, in a folder of their own. */
  private Path shortRules() throws Exception {
    final String rules = Files.readString(Tools.repo().resolve("prometheus/rules/wxfunnel.yml")).replace("for: 1m", "for: 5s");
    final Path folder = Files.createDirectories(dir.resolve("rules"));
    Files.writeString(folder.resolve("wxfunnel.yml"), rules);
    return folder;
  }

  /** Queries through Prometheus's HTTP API. */
  private record Prometheus(String url) {

    /** The firing alerts, as {@code name/ecosystem}. */
    List<String> firing() throws Exception {
      final List<String> alerts = new ArrayList<>();
      query("ALERTS{alertstate=\"firing\"}").forEach(alert ->
          alerts.add(alert.at("/metric/alertname").asText() + "/" + alert.at("/metric/ecosystem").asText()));
      return alerts;
    }

    List<String> ecosystems(final String promql) throws Exception {
      final List<String> ecosystems = new ArrayList<>();
      query(promql).forEach(series -> ecosystems.add(series.at("/metric/ecosystem").asText()));
      return ecosystems;
    }

    private JsonNode query(final String promql) throws Exception {
      final JsonNode answer = Http.parse(Http.get(url + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)));
      assertThat(answer.get("status").asText()).as(promql).isEqualTo("success");
      return answer.at("/data/result");
    }
  }
}

package wxfunnel.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.generator.Generator;
import wxfunnel.metrics.DashboardsTest;
import wxfunnel.testing.Http;
import wxfunnel.testing.Ports;
import wxfunnel.testing.Tools;
import wxfunnel.topology.FunnelConfig;

/** Every panel of every dashboard shows data: the demo, scraped by a real Prometheus loading the project's rules. */
class DashboardsOnPrometheusTest {

  private static final ObjectMapper json = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void everyPanelQueryReturnsDataThroughPrometheusHttpApi() throws Exception {
    Tools.require("prometheus", "Debian: apt-get install prometheus");
    final int prometheusPort = Ports.free();
    final AtomicBoolean stop = new AtomicBoolean();
    final Demo.Options options = new Demo.Options(Duration.ofMinutes(5), 400, 11, null,
        new LocalPrometheus.Settings(prometheusPort, Tools.repo().resolve("prometheus/rules"), Duration.ofSeconds(2)),
        Ports.free(), dir, Duration.ofMinutes(2), null, new PrintStream(OutputStream.nullOutputStream()), FunnelConfig::defaults, Generator.Disorder.NONE);
    final CompletableFuture<Summary> demo = CompletableFuture.supplyAsync(() -> {
      try {
        return Demo.run(options, stop);
      } catch (Exception e) {
        throw new CompletionException(e);
      }
    });
    try {
      final List<String> queries = DashboardsTest.queries("weixin", "double11-2026");
      await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(3)).untilAsserted(() -> {
        assertThat(demo).isNotDone();
        for (final String query : queries) {
          assertThat(result("http://127.0.0.1:" + prometheusPort, query)).as(query).isNotEmpty();
        }
      });
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
}

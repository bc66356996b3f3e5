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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.testing.Http;
import wxfunnel.testing.Ports;
import wxfunnel.testing.Tools;

/**
 * The relative-drop alert on a real Prometheus, against the demo: with --inject-drop-at it fires
 * for the injected ecosystem and campaign only; without, nothing fires. The rules are the
 * project's own, with their windows shortened (1 h to 1 min, a week's offset to 4 min, 15 min
 * pending to 10 s, volume guards to 30 people a minute) so that minutes of demo stand for weeks.
 */
class ConversionDropAlertTest {

  private static final ObjectMapper json = new ObjectMapper();
  private static final Duration DROP_AT = Duration.ofSeconds(150);
  private static final Duration RUN = Duration.ofMinutes(7);
  private static final String FIRING = "ALERTS{alertname=\"WxfunnelConversionRateDrop\",alertstate=\"firing\"}";

  @TempDir
  Path dir;

  @Test
  void theDropAlertFiresForTheInjectedCampaignOnlyAndNotWithoutADrop() throws Exception {
    Tools.require("prometheus", "Debian: apt-get install prometheus");
    final Path rules = shortRules();

    final List<JsonNode> withDrop = firingAlerts(rules, dir.resolve("drop"), DROP_AT);
    final List<JsonNode> withoutDrop = firingAlerts(rules, dir.resolve("steady"), null);

    assertThat(withDrop).isNotEmpty().allSatisfy(alert -> {
      assertThat(alert.at("/metric/ecosystem").asText()).isEqualTo("weixin");
      assertThat(alert.at("/metric/campaign").asText()).isEqualTo("double11-2026");
    });
    assertThat(withoutDrop).isEmpty();
  }

  /** The project's rules with the windows shortened, in a folder of their own. */
  private Path shortRules() throws Exception {
    final String rules = Files.readString(Tools.repo().resolve("prometheus/rules/wxfunnel.yml"))
        .replace("[1h]", "[1m]").replace("offset 1w", "offset 4m").replace("for: 15m", "for: 10s")
        .replace("> 200", "> 30");
    assertThat(rules).doesNotContain("[1h]").doesNotContain("offset 1w");
    final Path folder = Files.createDirectories(dir.resolve("rules"));
    Files.writeString(folder.resolve("wxfunnel.yml"), rules);
    return folder;
  }

  /** Runs the demo under Prometheus; returns every series of the drop alert that fired during the run. */
  private List<JsonNode> firingAlerts(final Path rules, final Path data, final Duration dropAt) throws Exception {
    final int port = Ports.free();
    final Demo.Options options = new Demo.Options(RUN, 600, 21, dropAt,
        new LocalPrometheus.Settings(port, rules, Duration.ofSeconds(2)), Ports.free(), data, Duration.ofMinutes(3), null,
        new PrintStream(OutputStream.nullOutputStream()));
    final AtomicBoolean stop = new AtomicBoolean();
    final CompletableFuture<Summary> demo = CompletableFuture.supplyAsync(() -> {
      try {
        return Demo.run(options, stop);
      } catch (Exception e) {
        throw new CompletionException(e);
      }
    });
    final List<JsonNode> fired = new ArrayList<>();
    try {
      final String query = "max_over_time(" + FIRING + "[10m])";
      await().atMost(RUN.plusMinutes(3)).pollInterval(Duration.ofSeconds(5)).ignoreExceptions().until(() -> {
        if (demo.isDone()) {
          return true;
        }
        final JsonNode answer = json.readTree(Http.get("http://127.0.0.1:" + port + "/api/v1/query?query="
            + URLEncoder.encode(query, StandardCharsets.UTF_8)));
        fired.clear();
        answer.at("/data/result").forEach(fired::add);
        // With a drop, stop once it fired; without, watch the whole run.
        return dropAt != null && !fired.isEmpty();
      });
    } finally {
      stop.set(true);
      demo.get(3, TimeUnit.MINUTES);
    }
    return fired;
  }
}

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
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.egress.Egress;
import wxfunnel.testing.Http;
import wxfunnel.testing.Ports;
import wxfunnel.testing.Tools;
import wxfunnel.topology.FunnelConfig;

/**
 * The relative-drop alert on a real Prometheus, against two demos side by side: the one with
 * --inject-drop-at fires it for the injected ecosystem and campaign only; the one without fires
 * nothing over the same span. The rules are the project's own with their windows shortened
 * (an hour to a minute, a week's offset to 3 min, 15 min pending to 30 s), so minutes stand for weeks. The
 * pending time is shortened less than the windows: on this shared machine a payment can take seconds longer
 * than a read to reach its row, which a minute-long window turns into a brief dip of one campaign's rate and
 * an hour-long one does not; the alert must not page for it.
 */
class ConversionDropAlertTest {

  private static final ObjectMapper json = new ObjectMapper();
  private static final double RATE = 300;
  private static final Duration DROP_AT = Duration.ofMinutes(2);
  private static final Duration BACKFILL = Duration.ofMinutes(3);
  private static final Duration AT_MOST = Duration.ofMinutes(9);
  /** How long the steady run is watched after the other one fired. */
  private static final Duration QUIET_MARGIN = Duration.ofSeconds(30);
  private static final String FIRED = "max_over_time(ALERTS{alertname=\"WxfunnelConversionRateDrop\",alertstate=\"firing\"}[15m])";
  /** The series the alert compares, for the steady run: without any, its silence would prove nothing. */
  private static final String GUARDED = "wxfunnel:paid:delta1h offset 3m > 100";

  @TempDir
  Path dir;

  @Test
  void theDropAlertFiresForTheInjectedCampaignOnlyAndNotWithoutADrop() throws Exception {
    Tools.require("prometheus", "Debian: apt-get install prometheus");
    final Path rules = shortRules();
    final DemoUnderPrometheus dropped = DemoUnderPrometheus.start(rules, dir.resolve("drop"), DROP_AT);
    final DemoUnderPrometheus steady = DemoUnderPrometheus.start(rules, dir.resolve("steady"), null);
    final List<JsonNode> firedWithDrop = new ArrayList<>();
    final List<JsonNode> firedSteady = new ArrayList<>();
    final List<JsonNode> guardedSteady = new ArrayList<>();
    try {
      await().atMost(AT_MOST).pollInterval(Duration.ofSeconds(5)).ignoreExceptions()
          .until(() -> dropped.demo.isDone() || replace(firedWithDrop, dropped.query(FIRED)));
      final long watchUntil = System.nanoTime() + QUIET_MARGIN.toNanos();
      await().atMost(QUIET_MARGIN.plusMinutes(1)).pollInterval(Duration.ofSeconds(5)).ignoreExceptions().until(() -> {
        replace(firedWithDrop, dropped.query(FIRED));
        replace(firedSteady, steady.query(FIRED));
        replace(guardedSteady, steady.query(GUARDED));
        return steady.demo.isDone() || System.nanoTime() > watchUntil;
      });
    } finally {
      dropped.stop();
      steady.stop();
    }

    assertThat(firedWithDrop).isNotEmpty().allSatisfy(alert -> {
      assertThat(alert.at("/metric/ecosystem").asText()).isEqualTo("weixin");
      assertThat(alert.at("/metric/campaign").asText()).isEqualTo("double11-2026");
    });
    assertThat(guardedSteady).extracting(series -> series.at("/metric/campaign").asText()).contains("double11-2026");
    assertThat(firedSteady).isEmpty();
  }

  /** Empties {@code into}, fills it with the query's result, and says whether it is not empty. */
  private static boolean replace(final List<JsonNode> into, final JsonNode result) {
    into.clear();
    result.forEach(into::add);
    return !into.isEmpty();
  }

  /** The project's rules with the windows shortened, in a folder of their own. */
  private Path shortRules() throws Exception {
    final String rules = Files.readString(Tools.repo().resolve("prometheus/rules/wxfunnel.yml"))
        .replace("[1h]", "[1m]").replace("offset 1w", "offset 3m").replace("for: 15m", "for: 30s");
    assertThat(rules).doesNotContain("[1h]").doesNotContain("offset 1w");
    final Path folder = Files.createDirectories(dir.resolve("rules"));
    Files.writeString(folder.resolve("wxfunnel.yml"), rules);
    return folder;
  }

  /** A demo with its own Prometheus, running until stopped. */
  private record DemoUnderPrometheus(int prometheusPort, AtomicBoolean stopping, CompletableFuture<Summary> demo) {

    static DemoUnderPrometheus start(final Path rules, final Path data, final Duration dropAt) {
      final int port = Ports.free();
      final Demo.Options options = new Demo.Options(null, RATE, 21, dropAt,
          new LocalPrometheus.Settings(port, rules, Duration.ofSeconds(2)), Ports.free(), data, BACKFILL, null,
          new PrintStream(OutputStream.nullOutputStream()), FunnelConfig::defaults, UnaryOperator.identity(), null,
          Egress.DEFAULT_MIN_CELL_USERS);
      final AtomicBoolean stopping = new AtomicBoolean();
      return new DemoUnderPrometheus(port, stopping, CompletableFuture.supplyAsync(() -> {
        try {
          return Demo.run(options, stopping);
        } catch (Exception e) {
          throw new CompletionException(e);
        }
      }));
    }

    JsonNode query(final String promql) throws Exception {
      return json.readTree(Http.get("http://127.0.0.1:" + prometheusPort + "/api/v1/query?query="
          + URLEncoder.encode(promql, StandardCharsets.UTF_8))).at("/data/result");
    }

    void stop() throws Exception {
      stopping.set(true);
      demo.get(3, TimeUnit.MINUTES);
    }
  }
}

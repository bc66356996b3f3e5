package wxfunnel.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.Ecosystem;
import wxfunnel.local.LocalStack;
import wxfunnel.registry.RegistryClient;
import wxfunnel.runtime.CommittedView;
import wxfunnel.runtime.FunnelProcessor;
import wxfunnel.testing.Http;
import wxfunnel.testing.LogWatch;
import wxfunnel.topics.Names;
import wxfunnel.topics.TopicAdmin;
import wxfunnel.topology.FunnelConfig;

/** The business metrics never stop for good: started before the outputs exist, they wait for them. */
class CommittedMetricsTest {

  private static final Pattern WAITING = Pattern.compile("weixin business metrics wait for \\[" + Pattern.quote(String.join(", ",
      CommittedView.topics(new Names(Ecosystem.WEIXIN)))) + "\\]");
  private static final String PUBLISHED = "wxfunnel_time_to_convert_seconds_count{ecosystem=\"weixin\"} 0";

  @TempDir
  Path dir;

  @Test
  void metricsStartedBeforeTheOutputTopicsExistWaitForThemAndThenPublish() throws Exception {
    try (LogWatch log = LogWatch.open();
        LocalStack stack = LocalStack.start(dir.resolve("kafka"), 0, 0);
        MetricsServer server = MetricsServer.start("127.0.0.1", 0);
        CommittedMetrics metrics = CommittedMetrics.start(Ecosystem.WEIXIN, stack.kafka().clientConfig(),
            new RegistryClient(stack.registryUrl()), server.registry(), 5, AttributionModel.LAST_TOUCH)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> !log.matching(WAITING).isEmpty());
      assertThat(Http.get(server.url() + "/metrics")).doesNotContain(PUBLISHED);

      // The processor's ledger changelog appears once the processor runs.
      try (TopicAdmin topics = new TopicAdmin(stack.kafka().clientConfig())) {
        topics.create(EnumSet.of(Ecosystem.WEIXIN), 1);
      }
      try (FunnelProcessor processor = FunnelProcessor.start(Ecosystem.WEIXIN, FunnelConfig.defaults(Ecosystem.WEIXIN),
          new HashMap<>(stack.kafka().clientConfig()), stack.registryUrl(), dir.resolve("state"))) {
        processor.awaitRunning(Duration.ofMinutes(1));

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
            .until(() -> Http.get(server.url() + "/metrics").contains(PUBLISHED));
      }
    }
  }
}

package wxfunnel.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.events.Ecosystem;
import wxfunnel.generator.Generator;
import wxfunnel.generator.TrafficSender;
import wxfunnel.local.LocalProcess;
import wxfunnel.registry.RegistryClient;
import wxfunnel.runtime.FunnelProcessor;
import wxfunnel.runtime.ProcessorLag;
import wxfunnel.testing.Ports;
import wxfunnel.testing.ProcessorOutputs;
import wxfunnel.topics.Names;
import wxfunnel.topics.TopicAdmin;
import wxfunnel.topology.FunnelConfig;

/**
 * The broker (with the registry, in one {@code wxfunnel local} process) is killed with SIGKILL
 * mid-run and started again on its data directory: the processor recovers by itself, and its
 * outputs are exactly those of an uninterrupted run over the same inputs.
 */
class BrokerRestartTest {

  private static final Ecosystem WEIXIN = Ecosystem.WEIXIN;
  private static final long RECORDS = 30_000;

  @TempDir
  Path dir;

  @Test
  void theProcessorRecoversFromABrokerKillAndItsOutputsAreExact() throws Exception {
    final int kafkaPort = Ports.free();
    final int registryPort = Ports.free();
    final Path data = dir.resolve("local");
    final Path log = dir.resolve("local.log");
    final Map<String, Object> kafka = Map.of("bootstrap.servers", "127.0.0.1:" + kafkaPort);
    final String registryUrl = "http://127.0.0.1:" + registryPort;
    LocalProcess local = LocalProcess.start(data, kafkaPort, registryPort, log);
    try (Admin admin = Admin.create(kafka)) {
      try (TopicAdmin topics = new TopicAdmin(kafka)) {
        topics.create(EnumSet.of(WEIXIN), 3);
      }
      try (TrafficSender sender = new TrafficSender(kafka, new RegistryClient(registryUrl))) {
        new Generator(Generator.Settings.of(8, RECORDS).withEcosystems(EnumSet.of(WEIXIN))
            .withStart(Instant.now().minus(Duration.ofDays(3)))).forEachRemaining(sender::send);
        sender.flush();
      }
      final long total = ProcessorLag.of(admin, WEIXIN);
      try (FunnelProcessor processor = FunnelProcessor.start(WEIXIN, FunnelConfig.defaults(WEIXIN), kafka, registryUrl,
          dir.resolve("state"))) {
        processor.awaitRunning(Duration.ofMinutes(1));
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
            .until(() -> ProcessorLag.of(admin, WEIXIN) <= total * 2 / 3);

        local.kill();
        local = LocalProcess.start(data, kafkaPort, registryPort, log);

        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
            .until(() -> ProcessorLag.of(admin, WEIXIN) == 0);
        ProcessorLag.awaitSettled(admin, WEIXIN, Duration.ofMinutes(1));
        assertThat(processor.isRunning()).isTrue();
      }
      final ProcessorOutputs expected = ProcessorOutputs.reference(kafka, registryUrl, new Names(WEIXIN), dir.resolve("reference"));
      final ProcessorOutputs actual = ProcessorOutputs.read(kafka, registryUrl, new Names(WEIXIN));
      assertThat(actual.conversions()).hasSizeGreaterThan(300);
      assertThat(actual).as(() -> actual.differencesFrom(expected)).isEqualTo(expected);
    } finally {
      local.close();
    }
  }
}

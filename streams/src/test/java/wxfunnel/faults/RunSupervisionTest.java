package wxfunnel.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.events.Ecosystem;
import wxfunnel.local.ChildJvm;
import wxfunnel.local.LocalStack;
import wxfunnel.testing.Http;
import wxfunnel.testing.Ports;
import wxfunnel.testing.ProcessorChild;
import wxfunnel.topics.EcoTopic;

/**
 * {@code wxfunnel run} as a supervisor (systemd, Docker, Kubernetes) sees it: each ecosystem starts
 * on its own, readiness and liveness say what they should, and a processor that fails for good
 * makes the process exit non-zero, so that it is started again.
 */
class RunSupervisionTest {

  @TempDir
  Path dir;

  @Test
  void oneEcosystemStartsWhileTheOthersClusterDoesNotAnswerAndAFatalErrorExitsNonZero() throws Exception {
    try (LocalStack stack = LocalStack.withTopics(dir.resolve("kafka"), EnumSet.of(Ecosystem.WEIXIN), 1);
        Admin admin = Admin.create(stack.kafka().clientConfig())) {
      final int port = Ports.free();
      final String health = "http://127.0.0.1:" + port + "/health";
      final Path log = dir.resolve("run.log");
      // Given both ecosystems in one process, WeChat's cluster on a port where nothing listens
      try (ChildJvm run = ProcessorChild.run(List.of("--ecosystem", "both",
          "--bootstrap-servers", stack.bootstrapServers(), "--wechat-bootstrap-servers", "127.0.0.1:" + Ports.free(),
          "--schema-registry-url", stack.registryUrl(), "--state-dir", dir.resolve("state").toString(),
          "--metrics-port", String.valueOf(port), "--metrics-host", "127.0.0.1"), log)) {

        // Then Weixin runs, WeChat is still starting: not ready, but alive
        await().atMost(Duration.ofMinutes(2)).ignoreExceptions()
            .until(() -> Http.call("GET", health + "/ready", null).body().path("processors").path("weixin").asText().equals("RUNNING"));
        final Http.Answer ready = Http.call("GET", health + "/ready", null);
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.body().path("processors").path("wechat").asText()).isEqualTo("STARTING");
        final Http.Answer live = Http.call("GET", health + "/live", null);
        assertThat(live.status()).isEqualTo(200);
        assertThat(live.body().path("status").asText()).isEqualTo("LIVE");
        await().atMost(Duration.ofMinutes(2)).until(() -> Files.readString(log).contains("wechat processor cannot start yet"));

        // When an operator deletes one of Weixin's input topics, which no new stream thread can read
        admin.deleteTopics(List.of(EcoTopic.READS.topic(Ecosystem.WEIXIN))).all().get(30, TimeUnit.SECONDS);

        // Then the process exits with 1 within 30 s, and says why
        final OptionalInt exit = run.exitWithin(Duration.ofSeconds(30));
        assertThat(exit).as(() -> "still running 30 s after the topic was deleted; its log ends:\n" + tail(log)).isPresent();
        assertThat(exit.getAsInt()).isEqualTo(1);
        assertThat(Files.readString(log)).contains("wxfunnel run: weixin processor stopped in ERROR");
      }
    }
  }

  private static String tail(final Path log) {
    try {
      final List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package wxfunnel.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.cli.Main;
import wxfunnel.runtime.ProcessorLag;
import wxfunnel.events.Conversion;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;
import wxfunnel.generator.Generator;
import wxfunnel.generator.TrafficSender;
import wxfunnel.local.LocalStack;
import wxfunnel.registry.RegistryClient;
import wxfunnel.serde.AvroDeserializer;
import wxfunnel.runtime.CommittedOutputs;
import wxfunnel.testing.Http;
import wxfunnel.testing.Ports;
import wxfunnel.topics.TopicAdmin;

/**
 * A processor killed with SIGKILL mid-run and restarted: afterwards the exported business totals
 * equal what a read_committed consumer computes from the outputs (nothing doubled, nothing lost).
 */
class CrashRestartMetricsTest {

  @TempDir
  Path dir;

  @Test
  void exportedTotalsEqualTheCommittedOutputsAfterAKillAndRestart() throws Exception {
    try (LocalStack stack = LocalStack.start(dir.resolve("kafka"), 0, 0);
        Admin admin = Admin.create(stack.kafka().clientConfig())) {
      try (TopicAdmin topics = new TopicAdmin(stack.kafka().clientConfig())) {
        topics.create(EnumSet.of(Ecosystem.WEIXIN), 3);
      }
      try (TrafficSender sender = new TrafficSender(stack.kafka().clientConfig(), new RegistryClient(stack.registryUrl()))) {
        new Generator(Generator.Settings.of(3, 20_000).withEcosystems(EnumSet.of(Ecosystem.WEIXIN))
            .withStart(Instant.now().minus(Duration.ofHours(2)))).forEachRemaining(sender::send);
        sender.flush();
      }

      // 1. The processor runs until it has committed some outputs, and is killed with work still to do.
      final Process first = processor(stack, Ports.free());
      try {
        await().atMost(Duration.ofMinutes(2)).until(() -> committedConversions(stack) > 100);
      } finally {
        first.destroyForcibly().waitFor();
      }
      assertThat(ProcessorLag.of(admin, Ecosystem.WEIXIN)).as("work left when killed").isPositive();

      // 2. Restarted on the same state directory, it finishes; its metrics equal the committed outputs.
      final int port = Ports.free();
      final Process second = processor(stack, port);
      try {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
            .until(() -> ProcessorLag.of(admin, Ecosystem.WEIXIN) == 0);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(exported(port)).isEqualTo(fromOutputs(stack)));
        final Map<String, Double> outputs = fromOutputs(stack);
        assertThat(outputs.get("conversions")).isGreaterThan(300);
        // The backlog is played through three upstream tasks at their own pace: the watermark keeps that from making
        // records LATE, so the DLQ holds about the generator's 0.8% of malformed, spoofed and late records.
        assertThat(outputs.get("dlq")).isLessThan(20_000 * 0.02);
      } finally {
        second.destroy();
        second.waitFor();
      }
    }
  }

  private Process processor(final LocalStack stack, final int metricsPort) throws Exception {
    // The killed member leaves the group after its session timeout: keep that short here.
    final Path config = Files.writeString(dir.resolve("processor.properties"), "kafka.session.timeout.ms=10000\n");
    return new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "--ecosystem", "weixin",
        "--bootstrap-servers", stack.bootstrapServers(), "--schema-registry-url", stack.registryUrl(),
        "--state-dir", dir.resolve("state").toString(), "--metrics-port", String.valueOf(metricsPort),
        "--metrics-host", "127.0.0.1", "--config", config.toString()))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("processor.log").toFile()))
        .start();
  }

  /** Totals from /metrics: conversions, funnel users per step, dead letters. */
  private static Map<String, Double> exported(final int port) throws Exception {
    final Map<String, Double> totals = new TreeMap<>();
    for (final String line : Http.get("http://127.0.0.1:" + port + "/metrics").lines().toList()) {
      if (line.startsWith("wxfunnel_conversions{")) {
        totals.merge("conversions", value(line), Double::sum);
      } else if (line.startsWith("wxfunnel_funnel_users{")) {
        totals.merge("funnel." + label(line, "step"), value(line), Double::sum);
      } else if (line.startsWith("wxfunnel_dlq_records{")) {
        totals.merge("dlq", value(line), Double::sum);
      }
    }
    return totals;
  }

  /** The same totals, from the output topics as a read_committed consumer sees them. */
  private static Map<String, Double> fromOutputs(final LocalStack stack) {
    final RegistryClient registry = new RegistryClient(stack.registryUrl());
    final AvroDeserializer<FunnelRow> rows = new AvroDeserializer<>(registry, FunnelRow.class);
    final AvroDeserializer<Conversion> conversions = new AvroDeserializer<>(registry, Conversion.class);
    final Map<String, Conversion> latestConversions = new HashMap<>();
    final Map<String, FunnelRow> latestRows = new HashMap<>();
    double dlq = 0;
    for (final ConsumerRecord<String, byte[]> record : CommittedOutputs.read(stack.kafka().clientConfig(), List.of("weixin.conversions", "weixin.funnel", "weixin.dlq"))) {
      if (record.topic().equals("weixin.conversions")) {
        latestConversions.put(record.key(), conversions.deserialize(record.topic(), record.value()));
      } else if (record.topic().equals("weixin.funnel")) {
        if (record.value() == null) {
          latestRows.remove(record.key());
        } else {
          latestRows.put(record.key(), rows.deserialize(record.topic(), record.value()));
        }
      } else {
        dlq++;
      }
    }
    final Map<String, Double> totals = new TreeMap<>();
    totals.put("conversions", (double) latestConversions.size());
    totals.put("funnel.touched", latestRows.values().stream().mapToDouble(FunnelRow::getTouched).sum());
    totals.put("funnel.coupon", latestRows.values().stream().mapToDouble(FunnelRow::getCoupon).sum());
    totals.put("funnel.paid", latestRows.values().stream().mapToDouble(FunnelRow::getPaid).sum());
    totals.put("dlq", dlq);
    return totals;
  }

  private static long committedConversions(final LocalStack stack) {
    return CommittedOutputs.read(stack.kafka().clientConfig(), List.of("weixin.conversions")).stream().map(ConsumerRecord::key).distinct().count();
  }



  private static double value(final String line) {
    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
  }

  private static String label(final String line, final String name) {
    final int start = line.indexOf(name + "=\"") + name.length() + 2;
    return new String(line.substring(start, line.indexOf('"', start)).getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }
}

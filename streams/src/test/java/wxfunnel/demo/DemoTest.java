package wxfunnel.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.cli.Main;
import wxfunnel.events.Conversion;
import wxfunnel.events.FunnelRow;
import wxfunnel.local.LocalStack;
import wxfunnel.registry.RegistryClient;
import wxfunnel.serde.AvroDeserializer;

/** A short demo run, as users start it, checked against the outputs it committed. */
class DemoTest {

  private static final ObjectMapper json = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void aShortRunExitsZeroAndItsSummaryIsWhatTheCommittedOutputsSay() throws Exception {
    final Path summaryFile = dir.resolve("summary.json");

    final int exit = Main.run("demo", "--duration", "20s", "--rate", "150", "--seed", "7", "--backfill", "30s",
        "--metrics-port", "0", "--data-dir", dir.toString(), "--summary-file", summaryFile.toString());

    assertThat(exit).isZero();
    final JsonNode summary = json.readTree(summaryFile.toFile());
    assertThat(summary.at("/ecosystems/weixin/campaigns/double11-2026/touched").asLong()).isPositive();
    assertThat(summary.at("/ecosystems/wechat/campaigns").size()).isEqualTo(4);
    // The broker kept its data: read the committed outputs back, independently of the demo's own view.
    try (LocalStack stack = LocalStack.start(dir.resolve("local"), 0, 0)) {
      // Compared as parsed JSON text, so that 7 and 7L read the same.
      assertThat(summary).isEqualTo(json.readTree(committed(stack).toString()));
    }
  }

  /** The summary a read_committed consumer computes from the output topics. */
  private static JsonNode committed(final LocalStack stack) {
    final RegistryClient registry = new RegistryClient(stack.registryUrl());
    final AvroDeserializer<Conversion> conversions = new AvroDeserializer<>(registry, Conversion.class);
    final AvroDeserializer<FunnelRow> rows = new AvroDeserializer<>(registry, FunnelRow.class);
    final Map<String, Map<String, String>> statusByKey = new TreeMap<>();
    final Map<String, Map<String, FunnelRow>> rowsByKey = new TreeMap<>();
    final Map<String, Map<String, Long>> reasons = new TreeMap<>();
    for (final ConsumerRecord<String, byte[]> record : readAll(stack)) {
      final String eco = record.topic().split("\\.")[0];
      switch (record.topic().split("\\.")[1]) {
        case "conversions" -> statusByKey.computeIfAbsent(eco, k -> new TreeMap<>())
            .put(record.key(), conversions.deserialize(record.topic(), record.value()).getStatus().name());
        case "funnel" -> {
          final Map<String, FunnelRow> latest = rowsByKey.computeIfAbsent(eco, k -> new TreeMap<>());
          if (record.value() == null) {
            latest.remove(record.key());
          } else {
            latest.put(record.key(), rows.deserialize(record.topic(), record.value()));
          }
        }
        default -> reasons.computeIfAbsent(eco, k -> new TreeMap<>()).merge(
            new String(record.headers().lastHeader("wxfunnel.reason").value(), StandardCharsets.UTF_8), 1L, Long::sum);
      }
    }
    final ObjectNode ecosystems = json.createObjectNode();
    for (final String eco : List.of("wechat", "weixin")) {
      final ObjectNode node = ecosystems.putObject(eco);
      final ObjectNode campaigns = node.putObject("campaigns");
      final Map<String, long[]> steps = new TreeMap<>();
      final Map<String, Map<String, Long>> gmv = new TreeMap<>();
      rowsByKey.getOrDefault(eco, Map.of()).values().forEach(row -> {
        final long[] s = steps.computeIfAbsent(row.getCampaignId(), k -> new long[3]);
        s[0] += row.getTouched();
        s[1] += row.getCoupon();
        s[2] += row.getPaid();
        row.getGmv().forEach((c, v) -> gmv.computeIfAbsent(row.getCampaignId(), k -> new TreeMap<>()).merge(c, v, Long::sum));
      });
      steps.forEach((campaign, s) -> {
        final ObjectNode c = campaigns.putObject(campaign).put("touched", s[0]).put("coupon", s[1]).put("paid", s[2]);
        c.set("gmv", json.valueToTree(gmv.getOrDefault(campaign, Map.of())));
      });
      final Map<String, Long> statuses = new TreeMap<>();
      statusByKey.getOrDefault(eco, Map.of()).values().forEach(status -> statuses.merge(status, 1L, Long::sum));
      node.set("conversions", json.valueToTree(statuses));
      node.set("deadLetters", json.valueToTree(reasons.getOrDefault(eco, Map.of())));
    }
    final ObjectNode summary = json.createObjectNode();
    summary.set("ecosystems", ecosystems);
    return summary;
  }

  private static List<ConsumerRecord<String, byte[]>> readAll(final LocalStack stack) {
    final Map<String, Object> config = new HashMap<>(stack.kafka().clientConfig());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    final List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      final List<TopicPartition> partitions = new ArrayList<>();
      for (final String eco : List.of("wechat", "weixin")) {
        for (final String topic : List.of("conversions", "funnel", "dlq")) {
          consumer.partitionsFor(eco + "." + topic).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        }
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      final Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
        consumer.poll(Duration.ofMillis(200)).forEach(all::add);
      }
    }
    return all;
  }
}

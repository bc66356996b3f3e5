package wxfunnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.events.Ecosystem;
import wxfunnel.local.LocalStack;
import wxfunnel.testing.CliRun;
import wxfunnel.topics.EcoTopic;

/** {@code wxfunnel generate --realtime}: simulated time is the wall clock, so records are stamped while the command runs. */
class GenerateCommandTest {

  @TempDir
  Path dir;

  @Test
  void realtimeTrafficIsStampedWithTheWallClockAsItIsSent() throws Exception {
    try (LocalStack stack = LocalStack.withTopics(dir.resolve("kafka"), EnumSet.of(Ecosystem.WEIXIN), 1)) {
      final long before = System.currentTimeMillis();

      final CliRun run = CliRun.of("generate", "--realtime", "--rate", "100", "--events", "300", "--ecosystem", "weixin",
          "--bootstrap-servers", stack.bootstrapServers(), "--schema-registry-url", stack.registryUrl());

      final long after = System.currentTimeMillis();
      assertThat(run.exitCode()).as(run.err()).isZero();
      final List<Long> stamps = timestamps(stack.kafka().clientConfig());
      assertThat(stamps).hasSize(300).allSatisfy(stamp -> assertThat(stamp).isBetween(before, after));
      assertThat(stamps.stream().mapToLong(Long::longValue).max().orElseThrow() - stamps.stream().mapToLong(Long::longValue).min()
          .orElseThrow()).as("300 records at 100/s are spread over seconds, as they happen").isGreaterThan(1_000);
    }
  }

  @Test
  void realtimeNeedsARateAndTakesNoStart() {
    final CliRun noRate = CliRun.of("generate", "--realtime", "--bootstrap-servers", "127.0.0.1:1");
    final CliRun withStart = CliRun.of("generate", "--realtime", "--rate", "10", "--start", "2026-11-11T00:00:00Z",
        "--bootstrap-servers", "127.0.0.1:1");

    assertThat(noRate.exitCode()).isEqualTo(2);
    assertThat(noRate.err()).contains("--realtime starts now and needs --rate above 0; it takes no --start");
    assertThat(withStart.exitCode()).isEqualTo(2);
    assertThat(withStart.err()).contains("--realtime starts now and needs --rate above 0; it takes no --start");
  }

  /** The Kafka timestamp of every record on Weixin's input topics. */
  private static List<Long> timestamps(final Map<String, Object> kafka) {
    final Map<String, Object> config = new HashMap<>(kafka);
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    final List<Long> stamps = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
      final List<TopicPartition> partitions = EcoTopic.inputs().stream().map(t -> new TopicPartition(t.topic(Ecosystem.WEIXIN), 0))
          .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      final Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
        for (final ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          stamps.add(record.timestamp());
        }
      }
    }
    return stamps;
  }
}

package wxfunnel.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import wxfunnel.topology.FunnelTopology;
import wxfunnel.topology.Names;

/** What a read_committed consumer finds in some topics, from their start to their end as of now. */
public final class CommittedOutputs {

  private CommittedOutputs() {}

  /** Every committed record of {@code topics}, partition by partition in offset order. */
  public static List<ConsumerRecord<String, byte[]>> read(final Map<String, Object> kafka, final Collection<String> topics) {
    final Map<String, Object> config = new HashMap<>(kafka);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    final List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      final List<TopicPartition> partitions = new ArrayList<>();
      topics.forEach(t -> consumer.partitionsFor(t).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition()))));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      final Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
        consumer.poll(Duration.ofMillis(200)).forEach(all::add);
      }
    }
    return all;
  }

  /** The latest committed value of every key of a compacted topic; a tombstone removes its key. */
  public static Map<String, byte[]> latest(final Map<String, Object> kafka, final String topic) {
    final Map<String, byte[]> latest = new TreeMap<>();
    for (final ConsumerRecord<String, byte[]> record : read(kafka, List.of(topic))) {
      if (record.value() == null) {
        latest.remove(record.key());
      } else {
        latest.put(record.key(), record.value());
      }
    }
    return latest;
  }

  /** The persons the processor named by {@code names} holds in state, as last committed: each task's count, summed. */
  public static long personsInState(final Map<String, Object> kafka, final Names names) {
    final Map<Integer, Long> byTask = new HashMap<>();
    final LongDeserializer longs = new LongDeserializer();
    for (final ConsumerRecord<String, byte[]> record : read(kafka, List.of(FunnelTopology.ledgerChangelog(names)))) {
      if (FunnelTopology.PERSONS_IN_STATE.equals(record.key())) {
        byTask.put(record.partition(), record.value() == null ? 0L : longs.deserialize(record.topic(), record.value()));
      }
    }
    return byTask.values().stream().mapToLong(Long::longValue).sum();
  }
}

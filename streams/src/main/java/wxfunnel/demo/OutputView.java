package wxfunnel.demo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import wxfunnel.events.Conversion;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;
import wxfunnel.registry.RegistryClient;
import wxfunnel.serde.AvroDeserializer;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topology.DeadLetters;

/**
 * The outputs as a {@code read_committed} consumer sees them: the latest value per key of the
 * conversions and funnel topics, and every dead letter, of both ecosystems.
 */
final class OutputView implements AutoCloseable {

  private final KafkaConsumer<String, byte[]> consumer;
  private final AvroDeserializer<Conversion> conversions;
  private final AvroDeserializer<FunnelRow> rows;
  private final Map<String, Map<String, String>> conversionStatus = new HashMap<>();
  private final Map<String, Map<String, FunnelRow>> funnel = new HashMap<>();
  private final Map<String, Map<String, Long>> deadLetters = new HashMap<>();

  OutputView(final Map<String, Object> kafka, final RegistryClient registry) {
    final Map<String, Object> config = new HashMap<>(kafka);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    this.conversions = new AvroDeserializer<>(registry, Conversion.class);
    this.rows = new AvroDeserializer<>(registry, FunnelRow.class);
    final List<TopicPartition> partitions = new ArrayList<>();
    for (final Ecosystem eco : Ecosystem.values()) {
      for (final EcoTopic topic : List.of(EcoTopic.CONVERSIONS, EcoTopic.FUNNEL, EcoTopic.DLQ)) {
        consumer.partitionsFor(topic.topic(eco)).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
      }
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  /** Reads what has been committed since the last call. */
  void poll(final Duration timeout) {
    for (final ConsumerRecord<String, byte[]> record : consumer.poll(timeout)) {
      final String eco = record.topic().substring(0, record.topic().indexOf('.'));
      if (record.topic().endsWith(".conversions")) {
        final Conversion conversion = conversions.deserialize(record.topic(), record.value());
        conversionStatus.computeIfAbsent(eco, k -> new HashMap<>()).put(record.key(), conversion.getStatus().name());
      } else if (record.topic().endsWith(".funnel")) {
        final Map<String, FunnelRow> ecoRows = funnel.computeIfAbsent(eco, k -> new HashMap<>());
        if (record.value() == null) {
          ecoRows.remove(record.key());
        } else {
          ecoRows.put(record.key(), rows.deserialize(record.topic(), record.value()));
        }
      } else {
        final Header reason = record.headers().lastHeader(DeadLetters.REASON);
        deadLetters.computeIfAbsent(eco, k -> new TreeMap<>())
            .merge(reason == null ? "UNKNOWN" : new String(reason.value(), StandardCharsets.UTF_8), 1L, Long::sum);
      }
    }
  }

  /** Whether everything committed so far has been read. */
  boolean caughtUp() {
    final Set<TopicPartition> assigned = consumer.assignment();
    final Map<TopicPartition, Long> ends = consumer.endOffsets(assigned);
    return assigned.stream().allMatch(p -> consumer.position(p) >= ends.get(p));
  }

  Summary summary() {
    final Map<String, Summary.Ecosystem> all = new TreeMap<>();
    for (final Ecosystem eco : Ecosystem.values()) {
      final String name = eco.name().toLowerCase(Locale.ROOT);
      final Summary.Ecosystem summary = Summary.Ecosystem.empty();
      funnel.getOrDefault(name, Map.of()).values().forEach(row -> summary.campaigns().merge(row.getCampaignId(),
          new Summary.Campaign(row.getTouched(), row.getCoupon(), row.getPaid(), new TreeMap<>(row.getGmv())), OutputView::add));
      conversionStatus.getOrDefault(name, Map.of()).values().forEach(status -> summary.conversions().merge(status, 1L, Long::sum));
      summary.deadLetters().putAll(deadLetters.getOrDefault(name, Map.of()));
      all.put(name, summary);
    }
    return new Summary(all);
  }

  private static Summary.Campaign add(final Summary.Campaign a, final Summary.Campaign b) {
    final Map<String, Long> gmv = new TreeMap<>(a.gmv());
    b.gmv().forEach((currency, amount) -> gmv.merge(currency, amount, Long::sum));
    return new Summary.Campaign(a.touched() + b.touched(), a.coupon() + b.coupon(), a.paid() + b.paid(), gmv);
  }

  @Override
  public void close() {
    consumer.close();
  }
}

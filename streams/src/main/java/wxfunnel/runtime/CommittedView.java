package wxfunnel.runtime;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import wxfunnel.events.ContentPerformance;
import wxfunnel.events.Conversion;
import wxfunnel.events.FunnelRow;
import wxfunnel.registry.SchemaRegistry;
import wxfunnel.serde.AvroDeserializer;
import wxfunnel.topics.DeadLetters;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Ledger;
import wxfunnel.topics.Names;

/**
 * One processor's outputs as a {@code read_committed} reader finds them: the latest conversion,
 * funnel row and content row per key (a tombstone removes its key), the dead letters by reason, the ledger's
 * counts summed over its tasks, and when the newest output was written. Records are applied in the
 * order read, partition by partition; {@link #read} reads everything committed so far, and a
 * reader that follows the outputs applies each record it polls. A conversion is kept as what
 * {@code conversions} makes of it, so a long-running reader holds only what it needs.
 *
 * @param <C> what is kept of a conversion
 */
public final class CommittedView<C> {

  /** A dead letter's reason when its record has none (not written by the processor). */
  public static final String NO_REASON = "UNKNOWN";

  private final Names names;
  private final Function<Conversion, C> conversionFacts;
  private final AvroDeserializer<Conversion> conversionReader;
  private final AvroDeserializer<FunnelRow> rowReader;
  private final AvroDeserializer<ContentPerformance> contentReader;
  private final LongDeserializer longs = new LongDeserializer();
  private final Map<String, C> conversions = new HashMap<>();
  private final Map<String, FunnelRow> funnel = new HashMap<>();
  private final Map<String, ContentPerformance> content = new HashMap<>();
  private final Map<String, Long> deadLetters = new TreeMap<>();
  /** Each task's latest count, per changelog partition and key. */
  private final Map<Integer, Map<String, Long>> ledgerByTask = new TreeMap<>();
  private long newestOutputMillis;

  public CommittedView(final Names names, final SchemaRegistry registry, final Function<Conversion, C> conversions) {
    this.names = names;
    this.conversionFacts = conversions;
    this.conversionReader = new AvroDeserializer<>(registry, Conversion.class);
    this.rowReader = new AvroDeserializer<>(registry, FunnelRow.class);
    this.contentReader = new AvroDeserializer<>(registry, ContentPerformance.class);
  }

  /** Everything {@code names}' processor has committed so far, conversions whole. */
  public static CommittedView<Conversion> read(final Map<String, Object> kafka, final SchemaRegistry registry, final Names names) {
    final CommittedView<Conversion> view = new CommittedView<>(names, registry, Function.identity());
    readAll(kafka, topics(names)).forEach(view::apply);
    return view;
  }

  /** The topics a view of {@code names}' processor reads: the outputs and the ledger's changelog. */
  public static List<String> topics(final Names names) {
    final List<String> topics = new ArrayList<>(outputTopics(names));
    topics.add(names.changelog(Names.LEDGER));
    return topics;
  }

  /** The processor's output topics, which exist before it starts (the ledger's changelog is its own). */
  public static List<String> outputTopics(final Names names) {
    return EcoTopic.outputs().stream().map(names::topic).toList();
  }

  /**
   * Applies one committed record of one of {@link #topics()}. A conversion or row the registry
   * cannot decode throws, and leaves the view as it was.
   */
  public void apply(final ConsumerRecord<String, byte[]> record) {
    final String topic = record.topic();
    if (topic.equals(names.changelog(Names.LEDGER))) {
      final Map<String, Long> task = ledgerByTask.computeIfAbsent(record.partition(), p -> new HashMap<>());
      latest(task, record.key(), record.value() == null ? null : longs.deserialize(topic, record.value()));
      return;
    }
    if (topic.equals(names.topic(EcoTopic.CONVERSIONS))) {
      latest(conversions, record.key(),
          record.value() == null ? null : conversionFacts.apply(conversionReader.deserialize(topic, record.value())));
    } else if (topic.equals(names.topic(EcoTopic.FUNNEL))) {
      latest(funnel, record.key(), record.value() == null ? null : rowReader.deserialize(topic, record.value()));
    } else if (topic.equals(names.topic(EcoTopic.CONTENT_PERFORMANCE))) {
      latest(content, record.key(), record.value() == null ? null : contentReader.deserialize(topic, record.value()));
    } else if (topic.equals(names.topic(EcoTopic.DLQ))) {
      deadLetters.merge(header(record, DeadLetters.REASON, NO_REASON), 1L, Long::sum);
    } else {
      throw new IllegalArgumentException("not an output of " + names.applicationId() + ": " + topic);
    }
    // A producer clock ahead of the reader's must not make an output look newer than it is.
    newestOutputMillis = Math.max(newestOutputMillis, Math.min(record.timestamp(), System.currentTimeMillis()));
  }

  /** The latest conversion per {@code transaction_id}, as kept. */
  public Map<String, C> conversions() {
    return Collections.unmodifiableMap(conversions);
  }

  /** The latest funnel row per key. */
  public Map<String, FunnelRow> funnel() {
    return Collections.unmodifiableMap(funnel);
  }

  /** The latest content row per key. */
  public Map<String, ContentPerformance> content() {
    return Collections.unmodifiableMap(content);
  }

  /** How many records were dead-lettered, by reason. */
  public Map<String, Long> deadLetters() {
    return Collections.unmodifiableMap(deadLetters);
  }

  /** Every ledger key's committed count, summed over the tasks. */
  public Map<String, Long> ledger() {
    final Map<String, Long> totals = new TreeMap<>();
    ledgerByTask.values().forEach(task -> task.forEach((key, count) -> totals.merge(key, count, Long::sum)));
    return totals;
  }

  /** The persons the processor holds in state, over all its tasks. */
  public long personsInState() {
    return ledgerByTask.values().stream().mapToLong(task -> task.getOrDefault(Ledger.PERSONS_IN_STATE, 0L)).sum();
  }

  /** The timestamp of the newest output record applied, never later than when it was applied; 0 before the first. */
  public long newestOutputMillis() {
    return newestOutputMillis;
  }

  /** Every committed record of {@code topics}, partition by partition in offset order, up to their end as of now. */
  public static List<ConsumerRecord<String, byte[]>> readAll(final Map<String, Object> kafka, final Collection<String> topics) {
    final List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = consumer(kafka)) {
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

  /** A {@code read_committed} consumer of no group, for readers that assign their partitions. */
  public static KafkaConsumer<String, byte[]> consumer(final Map<String, Object> kafka) {
    final Map<String, Object> config = new HashMap<>(kafka);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /** The value of a record's header, or {@code absent}. */
  public static String header(final ConsumerRecord<?, ?> record, final String name, final String absent) {
    final Header header = record.headers().lastHeader(name);
    return header == null || header.value() == null ? absent : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static <V> void latest(final Map<String, V> values, final String key, final V value) {
    if (value == null) {
      values.remove(key);
    } else {
      values.put(key, value);
    }
  }
}

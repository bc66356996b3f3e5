package wxfunnel.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import wxfunnel.events.Ecosystem;
import wxfunnel.registry.SchemaRegistry;
import wxfunnel.runtime.CommittedView;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;

/**
 * The outputs of both ecosystems as a {@code read_committed} consumer sees them, followed as they
 * grow: the latest conversion status and funnel row per key, and the dead letters by reason.
 */
final class OutputView implements AutoCloseable {

  private final KafkaConsumer<String, byte[]> consumer;
  private final Map<Ecosystem, CommittedView<String>> views = new EnumMap<>(Ecosystem.class);
  private final Map<String, CommittedView<String>> byTopic = new TreeMap<>();

  OutputView(final Map<String, Object> kafka, final SchemaRegistry registry) {
    this.consumer = CommittedView.consumer(kafka);
    final List<TopicPartition> partitions = new ArrayList<>();
    for (final Ecosystem eco : Ecosystem.values()) {
      final Names names = new Names(eco);
      final CommittedView<String> view = new CommittedView<>(names, registry, conversion -> conversion.getStatus().name());
      views.put(eco, view);
      for (final String topic : CommittedView.outputTopics(names)) {
        byTopic.put(topic, view);
        consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
      }
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  /** Reads what has been committed since the last call. */
  void poll(final Duration timeout) {
    for (final ConsumerRecord<String, byte[]> record : consumer.poll(timeout)) {
      byTopic.get(record.topic()).apply(record);
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
    views.forEach((eco, view) -> {
      final Summary.Ecosystem summary = Summary.Ecosystem.empty();
      view.funnel().values().forEach(row -> summary.campaigns().merge(row.getCampaignId(),
          new Summary.Campaign(row.getTouched(), row.getCoupon(), row.getPaid(), new TreeMap<>(row.getGmv())), OutputView::add));
      view.conversions().values().forEach(status -> summary.conversions().merge(status, 1L, Long::sum));
      summary.deadLetters().putAll(view.deadLetters());
      all.put(EcoTopic.prefix(eco), summary);
    });
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

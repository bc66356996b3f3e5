package wxfunnel.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import wxfunnel.egress.Cells;
import wxfunnel.egress.Egress;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;
import wxfunnel.registry.SchemaRegistry;
import wxfunnel.runtime.CommittedView;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;
import wxfunnel.topology.FunnelConfig;

/**
 * The outputs of both ecosystems as a {@code read_committed} consumer sees them, followed as they
 * grow: the latest conversion status and funnel row per key, and the dead letters by reason. What
 * it shows of them leaves the ecosystem: each through its egress.
 */
final class OutputView implements AutoCloseable {

  /** What the view keeps of a conversion. */
  private record Paid(String status, String payer) {}

  private final KafkaConsumer<String, byte[]> consumer;
  private final Map<Ecosystem, Egress> walls;
  private final Function<Ecosystem, FunnelConfig> semantics;
  private final Map<Ecosystem, CommittedView<Paid>> views = new EnumMap<>(Ecosystem.class);
  private final Map<String, CommittedView<Paid>> byTopic = new TreeMap<>();

  OutputView(final Map<String, Object> kafka, final SchemaRegistry registry, final Map<Ecosystem, Egress> walls,
      final Function<Ecosystem, FunnelConfig> semantics) {
    this.consumer = CommittedView.consumer(kafka);
    this.walls = walls;
    this.semantics = semantics;
    final List<TopicPartition> partitions = new ArrayList<>();
    for (final Ecosystem eco : Ecosystem.values()) {
      final Names names = new Names(eco);
      final CommittedView<Paid> view = new CommittedView<>(names, registry,
          conversion -> new Paid(conversion.getStatus().name(), conversion.getPayer()));
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

  /**
   * What may leave each ecosystem of what it committed: its egress's release of it, or the last
   * one when another reader of the egress ({@code /metrics}) has read further.
   */
  Summary summary() {
    final Map<TopicPartition, Long> asOf = new HashMap<>();
    consumer.assignment().forEach(partition -> asOf.put(partition, consumer.position(partition)));
    final Map<String, Summary.Ecosystem> all = new TreeMap<>();
    views.forEach((eco, view) -> all.put(EcoTopic.prefix(eco),
        released(view, walls.get(eco), semantics.apply(eco).conversionWindow(), asOf)));
    return new Summary(all);
  }

  private static Summary.Ecosystem released(final CommittedView<Paid> view, final Egress wall, final Duration conversionWindow,
      final Map<TopicPartition, Long> asOf) {
    final Collection<FunnelRow> rows = view.funnel().values();
    wall.rank(rows, asOf);
    final Map<String, Summary.Campaign> campaigns = new TreeMap<>();
    wall.release(Cells.FUNNEL_USERS, Cells.funnelUsers(rows, conversionWindow).cells(0, wall::label), 0, asOf)
        .forEach((labels, users) ->
            campaigns.merge(labels.get(0), Summary.Campaign.of(labels.get(1), users.longValue()), Summary.Campaign::plus));
    wall.release(Cells.GMV, Cells.gmv(rows, conversionWindow).cells(0, wall::label), 0, asOf).forEach((labels, amount) ->
        campaigns.merge(labels.get(0), Summary.Campaign.ofMoney(labels.get(1), amount.longValue()), Summary.Campaign::plus));
    final Cells statuses = new Cells();
    view.conversions().values().forEach(paid -> statuses.add(List.of(paid.status()), 1, paid.payer()));
    final Map<String, Long> conversions = new TreeMap<>();
    wall.releaseAll(Cells.CONVERSIONS, statuses.cells(), asOf).forEach((labels, count) -> conversions.put(labels.get(0), count.longValue()));
    return new Summary.Ecosystem(campaigns, conversions, new TreeMap<>(view.deadLetters()));
  }

  @Override
  public void close() {
    consumer.close();
  }
}

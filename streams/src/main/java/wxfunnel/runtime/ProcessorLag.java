package wxfunnel.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import wxfunnel.events.Ecosystem;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topology.FunnelTopology;
import wxfunnel.topology.Names;

/** How far an ecosystem's processor is behind the end of everything it reads. */
public final class ProcessorLag {

  private static final List<EcoTopic> INPUTS = List.of(EcoTopic.READS, EcoTopic.SCANS, EcoTopic.COUPON_CLICKS, EcoTopic.PAYMENTS);

  private ProcessorLag() {}

  /**
   * Records not yet processed and committed, over every partition of its input and repartition
   * topics. Streams writes repartition topics in transactions, so their last offset may be a
   * commit marker rather than a record: that one is not lag.
   */
  public static long of(final Admin admin, final Ecosystem ecosystem) throws Exception {
    final Names names = new Names(ecosystem);
    final List<String> inputs = INPUTS.stream().map(names::topic).toList();
    final List<String> internal = FunnelTopology.repartitionTopics(ecosystem);
    final List<String> all = new ArrayList<>(inputs);
    all.addAll(internal);
    final List<TopicPartition> partitions = new ArrayList<>();
    for (final TopicDescription topic : admin.describeTopics(all).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
      topic.partitions().forEach(p -> partitions.add(new TopicPartition(topic.name(), p.partition())));
    }
    final Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(names.applicationId()).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
    final Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(
        partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()))).all().get(30, TimeUnit.SECONDS);
    long lag = 0;
    for (final TopicPartition partition : partitions) {
      final OffsetAndMetadata done = committed.get(partition);
      final long marker = internal.contains(partition.topic()) ? 1 : 0;
      lag += Math.max(0, ends.get(partition).offset() - (done == null ? 0 : done.offset()) - marker);
    }
    return lag;
  }
}

package wxfunnel.topics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import wxfunnel.events.Ecosystem;

/** Creates and describes the topics of {@link EcoTopic} for one or both ecosystems. */
public final class TopicAdmin implements AutoCloseable {

  public static final int DEFAULT_PARTITIONS = 6;
  private static final long TIMEOUT_SECONDS = 60;

  private final Admin admin;

  public TopicAdmin(final Map<String, Object> clientConfig) {
    this.admin = Admin.create(clientConfig);
  }

  /**
   * How one topic stands on the cluster.
   *
   * @param endOffsets the sum of its partitions' end offsets
   * @param lag records of it the ecosystem's processor has not yet committed; null for a topic it does not read
   */
  public record TopicState(String name, int partitions, int replicationFactor, String cleanupPolicy, long endOffsets, Long lag) {}

  /**
   * Creates the missing topics of {@code ecosystems}; existing ones are left as they are. Returns
   * the names created (empty when everything already exists).
   */
  public List<String> create(final Collection<Ecosystem> ecosystems, final int partitions) {
    final Set<String> existing = call(admin.listTopics().names());
    final short replicas = (short) Math.min(3, call(admin.describeCluster().nodes()).size());
    final List<NewTopic> missing = new ArrayList<>();
    for (final Ecosystem eco : ecosystems) {
      for (final EcoTopic topic : EcoTopic.values()) {
        if (!existing.contains(topic.topic(eco))) {
          missing.add(new NewTopic(topic.topic(eco), partitions, replicas)
              .configs(topic.configs()));
        }
      }
    }
    final List<String> created = new ArrayList<>();
    admin.createTopics(missing).values().forEach((name, future) -> {
      try {
        call(future);
        created.add(name);
      } catch (IllegalStateException e) {
        // Another caller created it meanwhile: it exists, which is all that is asked.
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
    });
    awaitServed(missing);
    return created.stream().sorted().toList();
  }

  /**
   * Returns once every partition of {@code topics} is served by its leader. A created topic is
   * committed by the controller before its leader has the partition's log; a producer that
   * writes in that window has its first batch refused (NOT_LEADER_OR_FOLLOWER) while the next one
   * lands, and the broker then refuses the retried first batch forever (OUT_OF_ORDER_SEQUENCE_NUMBER,
   * KAFKA-15591, fixed in Kafka 4.5). Listing offsets is answered by the same partition lookup a
   * produce request uses; it is asked once the topics are known with a leader for every
   * partition (the admin client logs an error for every offset asked of an unknown topic), and
   * again while a leader is not yet serving.
   */
  private void awaitServed(final Collection<NewTopic> topics) {
    final Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
    for (final NewTopic topic : topics) {
      for (int partition = 0; partition < topic.numPartitions(); partition++) {
        ends.put(new TopicPartition(topic.name(), partition), OffsetSpec.latest());
      }
    }
    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    awaitLeaders(topics.stream().map(NewTopic::name).toList(), deadline);
    while (!ends.isEmpty()) {
      try {
        call(admin.listOffsets(ends).all());
        return;
      } catch (IllegalStateException e) {
        if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
          throw e;
        }
        pause();
      }
    }
  }

  /** Returns once every partition of {@code names} is described with a leader. */
  private void awaitLeaders(final List<String> names, final long deadline) {
    while (true) {
      try {
        if (call(admin.describeTopics(names).allTopicNames()).values().stream()
            .allMatch(topic -> topic.partitions().stream().allMatch(partition -> partition.leader() != null))) {
          return;
        }
      } catch (IllegalStateException e) {
        if (!(e.getCause() instanceof RetriableException)) {
          throw e;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("topics " + names + " have no leader for every partition after " + TIMEOUT_SECONDS + " s");
      }
      pause();
    }
  }

  /** How many partitions the event topics of {@code ecosystem} have: all must have as many. */
  public int inputPartitions(final Ecosystem ecosystem) {
    final List<String> inputs = List.of(EcoTopic.READS.topic(ecosystem), EcoTopic.SCANS.topic(ecosystem),
        EcoTopic.COUPON_CLICKS.topic(ecosystem), EcoTopic.PAYMENTS.topic(ecosystem));
    final Map<String, TopicDescription> topics;
    try {
      topics = call(admin.describeTopics(inputs).allTopicNames());
    } catch (IllegalStateException e) {
      throw new IllegalStateException("cannot describe the input topics of " + ecosystem + " (create them with `wxfunnel topics create`): "
          + e.getMessage(), e);
    }
    final Set<Integer> counts = topics.values().stream().map(topic -> topic.partitions().size()).collect(Collectors.toSet());
    if (counts.size() != 1) {
      throw new IllegalStateException("the input topics of " + ecosystem + " must have the same number of partitions: "
          + topics.values().stream().map(t -> t.name() + "=" + t.partitions().size()).sorted().toList());
    }
    return counts.iterator().next();
  }

  /**
   * Creates the repartition topics a processor writes, where missing, as Kafka Streams would
   * ({@code delete}, kept until Streams purges them), and waits until every partition is served:
   * Streams writes to them the moment it runs, and a first write into a partition not yet served
   * is refused for good (see {@link #awaitServed}).
   */
  public void createRepartitionTopics(final List<String> names, final int partitions) {
    final Set<String> existing = call(admin.listTopics().names());
    final List<NewTopic> topics = names.stream()
        .map(name -> new NewTopic(name, Optional.of(partitions), Optional.empty()).configs(Map.of(
            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
            TopicConfig.RETENTION_MS_CONFIG, "-1",
            TopicConfig.SEGMENT_BYTES_CONFIG, String.valueOf(50 << 20),
            TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "CreateTime")))
        .toList();
    admin.createTopics(topics.stream().filter(topic -> !existing.contains(topic.name())).toList()).values().forEach((name, future) -> {
      try {
        call(future);
      } catch (IllegalStateException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
    });
    awaitServed(topics);
  }

  /**
   * Deletes the outputs of a shadow processor and creates them empty, each with the partitions of
   * its production counterpart, so a shadow run leaves nothing of an earlier one. Returns their names.
   */
  public List<String> recreateShadowOutputs(final Ecosystem ecosystem, final String shadow) {
    final List<EcoTopic> outputs = EcoTopic.outputs();
    final List<String> names = outputs.stream().map(topic -> topic.shadowTopic(ecosystem, shadow)).toList();
    final Set<String> existing = call(admin.listTopics().names());
    call(admin.deleteTopics(names.stream().filter(existing::contains).toList()).all());
    final Map<String, TopicDescription> originals =
        call(admin.describeTopics(outputs.stream().map(topic -> topic.topic(ecosystem)).toList()).allTopicNames());
    final short replicas = (short) Math.min(3, call(admin.describeCluster().nodes()).size());
    final List<NewTopic> fresh = outputs.stream()
        .map(topic -> new NewTopic(topic.shadowTopic(ecosystem, shadow), originals.get(topic.topic(ecosystem)).partitions().size(), replicas)
            .configs(topic.configs()))
        .toList();
    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    while (true) {
      try {
        call(admin.createTopics(fresh).all());
        awaitServed(fresh);
        return names;
      } catch (IllegalStateException e) {
        // A deleted topic lingers a moment; its name is free again shortly.
        if (!(e.getCause() instanceof TopicExistsException) || System.nanoTime() > deadline) {
          throw e;
        }
        pause();
      }
    }
  }

  /** The state of every topic of {@code ecosystems}, by name; a missing topic is absent. */
  public Map<String, TopicState> describe(final Collection<Ecosystem> ecosystems) {
    final Set<String> existing = call(admin.listTopics().names());
    final List<String> names = ecosystems.stream()
        .flatMap(eco -> Arrays.stream(EcoTopic.values()).map(t -> t.topic(eco)))
        .filter(existing::contains)
        .toList();
    final Map<String, TopicState> states = new TreeMap<>();
    if (names.isEmpty()) {
      return states;
    }
    final Map<String, TopicDescription> descriptions = call(admin.describeTopics(names).allTopicNames());
    final List<ConfigResource> resources = names.stream()
        .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name))
        .toList();
    final Map<ConfigResource, Config> configs = call(admin.describeConfigs(resources).all());
    final List<TopicPartition> partitions = new ArrayList<>();
    descriptions.values().forEach(d -> d.partitions().forEach(p -> partitions.add(new TopicPartition(d.name(), p.partition()))));
    final Map<TopicPartition, ListOffsetsResultInfo> ends =
        call(admin.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()))).all());
    final Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
    for (final Ecosystem eco : ecosystems) {
      committed.putAll(call(admin.listConsumerGroupOffsets(EcoTopic.applicationId(eco)).partitionsToOffsetAndMetadata()));
    }
    for (final String name : names) {
      final TopicDescription description = descriptions.get(name);
      final Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name));
      final List<TopicPartition> own = description.partitions().stream().map(p -> new TopicPartition(name, p.partition())).toList();
      final long end = own.stream().mapToLong(p -> ends.get(p).offset()).sum();
      final boolean read = own.stream().anyMatch(committed::containsKey);
      final long done = own.stream().mapToLong(p -> committed.containsKey(p) ? committed.get(p).offset() : 0).sum();
      states.put(name, new TopicState(name, description.partitions().size(), description.partitions().get(0).replicas().size(),
          config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value(), end, read ? end - done : null));
    }
    return states;
  }

  private static void pause() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    admin.close();
  }

  private static <T> T call(final KafkaFuture<T> future) {
    try {
      return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("Kafka did not answer within " + TIMEOUT_SECONDS + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}

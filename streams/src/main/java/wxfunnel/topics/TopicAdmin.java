package wxfunnel.topics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
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

  /** How one topic stands on the cluster. */
  public record TopicState(String name, int partitions, int replicationFactor, String cleanupPolicy) {}

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
    return created.stream().sorted().toList();
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
    for (final String name : names) {
      final TopicDescription description = descriptions.get(name);
      final Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name));
      states.put(name, new TopicState(name, description.partitions().size(),
          description.partitions().get(0).replicas().size(),
          config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()));
    }
    return states;
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

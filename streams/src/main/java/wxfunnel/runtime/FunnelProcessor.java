package wxfunnel.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wxfunnel.events.Ecosystem;
import wxfunnel.registry.RegistryClient;
import wxfunnel.serde.AvroSerdes;
import wxfunnel.topology.FunnelConfig;
import wxfunnel.topology.FunnelTopology;
import wxfunnel.topology.Input;
import wxfunnel.topology.Names;
import wxfunnel.topology.StreamsSettings;

/**
 * One ecosystem's processor: its own Kafka Streams instance, application id, state directory,
 * cluster and registry. Nothing here is shared with the other ecosystem's processor.
 */
public final class FunnelProcessor implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FunnelProcessor.class);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration DESCRIBE_TIMEOUT = Duration.ofSeconds(60);

  private final Ecosystem ecosystem;
  private final KafkaStreams streams;

  private FunnelProcessor(final Ecosystem ecosystem, final KafkaStreams streams) {
    this.ecosystem = ecosystem;
    this.streams = streams;
  }

  /**
   * Starts the processor of {@code ecosystem}.
   *
   * @param kafka client settings (bootstrap servers, security, any Streams setting); they win over the defaults
   * @param registryUrl the ecosystem's schema registry
   * @param stateDir parent of the ecosystem's own state directory
   */
  public static FunnelProcessor start(final Ecosystem ecosystem, final FunnelConfig config, final Map<String, Object> kafka,
      final String registryUrl, final Path stateDir) {
    return start(new Names(ecosystem), config, kafka, registryUrl, stateDir);
  }

  /** Starts the processor named by {@code names}: the production one, or a shadow with outputs of its own. */
  public static FunnelProcessor start(final Names names, final FunnelConfig config, final Map<String, Object> kafka,
      final String registryUrl, final Path stateDir) {
    final Ecosystem ecosystem = names.ecosystem();
    final Properties settings = StreamsSettings.of(names, kafka, stateDir);
    final AvroSerdes serdes = new AvroSerdes(new RegistryClient(registryUrl), true);
    final FunnelConfig onCluster = config.withInputPartitions(inputPartitions(ecosystem, kafka));
    final KafkaStreams streams = new KafkaStreams(FunnelTopology.build(names, onCluster, serdes), settings);
    streams.setUncaughtExceptionHandler(e -> {
      // Records are only committed once processed, so a replaced thread picks up where the failed one stood.
      log.error("{} stream thread failed; replacing it", ecosystem, e);
      return StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    streams.setStateListener((now, before) -> log.info("{} processor: {} -> {}", ecosystem, before, now));
    streams.start();
    return new FunnelProcessor(ecosystem, streams);
  }

  /**
   * The partitions of the ecosystem's event topics, which must all have as many: the person step
   * waits for a clock from each of them before it finalises anything.
   */
  private static int inputPartitions(final Ecosystem ecosystem, final Map<String, Object> kafka) {
    final List<String> inputs = Input.ALL.stream().map(input -> input.topic().topic(ecosystem)).toList();
    final Map<String, Object> admin = new HashMap<>();
    kafka.forEach((key, value) -> {
      if (AdminClientConfig.configNames().contains(key)) {
        admin.put(key, value);
      }
    });
    try (Admin client = Admin.create(admin)) {
      final Map<String, TopicDescription> topics = client.describeTopics(inputs).allTopicNames().get(DESCRIBE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      final Set<Integer> counts = topics.values().stream().map(topic -> topic.partitions().size()).collect(Collectors.toSet());
      if (counts.size() != 1) {
        throw new IllegalStateException("the input topics of " + ecosystem + " must have the same number of partitions: "
            + topics.values().stream().map(t -> t.name() + "=" + t.partitions().size()).sorted().toList());
      }
      return counts.iterator().next();
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot describe the input topics of " + ecosystem + " (create them with `wxfunnel topics create`): "
          + e.getCause().getMessage(), e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("cannot describe the input topics of " + ecosystem + " within " + DESCRIBE_TIMEOUT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while describing the input topics of " + ecosystem, e);
    }
  }

  public Ecosystem ecosystem() {
    return ecosystem;
  }

  public KafkaStreams streams() {
    return streams;
  }

  /** Waits until the processor runs (its internal topics then exist); fails if it does not within {@code timeout}. */
  public void awaitRunning(final Duration timeout) throws InterruptedException {
    final long deadline = System.nanoTime() + timeout.toNanos();
    while (!isRunning()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(ecosystem + " processor is " + streams.state() + " after " + timeout);
      }
      Thread.sleep(100);
    }
  }

  public boolean isRunning() {
    return streams.state() == KafkaStreams.State.RUNNING;
  }

  /**
   * Stops gracefully and leaves the group, so the other instances take over at once and a replay
   * may start without waiting for the session to expire.
   */
  @Override
  public void close() {
    if (!streams.close(CloseOptions.timeout(CLOSE_TIMEOUT).withGroupMembershipOperation(GroupMembershipOperation.LEAVE_GROUP))) {
      log.warn("{} processor did not stop within {}", ecosystem, CLOSE_TIMEOUT);
    }
  }
}

package wxfunnel.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.MissingSourceTopicException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wxfunnel.events.Ecosystem;
import wxfunnel.query.Queries;
import wxfunnel.registry.RegistryClient;
import wxfunnel.serde.AvroSerdes;
import wxfunnel.topics.Names;
import wxfunnel.topics.TopicAdmin;
import wxfunnel.topology.FunnelConfig;
import wxfunnel.topology.FunnelTopology;
import wxfunnel.topology.StreamsSettings;

/**
 * One ecosystem's processor: its own Kafka Streams instance, application id, state directory,
 * cluster and registry. Nothing here is shared with the other ecosystem's processor.
 */
public final class FunnelProcessor implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FunnelProcessor.class);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final Names names;
  private final Ecosystem ecosystem;
  /** The semantics, with the input partitions found on the cluster. */
  private final FunnelConfig config;
  private final KafkaStreams streams;
  /** Completed when Kafka Streams reaches ERROR: it has shut down for good and processes nothing more. */
  private final CompletableFuture<Void> failed;
  /** Where the other instances reach this one's queries ({@code application.server}); null when not set. */
  private final HostInfo self;

  private FunnelProcessor(final Names names, final FunnelConfig config, final KafkaStreams streams, final CompletableFuture<Void> failed,
      final HostInfo self) {
    this.names = names;
    this.ecosystem = names.ecosystem();
    this.config = config;
    this.streams = streams;
    this.failed = failed;
    this.self = self;
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
    final FunnelConfig onCluster = config.withInputPartitions(prepareTopics(names, kafka));
    final KafkaStreams streams = new KafkaStreams(FunnelTopology.build(names, onCluster, serdes), settings);
    streams.setUncaughtExceptionHandler(e -> onThreadFailure(ecosystem, e));
    final CompletableFuture<Void> failed = new CompletableFuture<>();
    streams.setStateListener((now, before) -> {
      log.info("{} processor: {} -> {}", ecosystem, before, now);
      if (now == KafkaStreams.State.ERROR) {
        failed.complete(null);
      }
    });
    streams.start();
    final Object server = settings.get(StreamsConfig.APPLICATION_SERVER_CONFIG);
    return new FunnelProcessor(names, onCluster, streams, failed,
        server == null || server.toString().isEmpty() ? null : HostInfo.buildFromEndpoint(server.toString()));
  }

  /** Its answers over the live state, served where {@code application.server} says. */
  public Queries queries() {
    if (self == null) {
      throw new IllegalStateException(ecosystem + " processor was started without " + StreamsConfig.APPLICATION_SERVER_CONFIG
          + ": the other instances could not reach its queries");
    }
    return new Queries(names, config, streams, self);
  }

  /**
   * A failed stream thread is replaced: records are only committed once processed, so the new
   * thread picks up where the failed one stood. When no new thread can do better (an input or
   * internal topic is gone, the JVM is out of memory), the processor shuts down instead and
   * reaches ERROR, so that whatever supervises it can act.
   */
  private static StreamThreadExceptionResponse onThreadFailure(final Ecosystem ecosystem, final Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof MissingSourceTopicException || cause instanceof Error) {
        log.error("{} stream thread failed, and a new one cannot recover: shutting the processor down", ecosystem, e);
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
      }
    }
    log.error("{} stream thread failed; replacing it", ecosystem, e);
    return StreamThreadExceptionResponse.REPLACE_THREAD;
  }

  /**
   * Reads how many partitions the ecosystem's event topics have (the person step waits for a clock
   * from each of them before it finalises anything), and creates the processor's repartition
   * topics with as many, served before Streams writes to them.
   */
  private static int prepareTopics(final Names names, final Map<String, Object> kafka) {
    final Map<String, Object> admin = new HashMap<>();
    kafka.forEach((key, value) -> {
      if (AdminClientConfig.configNames().contains(key)) {
        admin.put(key, value);
      }
    });
    try (TopicAdmin topics = new TopicAdmin(admin)) {
      final int partitions = topics.inputPartitions(names.ecosystem());
      topics.createRepartitionTopics(names.repartitionTopics(), partitions);
      return partitions;
    }
  }

  public Ecosystem ecosystem() {
    return ecosystem;
  }

  public KafkaStreams streams() {
    return streams;
  }

  /**
   * Waits until the processor runs (its internal topics then exist); fails if it does not within
   * {@code timeout} (null: however long restoring its state takes), or reaches ERROR.
   */
  public void awaitRunning(final Duration timeout) throws InterruptedException {
    final long start = System.nanoTime();
    while (!isRunning()) {
      if (failed.isDone()) {
        throw new IllegalStateException(ecosystem + " processor reached ERROR while starting");
      }
      if (timeout != null && System.nanoTime() - start > timeout.toNanos()) {
        throw new IllegalStateException(ecosystem + " processor is " + streams.state() + " after " + timeout);
      }
      Thread.sleep(100);
    }
  }

  /** Runs {@code action} once the processor has reached ERROR (at once if it has). */
  public void onError(final Runnable action) {
    failed.thenRun(action);
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

package wxfunnel.local;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import wxfunnel.events.Ecosystem;
import wxfunnel.registry.RegistryServer;
import wxfunnel.topics.TopicAdmin;

/**
 * The local default: a real Kafka broker and the schema registry that stores its schemas on it.
 * A restart on the same data directory keeps topics, data and schema ids.
 */
public final class LocalStack implements AutoCloseable {

  public static final int DEFAULT_KAFKA_PORT = 9092;
  public static final int DEFAULT_REGISTRY_PORT = 8081;

  private final LocalKafka kafka;
  private final RegistryServer registry;

  private LocalStack(final LocalKafka kafka, final RegistryServer registry) {
    this.kafka = kafka;
    this.registry = registry;
  }

  /** Starts both; a port of 0 picks a free one. */
  public static LocalStack start(final Path dataDir, final int kafkaPort, final int registryPort) throws IOException {
    final LocalKafka kafka = LocalKafka.start(dataDir, kafkaPort);
    try {
      return new LocalStack(kafka, RegistryServer.start(kafka.clientConfig(), registryPort));
    } catch (IOException | RuntimeException e) {
      kafka.close();
      throw e;
    }
  }

  /** A stack on any free ports with the topics of {@code ecosystems}, {@code partitions} each: what a test starts from. */
  public static LocalStack withTopics(final Path dataDir, final Set<Ecosystem> ecosystems, final int partitions) throws IOException {
    final LocalStack stack = start(dataDir, 0, 0);
    try (TopicAdmin topics = new TopicAdmin(stack.kafka().clientConfig())) {
      topics.create(ecosystems, partitions);
      return stack;
    } catch (RuntimeException e) {
      stack.close();
      throw e;
    }
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  public String registryUrl() {
    return registry.url();
  }

  public LocalKafka kafka() {
    return kafka;
  }

  @Override
  public void close() {
    registry.close();
    kafka.close();
  }
}

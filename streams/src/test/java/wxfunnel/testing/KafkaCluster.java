package wxfunnel.testing;

import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import wxfunnel.local.ChildJvm;
import wxfunnel.local.LocalKafka;

/**
 * A real Apache Kafka cluster of three KRaft nodes, each broker and controller, each its own
 * {@code kafka.Kafka} child process, so one can be killed with SIGKILL. Topics get three replicas
 * and need two in sync; so do the consumer offsets and the transaction log: losing one node loses
 * neither data nor the controller quorum.
 */
public final class KafkaCluster implements AutoCloseable {

  private static final int NODES = 3;

  private final List<Process> nodes;
  private final String bootstrapServers;

  private KafkaCluster(final List<Process> nodes, final String bootstrapServers) {
    this.nodes = nodes;
    this.bootstrapServers = bootstrapServers;
  }

  /** Formats a log directory per node under {@code dir}, starts the nodes and waits until all three are brokers of the cluster. */
  public static KafkaCluster start(final Path dir) throws Exception {
    final List<Integer> brokerPorts = IntStream.range(0, NODES).mapToObj(i -> Ports.free()).toList();
    final List<Integer> controllerPorts = IntStream.range(0, NODES).mapToObj(i -> Ports.free()).toList();
    final String voters = IntStream.range(0, NODES)
        .mapToObj(i -> (i + 1) + "@127.0.0.1:" + controllerPorts.get(i)).collect(Collectors.joining(","));
    final String clusterId = Uuid.randomUuid().toString();
    final List<Process> nodes = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      final int nodeId = i + 1;
      final Path logDir = Files.createDirectories(dir.resolve("node-" + nodeId));
      LocalKafka.format(logDir, nodeId, clusterId, Map.of());
      final Path config = dir.resolve("node-" + nodeId + ".properties");
      try (var out = Files.newOutputStream(config)) {
        LocalKafka.nodeConfig(nodeId, logDir, brokerPorts.get(i), controllerPorts.get(i), voters, NODES).store(out, null);
      }
      nodes.add(new ProcessBuilder(ChildJvm.command(List.of("-Xmx768m"), "kafka.Kafka", List.of(config.toString())))
          .redirectErrorStream(true).redirectOutput(dir.resolve("node-" + nodeId + ".log").toFile())
          .start());
    }
    final String bootstrap = brokerPorts.stream().map(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
    final KafkaCluster cluster = new KafkaCluster(nodes, bootstrap);
    try (Admin admin = Admin.create(cluster.clientConfig())) {
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
          .until(() -> admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size() == NODES);
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  public Map<String, Object> clientConfig() {
    return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
  }

  /** SIGKILL to node {@code nodeId} (1 to 3): no controlled shutdown, its leaderships move when the controller notices. */
  public void kill(final int nodeId) throws InterruptedException {
    nodes.get(nodeId - 1).destroyForcibly().waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    nodes.forEach(Process::destroy);
    for (final Process node : nodes) {
      if (!node.waitFor(30, TimeUnit.SECONDS)) {
        node.destroyForcibly().waitFor();
      }
    }
  }
}

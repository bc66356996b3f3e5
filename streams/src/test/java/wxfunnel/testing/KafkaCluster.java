package wxfunnel.testing;

import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real Apache Kafka cluster of three KRaft nodes, each broker and controller, each its own
 * {@code kafka.Kafka} child process, so one can be killed with SIGKILL. Topics get three replicas
 * and need two in sync; so do the consumer offsets and the transaction log: losing one node loses
 * neither data nor the controller quorum.
 */
public final class KafkaCluster implements AutoCloseable {

  private static final int NODES = 3;
  private static final String CONTROLLER = "CONTROLLER";

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
      format(logDir, nodeId, clusterId);
      final Path config = dir.resolve("node-" + nodeId + ".properties");
      try (var out = Files.newOutputStream(config)) {
        nodeConfig(nodeId, logDir, brokerPorts.get(i), controllerPorts.get(i), voters).store(out, null);
      }
      nodes.add(new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx768m", "-cp", System.getProperty("java.class.path"), "kafka.Kafka", config.toString()))
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

  private static Properties nodeConfig(final int nodeId, final Path logDir, final int brokerPort, final int controllerPort,
      final String voters) {
    final Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", String.valueOf(nodeId));
    p.put("controller.quorum.voters", voters);
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + "," + CONTROLLER + "://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
    p.put("controller.listener.names", CONTROLLER);
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER + ":PLAINTEXT");
    p.put("log.dirs", logDir.toAbsolutePath().toString());
    p.put("default.replication.factor", String.valueOf(NODES));
    p.put("min.insync.replicas", "2");
    p.put("offsets.topic.replication.factor", String.valueOf(NODES));
    p.put("offsets.topic.num.partitions", "10");
    p.put("transaction.state.log.replication.factor", String.valueOf(NODES));
    p.put("transaction.state.log.min.isr", "2");
    p.put("transaction.state.log.num.partitions", "10");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("auto.create.topics.enable", "false");
    return p;
  }

  private static void format(final Path logDir, final int nodeId, final String clusterId) throws Exception {
    new Formatter()
        .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
        .setNodeId(nodeId)
        .setClusterId(clusterId)
        .setDirectories(List.of(logDir.toAbsolutePath().toString()))
        .setMetadataLogDirectory(logDir.toAbsolutePath().toString())
        .setReleaseVersion(MetadataVersion.latestProduction())
        .setControllerListenerName(CONTROLLER)
        .run();
  }
}

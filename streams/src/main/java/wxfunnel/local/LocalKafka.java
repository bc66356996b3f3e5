package wxfunnel.local;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node Apache Kafka broker in KRaft mode (broker and controller in one process),
 * started in this JVM. Its log directory is formatted on first use; a restart on the same
 * directory keeps the cluster id, topics and data.
 */
public final class LocalKafka implements AutoCloseable {

  private static final String CONTROLLER = "CONTROLLER";
  private static final Duration READY_TIMEOUT = Duration.ofMinutes(2);

  private final KafkaRaftServer server;
  private final String bootstrapServers;

  private LocalKafka(final KafkaRaftServer server, final String bootstrapServers) {
    this.server = server;
    this.bootstrapServers = bootstrapServers;
  }

  /** Starts a broker listening on 127.0.0.1:{@code port} (0 picks a free port), data under {@code dataDir}. */
  public static LocalKafka start(final Path dataDir, final int port) throws IOException {
    final Path logDir = dataDir.resolve("kafka");
    Files.createDirectories(logDir);
    final int brokerPort = port == 0 ? freePort() : port;
    final Properties config = serverConfig(logDir, brokerPort, freePort());
    if (!Files.exists(logDir.resolve("meta.properties"))) {
      format(logDir);
    }
    final KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(config, false), Time.SYSTEM);
    server.startup();
    final LocalKafka kafka = new LocalKafka(server, "127.0.0.1:" + brokerPort);
    kafka.awaitReady();
    return kafka;
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Client settings that reach this broker. */
  public Map<String, Object> clientConfig() {
    return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
  }

  @Override
  public void close() {
    server.shutdown();
    server.awaitShutdown();
  }

  private static Properties serverConfig(final Path logDir, final int brokerPort, final int controllerPort) {
    final Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + "," + CONTROLLER + "://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
    p.put("controller.listener.names", CONTROLLER);
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER + ":PLAINTEXT");
    p.put("log.dirs", logDir.toAbsolutePath().toString());
    // One node: every internal topic has one replica, and nothing waits for others.
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "10");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "10");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    // Topics are created on purpose, with their contract's configs (`wxfunnel topics create`).
    p.put("auto.create.topics.enable", "false");
    p.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
    return p;
  }

  private static void format(final Path logDir) throws IOException {
    try {
      new Formatter()
          .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
          .setNodeId(1)
          .setClusterId(Uuid.randomUuid().toString())
          .setDirectories(List.of(logDir.toAbsolutePath().toString()))
          .setMetadataLogDirectory(logDir.toAbsolutePath().toString())
          .setReleaseVersion(MetadataVersion.latestProduction())
          .setControllerListenerName(CONTROLLER)
          .run();
    } catch (Exception e) {
      throw new IOException("cannot format the Kafka log directory " + logDir + ": " + e.getMessage(), e);
    }
  }

  private void awaitReady() {
    try (Admin admin = Admin.create(clientConfig())) {
      admin.describeCluster().nodes().get(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      close();
      throw new IllegalStateException("the local Kafka broker at " + bootstrapServers + " did not become ready: " + e.getMessage(), e);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }
}

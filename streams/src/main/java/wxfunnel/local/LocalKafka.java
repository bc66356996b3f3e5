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
import org.apache.kafka.common.config.SaslConfigs;
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

  /** The SCRAM mechanism of a secured broker. */
  public static final String SCRAM = "SCRAM-SHA-256";
  /** The superuser of a secured broker, who creates topics and ACLs. */
  public static final String ADMIN = "admin";

  private final KafkaRaftServer server;
  private final String bootstrapServers;
  private final Map<String, Object> clientConfig;

  private LocalKafka(final KafkaRaftServer server, final String bootstrapServers, final Map<String, Object> clientConfig) {
    this.server = server;
    this.bootstrapServers = bootstrapServers;
    this.clientConfig = clientConfig;
  }

  /** Starts a broker listening on 127.0.0.1:{@code port} (0 picks a free port), data under {@code dataDir}. */
  public static LocalKafka start(final Path dataDir, final int port) throws IOException {
    return start(dataDir, port, Map.of());
  }

  /**
   * Starts a broker whose clients must authenticate with SASL/SCRAM as one of {@code users} (name
   * to password, {@link #ADMIN} among them) and are authorized by the {@code StandardAuthorizer}:
   * without an ACL, only {@link #ADMIN} may do anything. {@link #clientConfig()} authenticates as
   * {@link #ADMIN}. With no users, a plain broker.
   */
  public static LocalKafka start(final Path dataDir, final int port, final Map<String, String> users) throws IOException {
    final Path logDir = dataDir.resolve("kafka");
    Files.createDirectories(logDir);
    final int brokerPort = port == 0 ? freePort() : port;
    final int controllerPort = freePort();
    final Properties config = serverConfig(logDir, brokerPort, controllerPort);
    final String bootstrap = "127.0.0.1:" + brokerPort;
    Map<String, Object> client = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    if (!users.isEmpty()) {
      secure(config, brokerPort, controllerPort, users.get(ADMIN));
      client = scramClient(bootstrap, ADMIN, users.get(ADMIN));
    }
    if (!Files.exists(logDir.resolve("meta.properties"))) {
      format(logDir, users);
    }
    final KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(config, false), Time.SYSTEM);
    server.startup();
    final LocalKafka kafka = new LocalKafka(server, bootstrap, client);
    kafka.awaitReady();
    return kafka;
  }

  /** Client settings that authenticate to a secured broker as {@code user}. */
  public static Map<String, Object> scramClient(final String bootstrapServers, final String user, final String password) {
    return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
        SaslConfigs.SASL_MECHANISM, SCRAM,
        SaslConfigs.SASL_JAAS_CONFIG, jaas(user, password));
  }

  private static String jaas(final String user, final String password) {
    return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
        + password + "\";";
  }

  /** Clients and brokers talk SASL/SCRAM; the controller listener stays on the loopback, in plain text. */
  private static void secure(final Properties p, final int brokerPort, final int controllerPort, final String adminPassword) {
    p.put("listeners", "SASL_PLAINTEXT://127.0.0.1:" + brokerPort + "," + CONTROLLER + "://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "SASL_PLAINTEXT://127.0.0.1:" + brokerPort);
    p.put("inter.broker.listener.name", "SASL_PLAINTEXT");
    p.put("listener.security.protocol.map", "SASL_PLAINTEXT:SASL_PLAINTEXT," + CONTROLLER + ":PLAINTEXT");
    p.put("sasl.enabled.mechanisms", SCRAM);
    p.put("sasl.mechanism.inter.broker.protocol", SCRAM);
    p.put("listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config", jaas(ADMIN, adminPassword));
    p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
    // The controller listener is plain text on the loopback: its peer is this same node.
    p.put("super.users", "User:" + ADMIN + ";User:ANONYMOUS");
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Client settings that reach this broker. */
  public Map<String, Object> clientConfig() {
    return clientConfig;
  }

  @Override
  public void close() {
    server.shutdown();
    server.awaitShutdown();
  }

  private static Properties serverConfig(final Path logDir, final int brokerPort, final int controllerPort) {
    return nodeConfig(1, logDir, brokerPort, controllerPort, "1@127.0.0.1:" + controllerPort, 1);
  }

  /**
   * The settings of node {@code nodeId}, a broker and controller on the loopback, of a cluster of
   * {@code nodes} nodes whose controllers are {@code voters}: every internal topic has a replica on
   * each node, and a write needs two of them when there are more than one.
   */
  public static Properties nodeConfig(final int nodeId, final Path logDir, final int brokerPort, final int controllerPort,
      final String voters, final int nodes) {
    final String replicas = String.valueOf(nodes);
    final String minInSync = String.valueOf(Math.min(2, nodes));
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
    p.put("default.replication.factor", replicas);
    p.put("min.insync.replicas", minInSync);
    p.put("offsets.topic.replication.factor", replicas);
    p.put("offsets.topic.num.partitions", "10");
    p.put("transaction.state.log.replication.factor", replicas);
    p.put("transaction.state.log.min.isr", minInSync);
    p.put("transaction.state.log.num.partitions", "10");
    p.put("share.coordinator.state.topic.replication.factor", replicas);
    p.put("share.coordinator.state.topic.min.isr", minInSync);
    p.put("group.initial.rebalance.delay.ms", "0");
    // Topics are created on purpose, with their contract's configs (`wxfunnel topics create`).
    p.put("auto.create.topics.enable", "false");
    p.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
    return p;
  }

  private static void format(final Path logDir, final Map<String, String> users) throws IOException {
    format(logDir, 1, Uuid.randomUuid().toString(), users);
  }

  /** Formats the log directory of node {@code nodeId} of cluster {@code clusterId}, with SCRAM {@code users} (name to password). */
  public static void format(final Path logDir, final int nodeId, final String clusterId, final Map<String, String> users)
      throws IOException {
    try {
      new Formatter()
          .setScramArguments(users.entrySet().stream()
              .map(user -> SCRAM + "=[name=" + user.getKey() + ",password=" + user.getValue() + "]").toList())
          .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
          .setNodeId(nodeId)
          .setClusterId(clusterId)
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

package wxfunnel.cli;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import wxfunnel.registry.RegistryClient;

/** The flags every command that talks to a cluster shares, named as Kafka's own tools name them. */
final class ClientOptions {

  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", defaultValue = "127.0.0.1:9092",
      description = "Kafka brokers to connect to (default: ${DEFAULT-VALUE}).")
  String bootstrapServers;

  @Option(names = "--schema-registry-url", paramLabel = "URL", defaultValue = "http://127.0.0.1:8081",
      description = "Confluent-compatible schema registry (default: ${DEFAULT-VALUE}).")
  String schemaRegistryUrl;

  @Option(names = ConfigDefaults.CONFIG_FLAG, paramLabel = "FILE",
      description = "Properties file: flag names as keys (bootstrap-servers=...), kafka.* passed to the Kafka clients.")
  String configFile;

  /** Kafka client settings: the bootstrap servers and every {@code kafka.*} property of the config file. */
  Map<String, Object> kafkaConfig() {
    final Map<String, Object> config = new HashMap<>(((ConfigDefaults) command.root().defaultValueProvider()).kafkaProperties());
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return config;
  }

  RegistryClient registry() {
    return new RegistryClient(schemaRegistryUrl);
  }
}

package wxfunnel.serde;

import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import wxfunnel.registry.RegistryClient;

/** The serde's settings, named as Confluent's serde names them, read from Kafka client configs. */
public final class SerdeConfig {

  public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
  public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";

  private final Map<String, ?> configs;

  SerdeConfig(final Map<String, ?> configs) {
    this.configs = configs;
  }

  /** TopicNameStrategy: {@code <topic>-key} or {@code <topic>-value}. */
  public static String subject(final String topic, final boolean isKey) {
    return topic + (isKey ? "-key" : "-value");
  }

  RegistryClient registry() {
    final Object url = configs.get(SCHEMA_REGISTRY_URL);
    if (url == null || url.toString().isBlank()) {
      throw new ConfigException(SCHEMA_REGISTRY_URL + " is not set: the Avro serde needs a schema registry URL");
    }
    return new RegistryClient(url.toString());
  }

  boolean autoRegister() {
    final Object value = configs.get(AUTO_REGISTER_SCHEMAS);
    return value == null || Boolean.parseBoolean(value.toString());
  }
}

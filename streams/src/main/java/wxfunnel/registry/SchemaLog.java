package wxfunnel.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import wxfunnel.registry.SchemaRepository.ConfigEntry;
import wxfunnel.registry.SchemaRepository.Entry;
import wxfunnel.registry.SchemaRepository.SchemaEntry;

/**
 * The registry's durable store: a compacted, single-partition Kafka topic ({@code _schemas} by
 * default) in the record format of Confluent Schema Registry, so ids survive a restart.
 */
final class SchemaLog implements AutoCloseable {

  static final String DEFAULT_TOPIC = "_schemas";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final ObjectMapper json = new ObjectMapper();

  private final String topic;
  private final TopicPartition partition;
  private final Map<String, Object> clientConfig;
  private final KafkaProducer<String, String> producer;

  SchemaLog(final Map<String, Object> clientConfig, final String topic) {
    this.topic = topic;
    this.partition = new TopicPartition(topic, 0);
    this.clientConfig = Map.copyOf(clientConfig);
    final Properties producerConfig = new Properties();
    producerConfig.putAll(clientConfig);
    producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
    producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    this.producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer());
  }

  /** Creates the compacted topic when it is missing. */
  void ensureTopic() {
    try (Admin admin = Admin.create(clientConfig)) {
      final int brokers = admin.describeCluster().nodes().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).size();
      final NewTopic newTopic = new NewTopic(topic, 1, (short) Math.min(3, brokers))
          .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
      admin.createTopics(List.of(newTopic)).all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("cannot create the registry topic " + topic + ": " + e.getCause().getMessage(), e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating " + topic, e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("Kafka did not answer within " + TIMEOUT + " while creating " + topic, e);
    }
  }

  /** Feeds every entry from the start of the log to its current end, in order. */
  void replay(final Consumer<Entry> apply) {
    final Properties config = new Properties();
    config.putAll(clientConfig);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      final long end = consumer.endOffsets(List.of(partition), TIMEOUT).get(partition);
      while (consumer.position(partition, TIMEOUT) < end) {
        for (final ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          decode(record.key(), record.value()).ifPresent(apply);
        }
      }
    }
  }

  /** Writes an entry and waits until the broker has it. */
  void append(final Entry entry) {
    try {
      producer.send(new ProducerRecord<>(topic, 0, key(entry), value(entry))).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new RegistryException(500, RegistryException.STORE_ERROR, "cannot write to " + topic + ": " + e.getCause().getMessage());
    } catch (TimeoutException e) {
      throw new RegistryException(500, RegistryException.STORE_ERROR, "Kafka did not acknowledge the write to " + topic + " within " + TIMEOUT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException(500, RegistryException.STORE_ERROR, "interrupted while writing to " + topic);
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }

  private static String key(final Entry entry) {
    final ObjectNode key = json.createObjectNode();
    if (entry instanceof SchemaEntry s) {
      key.put("keytype", "SCHEMA").put("subject", s.subject()).put("version", s.version()).put("magic", 1);
    } else if (entry instanceof ConfigEntry c) {
      key.put("keytype", "CONFIG").put("subject", c.subject()).put("magic", 0);
    }
    return key.toString();
  }

  private static String value(final Entry entry) {
    final ObjectNode value = json.createObjectNode();
    if (entry instanceof SchemaEntry s) {
      value.put("subject", s.subject()).put("version", s.version()).put("id", s.id())
          .put("schema", s.schema()).put("deleted", false);
    } else if (entry instanceof ConfigEntry c) {
      value.put("compatibilityLevel", c.level().name());
    }
    return value.toString();
  }

  private static Optional<Entry> decode(final String key, final String value) {
    if (key == null || value == null) {
      return Optional.empty();
    }
    try {
      final JsonNode k = json.readTree(key);
      final JsonNode v = json.readTree(value);
      return switch (k.path("keytype").asText()) {
        case "SCHEMA" -> v.path("deleted").asBoolean(false)
            ? Optional.empty()
            : Optional.of(new SchemaEntry(v.path("subject").asText(), v.path("version").asInt(),
                v.path("id").asInt(), v.path("schema").asText()));
        case "CONFIG" -> Optional.of(new ConfigEntry(
            k.path("subject").isTextual() ? k.path("subject").asText() : null,
            Compatibility.parse(v.path("compatibilityLevel").asText())));
        default -> Optional.empty();
      };
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable record in the registry topic", e);
    }
  }
}

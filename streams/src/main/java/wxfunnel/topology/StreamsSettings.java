package wxfunnel.topology;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndFailExceptionHandler;
import wxfunnel.events.Ecosystem;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;

/** The Kafka Streams settings of one ecosystem's processor; anything given explicitly wins. */
public final class StreamsSettings {

  static final long STORE_CACHE_BYTES = 64L << 20;
  /**
   * A payment crosses three exactly-once hops before its conversion is readable (the by-payment and
   * by-person repartitions, then the output), each waiting for up to a commit interval. Measured by
   * {@code bench}: p99 1.2 s at 200 ms, 2.2 s at 500 ms, the pipeline's rate the same within noise.
   */
  public static final long COMMIT_INTERVAL_MS = 200;
  /**
   * With transactions v2 the broker takes only sequence 0 as a partition's first write of a
   * transaction; while that write waits (CONCURRENT_TRANSACTIONS, the previous commit's markers not
   * yet written), a second request in flight is refused with OUT_OF_ORDER_SEQUENCE_NUMBER and
   * retried (KAFKA-18202). One request in flight per broker keeps the writes in order.
   */
  public static final int ONE_REQUEST_IN_FLIGHT = 1;
  /**
   * A consumer reads each fetch response into one heap buffer as large as the response: with
   * Kafka's default, up to 50 MiB in one piece, which a small heap may not find even when it has
   * the room ({@code bench} at {@code -Xmx512m} ran out of heap there in one run of three). 8 MiB
   * still brings tens of thousands of records per fetch.
   */
  static final int FETCH_MAX_BYTES = 8 << 20;

  private StreamsSettings() {}

  /**
   * Settings for {@code ecosystem}: {@code given} first (a file, env var or flag always wins),
   * then the defaults below.
   */
  public static Properties of(final Ecosystem ecosystem, final Map<String, Object> given, final Path stateDir) {
    return of(new Names(ecosystem), given, stateDir);
  }

  /** Settings for the processor named by {@code names}: a shadow has its own application id and DLQ. */
  public static Properties of(final Names names, final Map<String, Object> given, final Path stateDir) {
    final Ecosystem ecosystem = names.ecosystem();
    final Properties p = new Properties();
    p.putAll(given);
    p.putIfAbsent(StreamsConfig.APPLICATION_ID_CONFIG, names.applicationId());
    p.putIfAbsent(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    // Each ecosystem keeps its state apart: its own directory under the given one.
    p.putIfAbsent(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(EcoTopic.prefix(ecosystem)).toString());
    p.putIfAbsent(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
    p.putIfAbsent(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDb.class.getName());
    p.putIfAbsent(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, names.topic(EcoTopic.DLQ));
    p.putIfAbsent(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class.getName());
    // Input bytes are decoded by the processors themselves; internal topics failing to decode is a bug.
    p.putIfAbsent(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndFailExceptionHandler.class.getName());
    p.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
    // The query API's tables restore from the output topics they read, as the topology is built.
    p.putIfAbsent(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, StreamsConfig.REUSE_KTABLE_SOURCE_TOPICS);
    // The stores' write cache, shared by the instance's threads (Kafka's default is 10 MiB).
    p.putIfAbsent(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, STORE_CACHE_BYTES);
    p.putIfAbsent(StreamsConfig.REPLICATION_FACTOR_CONFIG, -1);
    p.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION), ONE_REQUEST_IN_FLIGHT);
    // Kafka Streams lets a prefixed key win over the plain one: the default only when neither is given.
    if (!p.containsKey(ConsumerConfig.FETCH_MAX_BYTES_CONFIG)) {
      p.putIfAbsent(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_BYTES_CONFIG), FETCH_MAX_BYTES);
    }
    return p;
  }
}

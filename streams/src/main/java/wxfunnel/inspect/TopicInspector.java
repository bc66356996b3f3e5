package wxfunnel.inspect;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import wxfunnel.registry.SchemaRegistry;
import wxfunnel.serde.AvroDeserializer;
import wxfunnel.topics.DeadLetters;

/**
 * Prints a topic's committed records as JSON lines, values decoded through the registry. A value
 * that does not decode (a DLQ's, often) is printed as its raw bytes with the reason it does not;
 * DLQ records carry their reason headers, and their raw bytes always.
 */
public final class TopicInspector {

  /** Where to start: the beginning, a time, or the end (then it waits for new records). */
  public sealed interface Start {
    record Beginning() implements Start {}

    record At(Instant time) implements Start {}

    record End() implements Start {}
  }

  /** What to print. {@code key} null: every key; {@code limit} 0: no limit. */
  public record Query(String topic, Start start, long limit, String key) {}

  private static final ObjectMapper json = new ObjectMapper();
  private static final Duration POLL = Duration.ofMillis(200);

  private final Map<String, Object> kafka;
  private final AvroDeserializer<GenericRecord> values;

  public TopicInspector(final Map<String, Object> kafka, final SchemaRegistry registry) {
    this.kafka = kafka;
    this.values = new AvroDeserializer<>(registry);
  }

  /**
   * Prints the records of {@code query} to {@code out}; returns how many. From the beginning or a
   * time it stops at the end the topic had when it started; from the end it follows the topic
   * until the limit or {@code stop}.
   */
  public long print(final Query query, final PrintStream out, final BooleanSupplier stop) {
    final Map<String, Object> config = new HashMap<>(kafka);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      final List<TopicPartition> partitions = new ArrayList<>();
      consumer.partitionsFor(query.topic(), Duration.ofSeconds(30))
          .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
      if (partitions.isEmpty()) {
        throw new IllegalArgumentException("no topic " + query.topic() + " on the cluster");
      }
      consumer.assign(partitions);
      final Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      seek(consumer, partitions, query.start(), ends);
      final boolean follow = query.start() instanceof Start.End;
      long printed = 0;
      while (!stop.getAsBoolean() && (query.limit() == 0 || printed < query.limit())
          && (follow || partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p)))) {
        for (final ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
          if ((query.key() == null || query.key().equals(text(record.key()))) && (query.limit() == 0 || printed < query.limit())) {
            out.println(line(record));
            printed++;
          }
        }
      }
      out.flush();
      return printed;
    }
  }

  private static void seek(final KafkaConsumer<byte[], byte[]> consumer, final List<TopicPartition> partitions,
      final Start start, final Map<TopicPartition, Long> ends) {
    if (start instanceof Start.Beginning) {
      consumer.seekToBeginning(partitions);
    } else if (start instanceof Start.At at) {
      final Map<TopicPartition, Long> times = new HashMap<>();
      partitions.forEach(p -> times.put(p, at.time().toEpochMilli()));
      final Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(times);
      partitions.forEach(p -> consumer.seek(p, found.get(p) == null ? ends.get(p) : found.get(p).offset()));
    } else {
      consumer.seekToEnd(partitions);
    }
  }

  /** One record as a JSON object: where it is, its key, headers and value. */
  String line(final ConsumerRecord<byte[], byte[]> record) {
    final ObjectNode line = json.createObjectNode();
    line.put("topic", record.topic());
    line.put("partition", record.partition());
    line.put("offset", record.offset());
    line.put("timestamp", Instant.ofEpochMilli(record.timestamp()).toString());
    line.put("key", text(record.key()));
    if (record.headers().toArray().length > 0) {
      final ObjectNode headers = line.putObject("headers");
      for (final Header header : record.headers()) {
        headers.put(header.key(), text(header.value()));
      }
    }
    final boolean deadLetter = record.headers().lastHeader(DeadLetters.REASON) != null;
    if (record.value() == null) {
      line.putNull("value");
      return line.toString();
    }
    try {
      final GenericRecord value = values.deserialize(record.topic(), record.value());
      line.put("schema", value.getSchema().getFullName());
      line.set("value", json.readTree(GenericData.get().toString(value)));
    } catch (Exception e) {
      line.put("undecodable", e.getMessage());
    }
    if (deadLetter || line.has("undecodable")) {
      line.put("raw", Base64.getEncoder().encodeToString(record.value()));
    }
    return line.toString();
  }

  /** UTF-8 text, or base64 for bytes that are not. */
  private static String text(final byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return "base64:" + Base64.getEncoder().encodeToString(bytes);
    }
  }
}

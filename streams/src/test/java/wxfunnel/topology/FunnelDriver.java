package wxfunnel.topology;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.test.TestRecord;
import wxfunnel.events.ContentPerformance;
import wxfunnel.events.Conversion;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;
import wxfunnel.internal.PersonState;
import wxfunnel.reference.ReferenceModel;
import wxfunnel.registry.SchemaRegistry;
import wxfunnel.serde.AvroDeserializer;
import wxfunnel.serde.AvroSerdes;
import wxfunnel.serde.AvroSerializer;
import wxfunnel.topics.DeadLetters;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Ledger;
import wxfunnel.topics.Names;

/**
 * The real topology of one ecosystem in a TopologyTestDriver, with typed access to its topics and
 * stores. Its stores are in memory: opening and closing RocksDB is most of a short-lived driver's
 * time, and the broker tests ({@code *OnABrokerTest}, {@code faults/}) run the same topology on RocksDB.
 */
final class FunnelDriver implements AutoCloseable {

  /** The wall clock the processors see: far enough ahead that test event times are not "future". */
  static final Instant WALL_CLOCK = Instant.parse("2027-06-01T00:00:00Z");

  /** One DLQ record: its reason and source headers, and its bytes. */
  record DeadLetter(String reason, String sourceTopic, byte[] key, byte[] value) {}

  final Names names;
  final TopologyTestDriver driver;
  private boolean closed;
  private boolean together;
  private final Path stateDir;
  private final Serializer<SpecificRecord> serializer;
  private final TestOutputTopic<String, Conversion> conversions;
  private final TestOutputTopic<String, FunnelRow> funnel;
  private final TestOutputTopic<String, ContentPerformance> content;
  private final TestOutputTopic<byte[], byte[]> dlq;

  FunnelDriver(final Ecosystem ecosystem, final FunnelConfig config, final SchemaRegistry registry) {
    this.names = new Names(ecosystem);
    final AvroSerdes serdes = new AvroSerdes(registry, true);
    this.stateDir = tempDir();
    final Properties props = StreamsSettings.of(ecosystem, Map.of(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092"), stateDir);
    this.driver = new TopologyTestDriver(
        FunnelTopology.build(names, config, serdes, Stores::inMemoryKeyValueStore), props, WALL_CLOCK);
    this.serializer = new AvroSerializer<>(registry, false, true);
    this.conversions = driver.createOutputTopic(names.topic(EcoTopic.CONVERSIONS), new StringDeserializer(),
        new AvroDeserializer<>(registry, Conversion.class));
    this.funnel = driver.createOutputTopic(names.topic(EcoTopic.FUNNEL), new StringDeserializer(),
        new AvroDeserializer<>(registry, FunnelRow.class));
    this.content = driver.createOutputTopic(names.topic(EcoTopic.CONTENT_PERFORMANCE), new StringDeserializer(),
        new AvroDeserializer<>(registry, ContentPerformance.class));
    this.dlq = driver.createOutputTopic(names.topic(EcoTopic.DLQ), new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** Pipes events into their own topics (by type), in the order given, keyed by their event id. */
  FunnelDriver pipe(final SpecificRecord... events) {
    for (final SpecificRecord event : events) {
      pipe(topicOf(event), event);
    }
    return this;
  }

  /** Pipes an event into the given topic, whatever its type. */
  void pipe(final EcoTopic topic, final SpecificRecord event) {
    final String name = names.topic(topic);
    final String key = topic == EcoTopic.CONTENT ? event.get(0).toString() : null;
    final Instant at = topic == EcoTopic.CONTENT ? Instant.EPOCH : Input.common(event).eventTime();
    pipeBytes(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), serializer.serialize(name, event), at);
  }

  /**
   * Pipes raw bytes, stamped {@code at}. Producers stamp records about when the event happened;
   * the driver runs all sub-topologies in one task, so these stamps count toward stream time.
   */
  void pipeBytes(final EcoTopic topic, final byte[] key, final byte[] value, final Instant at) {
    final TestInputTopic<byte[], byte[]> input = driver.createInputTopic(names.topic(topic), new ByteArraySerializer(), new ByteArraySerializer());
    input.pipeInput(key, value, at);
    if (!together) {
      twoSeconds();
    }
  }

  /**
   * Pipes events as {@link #pipe} does, but with no time passing between them: the changes they
   * make to funnel rows are sent together, once they are all in.
   */
  FunnelDriver pipeTogether(final SpecificRecord... events) {
    together = true;
    try {
      pipe(events);
    } finally {
      together = false;
    }
    twoSeconds();
    return this;
  }

  /**
   * Each second the doors announce their partitions' clocks and the persons their watermark (and
   * send their changes to the rows before it): two seconds carry a clock to the funnel rows.
   */
  private void twoSeconds() {
    driver.advanceWallClockTime(IntakeProcessor.CLOCK_INTERVAL);
    driver.advanceWallClockTime(IntakeProcessor.CLOCK_INTERVAL);
  }

  /** The bytes the registry serde makes of an event for a topic: what a producer would send. */
  byte[] bytesOf(final EcoTopic topic, final SpecificRecord event) {
    return serializer.serialize(names.topic(topic), event);
  }

  /**
   * The conversions written, without their payer: the hand-worked expectations state attribution,
   * and the reference model and BothEcosystemsOnABrokerTest check the payer.
   */
  Map<String, Conversion> conversionsWithPayers() {
    return conversions.readKeyValuesToMap();
  }

  Map<String, Conversion> conversions() {
    final Map<String, Conversion> byKey = conversions.readKeyValuesToMap();
    byKey.values().stream().filter(Objects::nonNull).forEach(conversion -> conversion.setPayer(null));
    return byKey;
  }

  List<KeyValue<String, Conversion>> conversionRecords() {
    return conversions.readKeyValuesToList();
  }

  /** The conversions written, with their Kafka timestamps. */
  List<TestRecord<String, Conversion>> conversionTestRecords() {
    return conversions.readRecordsToList();
  }

  /** The latest value per funnel key; a tombstone removes the key. */
  Map<String, FunnelRow> funnel() {
    final Map<String, FunnelRow> latest = new TreeMap<>();
    for (final KeyValue<String, FunnelRow> record : funnel.readKeyValuesToList()) {
      if (record.value == null) {
        latest.remove(record.key);
      } else {
        latest.put(record.key, record.value);
      }
    }
    return latest;
  }

  /** The latest value per content-performance key. */
  Map<String, ContentPerformance> content() {
    final Map<String, ContentPerformance> latest = new TreeMap<>();
    content.readKeyValuesToList().forEach(record -> latest.put(record.key, record.value));
    return latest;
  }

  List<DeadLetter> deadLetters() {
    final List<DeadLetter> letters = new ArrayList<>();
    for (final TestRecord<byte[], byte[]> record : dlq.readRecordsToList()) {
      letters.add(new DeadLetter(header(record, DeadLetters.REASON), header(record, DeadLetters.SOURCE_TOPIC), record.key(), record.value()));
    }
    return letters;
  }

  /** Each DLQ record as the reference model names it: reason and source. */
  Set<ReferenceModel.DeadLetter> deadLetterSources() {
    final Set<ReferenceModel.DeadLetter> letters = new HashSet<>();
    for (final TestRecord<byte[], byte[]> record : dlq.readRecordsToList()) {
      letters.add(new ReferenceModel.DeadLetter(header(record, DeadLetters.REASON), header(record, DeadLetters.SOURCE_TOPIC),
          Integer.parseInt(header(record, DeadLetters.SOURCE_PARTITION)), Long.parseLong(header(record, DeadLetters.SOURCE_OFFSET))));
    }
    return letters;
  }

  /** Each DLQ record's headers, as {@code name=value} joined by spaces. */
  List<String> deadLetterHeaders() {
    final List<String> all = new ArrayList<>();
    for (final TestRecord<byte[], byte[]> record : dlq.readRecordsToList()) {
      final List<String> pairs = new ArrayList<>();
      record.headers().forEach(h -> pairs.add(h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8)));
      all.add(String.join(" ", pairs));
    }
    return all;
  }

  /** Entries of a key-value store, by key. */
  <K, V> Map<K, V> store(final String what) {
    final KeyValueStore<K, V> store = driver.getKeyValueStore(names.of(what));
    final Map<K, V> entries = new LinkedHashMap<>();
    try (KeyValueIterator<K, V> all = store.all()) {
      all.forEachRemaining(kv -> entries.put(kv.key, kv.value));
    }
    return entries;
  }

  /** The ledger's counts of outcomes, without the processor's bookkeeping. */
  Map<String, Long> ledger() {
    final Map<String, Long> counts = new TreeMap<>(this.<String, Long>store(Names.LEDGER));
    counts.keySet().removeIf(Ledger::isBookkeeping);
    return counts;
  }

  /** The ledger's count of persons in state. */
  long personsInState() {
    return this.<String, Long>store(Names.LEDGER).getOrDefault(Ledger.PERSONS_IN_STATE, 0L);
  }

  /** The event ids the persons' states remember for dedup: those of their touches and payments. */
  List<String> dedupKeys() {
    final List<String> keys = new ArrayList<>();
    this.<String, PersonState>store(Names.PERSONS).values().forEach(state -> {
      state.getTouches().forEach(touch -> keys.add(touch.getKind() + ":" + touch.getEventId()));
      state.getPayments().forEach(payment -> keys.add("PAYMENT:" + payment.getTransactionId()));
    });
    return keys;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    driver.close();
    deleteRecursively(stateDir);
  }

  private static EcoTopic topicOf(final SpecificRecord event) {
    return switch (event.getSchema().getName()) {
      case "ArticleRead" -> EcoTopic.READS;
      case "QrScan" -> EcoTopic.SCANS;
      case "CouponClick" -> EcoTopic.COUPON_CLICKS;
      case "Payment" -> EcoTopic.PAYMENTS;
      case "Article" -> EcoTopic.CONTENT;
      default -> throw new IllegalArgumentException("no topic for " + event.getSchema().getName());
    };
  }

  private static String header(final TestRecord<byte[], byte[]> record, final String name) {
    final Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static void deleteRecursively(final Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("wxfunnel-ttd");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

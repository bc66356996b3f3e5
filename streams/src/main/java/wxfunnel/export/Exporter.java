package wxfunnel.export;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Bytes;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import wxfunnel.events.Ecosystem;
import wxfunnel.registry.RegistryException;
import wxfunnel.registry.SchemaRegistry;
import wxfunnel.serde.AvroDeserializer;
import wxfunnel.serde.SerdeConfig;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topology.FunnelConfig;

/**
 * Writes the funnel rows, content performance and conversions of a day range to Parquet or CSV,
 * one file per ecosystem and table: {@code <output>/<eco>/<table>.parquet} (or {@code .csv}).
 *
 * <p>Each table comes from one compacted output topic, read as a {@code read_committed} consumer
 * finds it: every partition from its beginning up to the end it had when the read started. Only
 * the last value of each key counts and a tombstone removes its key, so a file holds one row per
 * live key whose day lies in the range. Values are decoded through the registry as generic
 * records and flattened by {@link Columns}: a field added to a schema becomes a column without a
 * change here. The rows go through an in-memory DuckDB, which writes the file.
 *
 * <p>These files hold exact, per-transaction data of one ecosystem and stay inside that
 * ecosystem's wall (DESIGN 6a): they pass no egress and must not be shared across the wall.
 */
public final class Exporter {

  /** The tables of an export, each from one compacted output topic, kept by the day of one field. */
  public enum Table {
    /** Funnel rows, by {@code cohort_day}. */
    FUNNEL(EcoTopic.FUNNEL, "cohort_day", true),
    /** Content performance, by {@code day}; a cluster set up before the topic existed has none, and it is skipped. */
    CONTENT_PERFORMANCE(EcoTopic.CONTENT_PERFORMANCE, "day", false),
    /** Conversions, by the day of {@code paid_at} in the ecosystem's reporting time zone. */
    CONVERSIONS(EcoTopic.CONVERSIONS, "paid_at", true);

    private final EcoTopic topic;
    private final String dayField;
    private final boolean required;

    Table(final EcoTopic topic, final String dayField, final boolean required) {
      this.topic = topic;
      this.dayField = dayField;
      this.required = required;
    }

    public EcoTopic topic() {
      return topic;
    }

    /** The field whose day, a date or a timestamp's day in the reporting time zone, decides whether a row is in the range. */
    public String dayField() {
      return dayField;
    }

    /** The table's name: its topic's without the ecosystem, e.g. {@code content-performance}. */
    public String label() {
      final Ecosystem any = Ecosystem.WEIXIN;
      return topic.topic(any).substring(EcoTopic.prefix(any).length() + 1);
    }
  }

  /** The file format; DuckDB's {@code COPY} options for it. */
  public enum Format {
    PARQUET("FORMAT PARQUET"),
    CSV("FORMAT CSV, HEADER");

    private final String copyOptions;

    Format(final String copyOptions) {
      this.copyOptions = copyOptions;
    }

    /** {@code parquet} or {@code csv}: the files' extension and the flag's value. */
    public String extension() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Format parse(final String value) {
      for (final Format format : values()) {
        if (format.extension().equalsIgnoreCase(value.trim())) {
          return format;
        }
      }
      throw new IllegalArgumentException("'" + value + "' is not a format: use parquet or csv");
    }
  }

  /** What to export: the tables of {@code ecosystems} whose day lies from {@code from} to {@code to}, both included. */
  public record Request(Set<Ecosystem> ecosystems, LocalDate from, LocalDate to, Format format, Path output) {
    public Request {
      if (ecosystems.isEmpty()) {
        throw new IllegalArgumentException("no ecosystem to export");
      }
      if (to.isBefore(from)) {
        throw new IllegalArgumentException("the day range ends (" + to + ") before it starts (" + from + ")");
      }
      ecosystems = EnumSet.copyOf(ecosystems);
    }

    boolean contains(final LocalDate day) {
      return day != null && !day.isBefore(from) && !day.isAfter(to);
    }
  }

  /** FunnelRow's field that names the reporting time zone of the processor that wrote it. */
  static final String TIME_ZONE_FIELD = "time_zone";

  private static final String DUCKDB_IN_MEMORY = "jdbc:duckdb:";
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);

  /**
   * What the read of one topic keeps.
   *
   * @param values the last value of each live key whose day is in the range, in the order keys first appeared
   * @param lastSchema the writer schema of the last value read; null when there was none
   * @param zone the time zone named by the newest value that names one; null when none does
   */
  private record Live(Map<Bytes, byte[]> values, Schema lastSchema, ZoneId zone) {}

  private final Map<String, Object> kafka;
  private final SchemaRegistry registry;
  private final AvroDeserializer<Object> values;
  private final PrintStream progress;

  /**
   * @param kafka Kafka client settings (bootstrap servers and any security settings)
   * @param registry the registry the topics' values were written with
   * @param progress where the progress bars and the summary lines go: stderr, for a person watching
   */
  public Exporter(final Map<String, Object> kafka, final SchemaRegistry registry, final PrintStream progress) {
    this.kafka = kafka;
    this.registry = registry;
    this.values = new AvroDeserializer<>(registry);
    this.progress = progress;
  }

  /** Where {@code table} of {@code eco} goes under {@code output}. */
  public static Path file(final Path output, final Ecosystem eco, final Table table, final Format format) {
    return output.resolve(EcoTopic.prefix(eco)).resolve(table.label() + "." + format.extension());
  }

  /**
   * Writes every table of every ecosystem of {@code request} and returns how many rows each file
   * got. A table that is skipped (no topic), or whose topic never had a value (no schema to take
   * columns from), gets no file and is not in the answer.
   */
  public Map<Ecosystem, Map<Table, Long>> export(final Request request) throws IOException, SQLException {
    final Map<Ecosystem, Map<Table, Long>> written = new EnumMap<>(Ecosystem.class);
    try (Connection db = DriverManager.getConnection(DUCKDB_IN_MEMORY)) {
      for (final Ecosystem eco : request.ecosystems()) {
        written.put(eco, export(db, eco, request));
      }
    }
    return written;
  }

  private Map<Table, Long> export(final Connection db, final Ecosystem eco, final Request request) throws IOException, SQLException {
    final Map<Table, Long> rows = new EnumMap<>(Table.class);
    // Until the funnel rows name the processor's reporting time zone, DESIGN's default for the ecosystem.
    ZoneId zone = FunnelConfig.defaultTimeZone(eco);
    for (final Table table : Table.values()) {
      final String topic = table.topic().topic(eco);
      final String label = EcoTopic.prefix(eco) + " " + table.label();
      final Live live = read(topic, label, table, request, zone);
      if (live == null) {
        if (table.required) {
          throw new IllegalStateException("no topic " + topic + " on the cluster (wxfunnel topics create makes it)");
        }
        progress.println(label + ": skipped, no topic " + topic + " on the cluster");
        continue;
      }
      final Schema schema = tableSchema(topic, live.lastSchema());
      if (schema == null) {
        progress.println(label + ": 0 rows, nothing was ever written to " + topic + ": no file");
      } else {
        final Path file = file(request.output(), eco, table, request.format());
        final long count = write(db, topic, EcoTopic.prefix(eco) + "_" + table.label().replace('-', '_'),
            Columns.of(schema, eco), live.values().values(), file, request.format());
        progress.println(label + ": " + count + " rows -> " + file);
        rows.put(table, count);
      }
      if (table == Table.FUNNEL) {
        zone = live.zone() != null ? live.zone() : zone;
        progress.println(EcoTopic.prefix(eco) + ": days of timestamps in " + zone
            + (live.zone() != null ? ", the funnel rows' time zone" : ", the default (no funnel row names one)"));
      }
    }
    return rows;
  }

  /** The live values of {@code topic} in the range; null when the cluster has no such topic. */
  private Live read(final String topic, final String label, final Table table, final Request request, final ZoneId zone) {
    final Map<String, Object> config = new HashMap<>(kafka);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // Asking for a missing topic must not create it.
    config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      final List<TopicPartition> partitions = consumer.partitionsFor(topic, METADATA_TIMEOUT).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      if (partitions.isEmpty()) {
        return null;
      }
      consumer.assign(partitions);
      final Map<TopicPartition, Long> begins = consumer.beginningOffsets(partitions);
      // read_committed: the last stable offsets, so the read ends where every transaction before it is decided.
      final Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      consumer.seekToBeginning(partitions);
      final Progress bar = new Progress(progress, label, partitions.stream().mapToLong(p -> ends.get(p) - begins.get(p)).sum());
      final Map<Bytes, byte[]> live = new LinkedHashMap<>();
      Schema lastSchema = null;
      ZoneId namedZone = null;
      long namedAt = Long.MIN_VALUE;
      List<TopicPartition> unread = unread(consumer, partitions, ends);
      while (!unread.isEmpty()) {
        for (final ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
          if (record.offset() >= ends.get(new TopicPartition(record.topic(), record.partition())) || record.key() == null) {
            continue;
          }
          final Bytes key = Bytes.wrap(record.key());
          if (record.value() == null) {
            live.remove(key);
            continue;
          }
          final GenericRecord value = decode(topic, record.value(), " at partition " + record.partition() + " offset " + record.offset());
          lastSchema = value.getSchema();
          final ZoneId named = zoneOf(value);
          if (named != null && record.timestamp() >= namedAt) {
            namedZone = named;
            namedAt = record.timestamp();
          }
          // The key's last value decides: one out of the range takes the key out, even if an earlier one was in.
          if (request.contains(Columns.day(value, table.dayField(), zone))) {
            live.put(key, record.value());
          } else {
            live.remove(key);
          }
        }
        final List<TopicPartition> done = new ArrayList<>(partitions);
        unread = unread(consumer, partitions, ends);
        done.removeAll(unread);
        // Past its end a partition only brings records this read ignores.
        consumer.pause(done);
        bar.update(partitions.stream().mapToLong(p -> Math.min(consumer.position(p), ends.get(p)) - begins.get(p)).sum());
      }
      bar.close();
      return new Live(live, lastSchema, namedZone);
    }
  }

  private static List<TopicPartition> unread(final KafkaConsumer<byte[], byte[]> consumer, final List<TopicPartition> partitions,
      final Map<TopicPartition, Long> ends) {
    return partitions.stream().filter(p -> consumer.position(p) < ends.get(p)).toList();
  }

  /**
   * The schema whose fields become the columns: the latest registered for the topic's values, so
   * every file of a topic has the same columns whichever versions its rows were written with;
   * else the last value's own. Null when there is neither.
   */
  private Schema tableSchema(final String topic, final Schema lastSchema) {
    try {
      final Schema latest = registry.latest(SerdeConfig.subject(topic, false)).schema();
      if (latest.getType() == Schema.Type.RECORD) {
        return latest;
      }
    } catch (RegistryException e) {
      if (e.errorCode() != RegistryException.SUBJECT_NOT_FOUND) {
        throw e;
      }
    }
    return lastSchema;
  }

  /** Appends {@code values} to a new DuckDB table, copies it to {@code file} and drops it; returns the rows written. */
  private long write(final Connection db, final String topic, final String table, final Columns columns,
      final Collection<byte[]> values, final Path file, final Format format) throws IOException, SQLException {
    Files.createDirectories(file.getParent());
    // Written aside and moved in whole: a failed export leaves no half file under the final name.
    final Path part = file.resolveSibling(file.getFileName() + ".part");
    long rows = 0;
    try (Statement sql = db.createStatement()) {
      sql.execute(columns.createTable(table));
      try (DuckDBAppender appender = db.unwrap(DuckDBConnection.class).createAppender(DuckDBConnection.DEFAULT_SCHEMA, table)) {
        for (final byte[] value : values) {
          columns.append(appender, decode(topic, value, ""));
          rows++;
        }
        // close() would swallow a failure to flush the last rows.
        appender.flush();
      }
      sql.execute("COPY " + Columns.quote(table) + " TO " + literal(part) + " (" + format.copyOptions + ")");
      sql.execute("DROP TABLE " + Columns.quote(table));
    }
    Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return rows;
  }

  private GenericRecord decode(final String topic, final byte[] bytes, final String where) {
    final Object value;
    try {
      value = values.deserialize(topic, bytes);
    } catch (SerializationException e) {
      throw new IllegalStateException("cannot decode a value of " + topic + where + ": " + e.getMessage(), e);
    }
    if (!(value instanceof GenericRecord record)) {
      throw new IllegalStateException("a value of " + topic + where + " is not an Avro record");
    }
    return record;
  }

  /** The time zone {@code value} names in its {@code time_zone} field; null when it names none, or none that exists. */
  private static ZoneId zoneOf(final GenericRecord value) {
    final Schema.Field field = value.getSchema().getField(TIME_ZONE_FIELD);
    final Object zone = field == null ? null : value.get(field.pos());
    if (zone == null) {
      return null;
    }
    try {
      return ZoneId.of(zone.toString());
    } catch (DateTimeException e) {
      return null;
    }
  }

  /** {@code path} as an SQL string literal. */
  private static String literal(final Path path) {
    return "'" + path.toAbsolutePath().toString().replace("'", "''") + "'";
  }
}

package wxfunnel.topology;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wxfunnel.events.Article;
import wxfunnel.events.ContentPerformance;
import wxfunnel.events.Conversion;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;
import wxfunnel.internal.ContentDelta;
import wxfunnel.internal.EventKind;
import wxfunnel.internal.FunnelDelta;
import wxfunnel.internal.PaymentContent;
import wxfunnel.internal.PaymentCopy;
import wxfunnel.internal.PersonEvent;
import wxfunnel.internal.PersonState;
import wxfunnel.serde.AvroDeserializer;
import wxfunnel.serde.AvroSerdes;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;

/**
 * The topology of one ecosystem: a pure function of the ecosystem, the semantics' knobs and the
 * serdes. It reads only {@code <eco>.} topics and names every node, store and internal topic
 * {@code wxfunnel-<eco>-...}; both ecosystems run the very same function, each in its own
 * Kafka Streams instance.
 */
public final class FunnelTopology {

  /** A table read from a topic restores from that topic: no changelog copies an output. */
  private static final Properties REUSE_SOURCE_TOPICS = new Properties();

  static {
    REUSE_SOURCE_TOPICS.put(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, StreamsConfig.REUSE_KTABLE_SOURCE_TOPICS);
  }

  private static final Logger log = LoggerFactory.getLogger(FunnelTopology.class);

  private FunnelTopology() {}

  public static Topology build(final Ecosystem ecosystem, final FunnelConfig config, final AvroSerdes serdes) {
    return build(new Names(ecosystem), config, serdes);
  }

  /** The topology under {@code names}: the production one, or a shadow writing its own outputs. */
  public static Topology build(final Names names, final FunnelConfig config, final AvroSerdes serdes) {
    return build(names, config, serdes, Stores::persistentKeyValueStore);
  }

  /**
   * The same topology with every store from {@code storage}: RocksDB ({@link
   * Stores#persistentKeyValueStore}) in production; in memory where a test drives thousands of
   * short-lived topologies, whose time would go to opening and closing RocksDB.
   */
  public static Topology build(final Names names, final FunnelConfig config, final AvroSerdes serdes,
      final Function<String, KeyValueBytesStoreSupplier> storage) {
    final StreamsBuilder builder = new StreamsBuilder();
    addStores(builder, names, storage);

    // The catalog resolves a touch's campaign from its article, in whatever task the person lands.
    builder.addGlobalStore(
        Stores.keyValueStoreBuilder(storage.apply(names.of(Names.CATALOG)), Serdes.String(), Serdes.String())
            .withLoggingDisabled(),
        names.topic(EcoTopic.CONTENT),
        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(names.of("content-source")),
        () -> new CatalogUpdater(config, names, new AvroDeserializer<>(serdes.registry(), Article.class)));

    // Each input is decoded and checked at its door; what fails goes to the DLQ as it came.
    KStream<String, Routed> intake = null;
    for (final Input<?> input : Input.ALL) {
      final KStream<String, Routed> door = intake(builder, input, config, serdes, names);
      intake = intake == null ? door : intake.merge(door, Named.as(names.of("merge-" + nodeName(input))));
    }
    final Map<String, KStream<String, Routed>> checked = intake.split(Named.as(names.of("intake-")))
        .branch((key, value) -> value instanceof Routed.Accepted, Branched.as("accepted"))
        .defaultBranch(Branched.as("rejected"));
    toDeadLetters(checked.get(names.of("intake-rejected")), names, "intake");

    final Map<String, KStream<String, PersonEvent>> accepted = checked.get(names.of("intake-accepted"))
        .mapValues(value -> ((Routed.Accepted) value).event(), Named.as(names.of("unwrap")))
        .split(Named.as(names.of("accepted-")))
        .branch((key, event) -> isPayments(event), Branched.as("payments"))
        .defaultBranch(Branched.as("others"));

    // A payment is its transaction_id: its copies meet, keyed by it, before it goes to its person.
    final KStream<String, PersonEvent> payments = accepted.get(names.of("accepted-payments"))
        .selectKey((person, event) -> event.getKind() == EventKind.CLOCK ? event.getKind().name() : event.getEventId(),
            Named.as(names.of("by-transaction")))
        .repartition(Repartitioned.with(Serdes.String(), InternalSerde.of(PersonEvent.class)).withName(names.of(Names.BY_PAYMENT))
            .withStreamPartitioner(Broadcast.of(event -> event.getKind() == EventKind.CLOCK)))
        .process(() -> new PaymentIdentityProcessor(config, names),
            Named.as(names.of("payment-identity")), names.of(Names.PAYMENT_COPIES), names.of(Names.PAYMENT_EXPIRY), names.of(Names.PAYMENT_CLOCKS))
        .repartition(Repartitioned.with(Serdes.String(), InternalSerde.of(PersonEvent.class)).withName(names.of(Names.BY_PERSON_PAYMENTS))
            .withStreamPartitioner(Broadcast.of(event -> event.getKind() == EventKind.CLOCK)));

    // Re-keyed by person, so one task sees all of a person's events, in event time. A touch its
    // producer keyed by person is already on its person's partition, which the person step reads
    // in the same task: it goes straight there.
    final Map<String, KStream<String, PersonEvent>> touches = accepted.get(names.of("accepted-others"))
        .split(Named.as(names.of("touch-")))
        .branch((person, event) -> PersonPartition.isHere(person, event, config.inputPartitions()), Branched.as("here"))
        .defaultBranch(Branched.as("elsewhere"));
    final Map<String, KStream<String, Routed>> outcomes = touches.get(names.of("touch-elsewhere"))
        .repartition(Repartitioned.with(Serdes.String(), InternalSerde.of(PersonEvent.class)).withName(names.of(Names.BY_PERSON))
            .withNumberOfPartitions(config.inputPartitions())
            .withStreamPartitioner(Broadcast.of(event -> event.getKind() == EventKind.CLOCK)))
        .merge(payments, Named.as(names.of("merge-payments-by-person")))
        .merge(touches.get(names.of("touch-here")), Named.as(names.of("merge-touches-here")))
        .process(() -> new PersonProcessor(config, names), Named.as(names.of("person")),
            names.of(Names.PERSONS), names.of(Names.PERSON_EXPIRY), names.of(Names.LEDGER), names.of(Names.FUNNEL_PENDING),
            names.of(Names.PAYMENT_CONTENT))
        .split(Named.as(names.of("person-")))
        .branch((key, value) -> value instanceof Routed.Converted, Branched.as("converted"))
        .branch((key, value) -> value instanceof Routed.Changed, Branched.as("changed"))
        .branch((key, value) -> value instanceof Routed.ContentChanged, Branched.as("content"))
        .defaultBranch(Branched.as("late"));
    toDeadLetters(outcomes.get(names.of("person-late")), names, "late");

    final Map<String, KStream<String, Routed>> conversions = outcomes.get(names.of("person-converted"))
        .split(Named.as(names.of("conversion-")))
        .branch((key, value) -> ((Routed.Converted) value).gated(), Branched.as("gated"))
        .defaultBranch(Branched.as("direct"));
    conversions.get(names.of("conversion-direct"))
        .mapValues(value -> ((Routed.Converted) value).conversion(), Named.as(names.of("conversion")))
        .to(names.topic(EcoTopic.CONVERSIONS),
            Produced.with(Serdes.String(), serdes.value(Conversion.class)).withName(names.of("conversions-sink")));
    // Two copies of one payment (without and with a unionid) may convert in two tasks: they meet here.
    conversions.get(names.of("conversion-gated"))
        .mapValues(value -> ((Routed.Converted) value).conversion(), Named.as(names.of("gated-conversion")))
        .repartition(Repartitioned.with(Serdes.String(), InternalSerde.of(Conversion.class)).withName(names.of(Names.BY_CONVERSION)))
        .process(() -> new ConversionGate(config, names), Named.as(names.of("conversion-gate")), names.of(Names.UPGRADED_PAYMENTS))
        .to(names.topic(EcoTopic.CONVERSIONS),
            Produced.with(Serdes.String(), serdes.value(Conversion.class)).withName(names.of("gated-conversions-sink")));

    // Funnel rows are summed per campaign and cohort day, from every person's changes.
    outcomes.get(names.of("person-changed"))
        .mapValues(value -> ((Routed.Changed) value).delta(), Named.as(names.of("delta")))
        .repartition(Repartitioned.with(Serdes.String(), InternalSerde.of(FunnelDelta.class)).withName(names.of(Names.BY_FUNNEL_ROW))
            .withStreamPartitioner(Broadcast.of(delta -> delta.getCampaignId().isEmpty())))
        .process(() -> new FunnelRowsProcessor(config, names),
            Named.as(names.of("funnel")), names.of(Names.FUNNEL_ROWS), names.of(Names.FUNNEL_WATERMARKS))
        .to(names.topic(EcoTopic.FUNNEL),
            Produced.with(Serdes.String(), serdes.value(FunnelRow.class)).withName(names.of("funnel-sink")));

    // Content rows are summed per content and day of touch, from every person's touches and payments' credits.
    outcomes.get(names.of("person-content"))
        .mapValues(value -> ((Routed.ContentChanged) value).delta(), Named.as(names.of("content-delta")))
        .repartition(Repartitioned.with(Serdes.String(), InternalSerde.of(ContentDelta.class)).withName(names.of(Names.BY_CONTENT_ROW))
            .withStreamPartitioner(Broadcast.of(delta -> delta.getRow().isEmpty())))
        .process(() -> new ContentRowsProcessor(config, names), Named.as(names.of("content-sums")),
            names.of(Names.CONTENT_ROWS), names.of(Names.CONTENT_PENDING), names.of(Names.CONTENT_PERSONS), names.of(Names.CONTENT_TIMES), names.of(Names.CONTENT_WATERMARKS))
        .to(names.topic(EcoTopic.CONTENT_PERFORMANCE),
            Produced.with(Serdes.String(), serdes.value(ContentPerformance.class)).withName(names.of("content-performance-sink")));

    // The committed outputs as tables the query API reads; each topic is its table's changelog.
    view(builder, names, EcoTopic.FUNNEL, Names.FUNNEL_VIEW, serdes.value(FunnelRow.class), storage);
    view(builder, names, EcoTopic.CONTENT_PERFORMANCE, Names.CONTENT_VIEW, serdes.value(ContentPerformance.class), storage);
    view(builder, names, EcoTopic.CONVERSIONS, Names.CONVERSIONS_VIEW, serdes.value(Conversion.class), storage);
    return builder.build(REUSE_SOURCE_TOPICS);
  }

  private static <V> void view(final StreamsBuilder builder, final Names names, final EcoTopic topic, final String store,
      final Serde<V> values, final Function<String, KeyValueBytesStoreSupplier> storage) {
    // A record another producer put there, that does not decode, must not stop the processor: it is left out.
    final Serde<V> tolerant = Serdes.serdeFrom(values.serializer(), (name, bytes) -> {
      try {
        return values.deserializer().deserialize(name, bytes);
      } catch (RuntimeException e) {
        log.warn("a record of {} that does not decode is left out of the query tables: {}", name, e.getClass().getName());
        return null;
      }
    });
    builder.table(names.topic(topic), Consumed.with(Serdes.String(), tolerant).withName(names.of(store + "-source")),
        Materialized.<String, V>as(storage.apply(names.of(store))).withKeySerde(Serdes.String()).withValueSerde(values));
  }

  /** Whether {@code topic} is one of the repartition topics that carry person events (with their input record). */
  static boolean carriesPersonEvents(final String topic) {
    return topic != null && Names.PERSON_EVENT_REPARTITIONS.stream().anyMatch(step -> Names.isRepartition(topic, step));
  }

  /** A payment, or a clock of the payments' door: they go through the payments' identity step. */
  private static boolean isPayments(final PersonEvent event) {
    return event.getKind() == EventKind.PAYMENT
        || (event.getKind() == EventKind.CLOCK && event.getInputClocks().containsKey(EventKind.PAYMENT.name()));
  }

  private static <T extends SpecificRecord> KStream<String, Routed> intake(final StreamsBuilder builder, final Input<T> input,
      final FunnelConfig config, final AvroSerdes serdes, final Names names) {
    final String what = nodeName(input);
    return builder
        .stream(names.topic(input.topic()), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(names.of(what + "-source")))
        .process(() -> new IntakeProcessor<>(input, config, new AvroDeserializer<>(serdes.registry(), input.type()), names),
            Named.as(names.of(what + "-intake")), names.of(Names.INTAKE_CLOCK));
  }

  private static String nodeName(final Input<?> input) {
    return input.topic().name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static void toDeadLetters(final KStream<String, Routed> rejected, final Names names, final String from) {
    rejected
        .map((key, value) -> KeyValue.pair(((Routed.Rejected) value).key(), ((Routed.Rejected) value).value()),
            Named.as(names.of(from + "-dead-letter")))
        .to(names.topic(EcoTopic.DLQ),
            Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(names.of(from + "-dlq-sink")));
  }

  /**
   * Where the small stores live, whatever the others' storage: in memory (restored from their
   * changelogs), as they hold a few keys per task (clocks, watermarks, the rows changed since the
   * last send) that are written for nearly every record. In RocksDB, each would be one more
   * database per task, whose memtable the shared write buffer flushes to tiny files that are
   * compacted again and again.
   */
  private static final Function<String, KeyValueBytesStoreSupplier> SMALL = Stores::inMemoryKeyValueStore;

  private static void addStores(final StreamsBuilder builder, final Names names,
      final Function<String, KeyValueBytesStoreSupplier> storage) {
    builder.addStateStore(keyValue(storage, names.of(Names.PERSONS), Serdes.String(), InternalSerde.of(PersonState.class)));
    // The expiry indexes are rebuilt from their entries when a task opens ({@link ExpiryIndex}): no changelog.
    builder.addStateStore(keyValue(storage, names.of(Names.PERSON_EXPIRY), Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled());
    builder.addStateStore(keyValue(storage, names.of(Names.LEDGER), Serdes.String(), Serdes.Long()));
    builder.addStateStore(keyValue(SMALL, names.of(Names.INTAKE_CLOCK), Serdes.String(), Serdes.Long()));
    builder.addStateStore(keyValue(SMALL, names.of(Names.FUNNEL_PENDING), Serdes.String(), InternalSerde.of(FunnelDelta.class)));
    builder.addStateStore(keyValue(storage, names.of(Names.FUNNEL_ROWS), Serdes.String(), InternalSerde.of(FunnelRow.class)));
    builder.addStateStore(keyValue(SMALL, names.of(Names.FUNNEL_WATERMARKS), Serdes.Integer(), Serdes.Long()));
    builder.addStateStore(keyValue(storage, names.of(Names.PAYMENT_COPIES), Serdes.String(), InternalSerde.of(PaymentCopy.class)));
    builder.addStateStore(keyValue(storage, names.of(Names.PAYMENT_EXPIRY), Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled());
    builder.addStateStore(keyValue(SMALL, names.of(Names.PAYMENT_CLOCKS), Serdes.Integer(), Serdes.Long()));
    builder.addStateStore(keyValue(storage, names.of(Names.UPGRADED_PAYMENTS), Serdes.String(), Serdes.Long()));
    builder.addStateStore(writtenOnce(storage, names.of(Names.PAYMENT_CONTENT), Serdes.String(), InternalSerde.of(PaymentContent.class)));
    builder.addStateStore(keyValue(storage, names.of(Names.CONTENT_ROWS), Serdes.String(), InternalSerde.of(ContentPerformance.class)));
    builder.addStateStore(keyValue(SMALL, names.of(Names.CONTENT_PENDING), Serdes.String(), Serdes.Long()));
    builder.addStateStore(writtenOnce(storage, names.of(Names.CONTENT_PERSONS), Serdes.String(), Serdes.Long()));
    builder.addStateStore(writtenOnce(storage, names.of(Names.CONTENT_TIMES), Serdes.String(), Serdes.Long()));
    builder.addStateStore(keyValue(SMALL, names.of(Names.CONTENT_WATERMARKS), Serdes.Integer(), Serdes.Long()));
  }

  /**
   * A store whose keys are written about once each (a payment's credits, a row's persons and times
   * to convert): a cache would hold them only to write them at the next commit, and crowd out the
   * keys written again and again.
   */
  private static <K, V> StoreBuilder<KeyValueStore<K, V>> writtenOnce(final Function<String, KeyValueBytesStoreSupplier> storage,
      final String name, final Serde<K> keys, final Serde<V> values) {
    return Stores.keyValueStoreBuilder(storage.apply(name), keys, values).withCachingDisabled();
  }

  /**
   * Most stores are read and written for many records between two commits (a ledger count, a
   * clock, a busy person or row): cached, each key goes to RocksDB and the changelog once per
   * commit, not once per record. The cache costs heap ({@code statestore.cache.max.bytes}).
   */
  private static <K, V> StoreBuilder<KeyValueStore<K, V>> keyValue(final Function<String, KeyValueBytesStoreSupplier> storage,
      final String name, final Serde<K> keys, final Serde<V> values) {
    return Stores.keyValueStoreBuilder(storage.apply(name), keys, values).withCachingEnabled();
  }
}

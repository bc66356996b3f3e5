package wxfunnel.topology;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import wxfunnel.events.Article;
import wxfunnel.events.Conversion;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;
import wxfunnel.internal.EventKind;
import wxfunnel.internal.FunnelDelta;
import wxfunnel.internal.PaymentCopy;
import wxfunnel.internal.PersonEvent;
import wxfunnel.internal.PersonState;
import wxfunnel.serde.AvroDeserializer;
import wxfunnel.serde.AvroSerdes;
import wxfunnel.topics.EcoTopic;

/**
 * The topology of one ecosystem: a pure function of the ecosystem, the semantics' knobs and the
 * serdes. It reads only {@code <eco>.} topics and names every node, store and internal topic
 * {@code wxfunnel-<eco>-...}; both ecosystems run the very same function, each in its own
 * Kafka Streams instance.
 */
public final class FunnelTopology {

  /** The ledger key under which each task counts the persons it holds in state. */
  public static final String PERSONS_IN_STATE = "state.persons";

  private static final String BY_PERSON = "by-person";
  private static final String LEDGER = "ledger";
  private static final String INTAKE_CLOCK = "intake-clock";
  private static final String BY_FUNNEL_ROW = "by-funnel-row";
  private static final String BY_PAYMENT = "by-payment";
  private static final String BY_PERSON_PAYMENTS = "by-person-payments";
  private static final String BY_CONVERSION = "by-conversion";
  private static final String PAYMENT_COPIES = "payment-copies";
  private static final String PAYMENT_EXPIRY = "payment-expiry";
  private static final String PAYMENT_CLOCKS = "payment-clocks";
  private static final String UPGRADED_PAYMENTS = "upgraded-payments";
  private static final String FUNNEL_WATERMARKS = "funnel-watermarks";

  private FunnelTopology() {}

  public static Topology build(final Ecosystem ecosystem, final FunnelConfig config, final AvroSerdes serdes) {
    return build(new Names(ecosystem), config, serdes);
  }

  /** The topology under {@code names}: the production one, or a shadow writing its own outputs. */
  public static Topology build(final Names names, final FunnelConfig config, final AvroSerdes serdes) {
    final Ecosystem ecosystem = names.ecosystem();
    final StreamsBuilder builder = new StreamsBuilder();
    final PersonProcessor.StoreNames stores = new PersonProcessor.StoreNames(names.of("persons"),
        names.of("person-expiry"), names.of(LEDGER), names.of("catalog"));
    addStores(builder, config, stores, names);

    // The catalog resolves a touch's campaign from its article, in whatever task the person lands.
    builder.addGlobalStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(stores.catalog()), Serdes.String(), Serdes.String())
            .withLoggingDisabled(),
        names.topic(EcoTopic.CONTENT),
        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(names.of("content-source")),
        () -> new CatalogUpdater(stores.catalog(), ecosystem, new AvroDeserializer<>(serdes.registry(), Article.class)));

    // Each input is decoded and checked at its door; what fails goes to the DLQ as it came.
    KStream<String, Routed> intake = null;
    for (final Input<?> input : Input.ALL) {
      final KStream<String, Routed> door = intake(builder, input, ecosystem, config, serdes, names);
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
        .repartition(Repartitioned.with(Serdes.String(), InternalSerde.of(PersonEvent.class)).withName(names.of(BY_PAYMENT))
            .withStreamPartitioner(Broadcast.of(event -> event.getKind() == EventKind.CLOCK)))
        .process(() -> new PaymentIdentityProcessor(config, names.of(PAYMENT_COPIES), names.of(PAYMENT_EXPIRY), names.of(PAYMENT_CLOCKS)),
            Named.as(names.of("payment-identity")), names.of(PAYMENT_COPIES), names.of(PAYMENT_EXPIRY), names.of(PAYMENT_CLOCKS))
        .repartition(Repartitioned.with(Serdes.String(), InternalSerde.of(PersonEvent.class)).withName(names.of(BY_PERSON_PAYMENTS))
            .withStreamPartitioner(Broadcast.of(event -> event.getKind() == EventKind.CLOCK)));

    // Re-keyed by person, so one task sees all of a person's events, in event time.
    final Map<String, KStream<String, Routed>> outcomes = accepted.get(names.of("accepted-others"))
        .repartition(Repartitioned.with(Serdes.String(), InternalSerde.of(PersonEvent.class)).withName(names.of(BY_PERSON))
            .withStreamPartitioner(Broadcast.of(event -> event.getKind() == EventKind.CLOCK)))
        .merge(payments, Named.as(names.of("merge-payments-by-person")))
        .mapValues(event -> (Routed) new Routed.Accepted(event), Named.as(names.of("wrap")))
        .process(() -> new PersonProcessor(ecosystem, config, stores), Named.as(names.of("person")),
            stores.persons(), stores.expiry(), stores.ledger())
        .split(Named.as(names.of("person-")))
        .branch((key, value) -> value instanceof Routed.Converted, Branched.as("converted"))
        .branch((key, value) -> value instanceof Routed.Changed, Branched.as("changed"))
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
        .repartition(Repartitioned.with(Serdes.String(), InternalSerde.of(Conversion.class)).withName(names.of(BY_CONVERSION)))
        .process(() -> new ConversionGate(names.of(UPGRADED_PAYMENTS)), Named.as(names.of("conversion-gate")), names.of(UPGRADED_PAYMENTS))
        .to(names.topic(EcoTopic.CONVERSIONS),
            Produced.with(Serdes.String(), serdes.value(Conversion.class)).withName(names.of("gated-conversions-sink")));

    // Funnel rows are summed per campaign and cohort day, from every person's changes.
    outcomes.get(names.of("person-changed"))
        .mapValues(value -> ((Routed.Changed) value).delta(), Named.as(names.of("delta")))
        .repartition(Repartitioned.with(Serdes.String(), InternalSerde.of(FunnelDelta.class)).withName(names.of(BY_FUNNEL_ROW))
            .withStreamPartitioner(Broadcast.of(delta -> delta.getCampaignId().isEmpty())))
        .mapValues(delta -> (Routed) new Routed.Changed(delta), Named.as(names.of("wrap-delta")))
        .process(() -> new FunnelRowsProcessor(ecosystem, config, names.of("funnel-rows"), names.of(FUNNEL_WATERMARKS)),
            Named.as(names.of("funnel")), names.of("funnel-rows"), names.of(FUNNEL_WATERMARKS))
        .to(names.topic(EcoTopic.FUNNEL),
            Produced.with(Serdes.String(), serdes.value(FunnelRow.class)).withName(names.of("funnel-sink")));
    return builder.build();
  }

  /**
   * Whether a ledger key is the processor's own bookkeeping (its clocks, how far it has audited the
   * catalog, the persons it holds), which depends on when it ran, not a count of its inputs.
   */
  public static boolean isBookkeeping(final String ledgerKey) {
    return ledgerKey.startsWith(InputClocks.PREFIX) || ledgerKey.startsWith(CatalogVerdicts.AUDITED)
        || ledgerKey.equals(PERSONS_IN_STATE);
  }

  /** The changelog of the ledger store, as named on the broker: the committed counts of every outcome. */
  public static String ledgerChangelog(final Ecosystem ecosystem) {
    return ledgerChangelog(new Names(ecosystem));
  }

  /** The same for the processor named by {@code names}. */
  public static String ledgerChangelog(final Names names) {
    return names.applicationId() + "-" + names.of(LEDGER) + "-changelog";
  }

  /** The repartition topics of an ecosystem's processor, as named on the broker. */
  public static List<String> repartitionTopics(final Names names) {
    return Stream.of(BY_PERSON, BY_PAYMENT, BY_PERSON_PAYMENTS, BY_CONVERSION, BY_FUNNEL_ROW)
        .map(topic -> names.applicationId() + "-" + names.of(topic) + "-repartition").toList();
  }

  /** Whether {@code topic} is one of the repartition topics that carry person events (with their input record). */
  static boolean carriesPersonEvents(final String topic) {
    return topic != null && Stream.of(BY_PERSON, BY_PAYMENT, BY_PERSON_PAYMENTS).anyMatch(step -> topic.endsWith("-" + step + "-repartition"));
  }

  /** A payment, or a clock of the payments' door: they go through the payments' identity step. */
  private static boolean isPayments(final PersonEvent event) {
    return event.getKind() == EventKind.PAYMENT
        || (event.getKind() == EventKind.CLOCK && event.getInputClocks().containsKey(EventKind.PAYMENT.name()));
  }

  private static <T extends SpecificRecord> KStream<String, Routed> intake(final StreamsBuilder builder, final Input<T> input,
      final Ecosystem ecosystem, final FunnelConfig config, final AvroSerdes serdes, final Names names) {
    final String what = nodeName(input);
    return builder
        .stream(names.topic(input.topic()), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(names.of(what + "-source")))
        .process(() -> new IntakeProcessor<>(input, ecosystem, config, new AvroDeserializer<>(serdes.registry(), input.type()),
            names.of(INTAKE_CLOCK)), Named.as(names.of(what + "-intake")), names.of(INTAKE_CLOCK));
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

  private static void addStores(final StreamsBuilder builder, final FunnelConfig config,
      final PersonProcessor.StoreNames stores, final Names names) {
    builder.addStateStore(keyValue(stores.persons(), Serdes.String(), InternalSerde.of(PersonState.class)));
    builder.addStateStore(keyValue(stores.expiry(), Serdes.Bytes(), Serdes.ByteArray()));
    builder.addStateStore(keyValue(stores.ledger(), Serdes.String(), Serdes.Long()));
    builder.addStateStore(keyValue(names.of(INTAKE_CLOCK), Serdes.String(), Serdes.Long()));
    builder.addStateStore(keyValue(names.of("funnel-rows"), Serdes.String(), InternalSerde.of(FunnelRow.class)));
    builder.addStateStore(keyValue(names.of(FUNNEL_WATERMARKS), Serdes.Integer(), Serdes.Long()));
    builder.addStateStore(keyValue(names.of(PAYMENT_COPIES), Serdes.String(), InternalSerde.of(PaymentCopy.class)));
    builder.addStateStore(keyValue(names.of(PAYMENT_EXPIRY), Serdes.Bytes(), Serdes.ByteArray()));
    builder.addStateStore(keyValue(names.of(PAYMENT_CLOCKS), Serdes.Integer(), Serdes.Long()));
    builder.addStateStore(keyValue(names.of(UPGRADED_PAYMENTS), Serdes.String(), Serdes.Long()));
  }

  /**
   * Every store is read and written for many records between two commits (a ledger count, a
   * clock, a busy person or row): cached, each key goes to RocksDB and the changelog once per
   * commit, not once per record. The cache costs heap ({@code statestore.cache.max.bytes}).
   */
  private static <K, V> StoreBuilder<KeyValueStore<K, V>> keyValue(final String name,
      final Serde<K> keys, final Serde<V> values) {
    return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), keys, values).withCachingEnabled();
  }
}

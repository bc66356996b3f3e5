package wxfunnel.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.Conversion;
import wxfunnel.events.CreditedTouch;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;
import wxfunnel.events.ModelAttribution;
import wxfunnel.registry.RegistryClient;
import wxfunnel.registry.RegistryException;
import wxfunnel.serde.AvroDeserializer;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topology.DeadLetters;
import wxfunnel.topology.FunnelTopology;

/**
 * Business metrics of one ecosystem, exported from what its processor has committed: a
 * {@code read_committed} consumer of its conversions, funnel and DLQ topics and of its ledger's
 * changelog. A crash, restart or replay cannot double-count them: they are a function of the
 * latest committed value of every output key. Labels are the ecosystem and, for the top
 * campaigns by touched users, the campaign (else {@code other}); never a user id.
 */
public final class CommittedMetrics implements AutoCloseable {

  public static final int DEFAULT_TOP_CAMPAIGNS = 20;
  public static final String OTHER = "other";
  /** Ledger outcomes; {@code capped} counts accepted touches the cap on touches per person dropped. */
  private static final Set<String> OUTCOMES = Set.of("accepted", "duplicate", "late", "capped");
  static final double[] TIME_TO_CONVERT_BUCKETS = {60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400,
      3 * 86_400, 7 * 86_400};
  private static final Logger log = LoggerFactory.getLogger(CommittedMetrics.class);
  private static final Duration PUBLISH_EVERY = Duration.ofSeconds(1);
  private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  /** What the metrics keep of a conversion: enough to take it back out when it is revised. */
  private record Facts(String status, Map<String, Map<String, Double>> creditByModel, List<Credit> timeToConvert) {}

  /** A credited touch under the histogram's model: how long before the payment it came, and its weight. */
  record Credit(double seconds, double weight) {}

  private final String ecosystem;
  private final int topCampaigns;
  private final AttributionModel model;
  private final KafkaConsumer<String, byte[]> consumer;
  private final AvroDeserializer<Conversion> conversions;
  private final AvroDeserializer<FunnelRow> rows;
  private final LongDeserializer longs = new LongDeserializer();
  private final String ledgerTopic;
  private final Map<String, Facts> facts = new HashMap<>();
  private final Map<String, FunnelRow> funnel = new HashMap<>();
  private final Map<String, Long> deadLetters = new TreeMap<>();
  private final Map<String, Long> ledger = new TreeMap<>();
  private final AtomicLong lastOutputMillis = new AtomicLong();
  private final AtomicLong personsInState = new AtomicLong();
  private final List<MultiGauge> gauges = new ArrayList<>();
  private final MultiGauge funnelUsers;
  private final MultiGauge gmv;
  private final MultiGauge conversionsByStatus;
  private final MultiGauge attributed;
  private final MultiGauge timeToConvert;
  private final MultiGauge deadLetterRecords;
  private final MultiGauge events;
  private final Thread thread;
  private volatile boolean closing;

  private CommittedMetrics(final Ecosystem ecosystem, final Map<String, Object> kafka, final RegistryClient registry,
      final MeterRegistry meters, final int topCampaigns, final AttributionModel model) {
    this.ecosystem = EcoTopic.prefix(ecosystem);
    this.topCampaigns = topCampaigns;
    this.model = model;
    final Map<String, Object> config = new HashMap<>(kafka);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    this.conversions = new AvroDeserializer<>(registry, Conversion.class);
    this.rows = new AvroDeserializer<>(registry, FunnelRow.class);
    this.ledgerTopic = FunnelTopology.ledgerChangelog(ecosystem);
    this.funnelUsers = gauge(meters, "wxfunnel.funnel.users", "Unique users at each funnel step, over all cohort days");
    this.gmv = gauge(meters, "wxfunnel.gmv", "Money paid by the funnel's paid users, in minor units of currency");
    this.conversionsByStatus = gauge(meters, "wxfunnel.conversions", "Payments, by attribution status");
    this.attributed = gauge(meters, "wxfunnel.attributed.conversions", "Payments credited to each campaign, per attribution model");
    // Cumulative bucket counts by le, as histogram_quantile() reads them; gauges, since a revised
    // conversion moves between buckets.
    this.timeToConvert = gauge(meters, "wxfunnel.time.to.convert.seconds",
        "Payments' credit under the --model attribution model whose touch came at most le seconds before them (cumulative histogram buckets)");
    this.deadLetterRecords = gauge(meters, "wxfunnel.dlq.records", "Records in the dead-letter queue, by reason");
    this.events = gauge(meters, "wxfunnel.events", "Valid input events, by type and outcome (accepted, duplicate, late)");
    Gauge.builder("wxfunnel.state.persons", personsInState, AtomicLong::get)
        .description("Persons held in the processor's state, each until its horizon passes (committed count)")
        .tag("ecosystem", this.ecosystem).register(meters);
    Gauge.builder("wxfunnel.outputs.last.seen.seconds", lastOutputMillis, v -> v.get() / 1000.0)
        .description("Wall-clock time a committed output was last read, in seconds since the epoch")
        .tag("ecosystem", this.ecosystem).register(meters);
    this.thread = new Thread(this::loop, "wxfunnel-metrics-" + this.ecosystem);
    this.thread.setDaemon(true);
  }

  /**
   * Starts following the committed outputs of {@code ecosystem}; {@code model} is the attribution
   * model of the time-to-convert histogram.
   */
  public static CommittedMetrics start(final Ecosystem ecosystem, final Map<String, Object> kafka, final RegistryClient registry,
      final MeterRegistry meters, final int topCampaigns, final AttributionModel model) {
    final CommittedMetrics metrics = new CommittedMetrics(ecosystem, kafka, registry, meters, topCampaigns, model);
    metrics.thread.start();
    return metrics;
  }

  private MultiGauge gauge(final MeterRegistry meters, final String name, final String description) {
    final MultiGauge gauge = MultiGauge.builder(name).description(description).tag("ecosystem", ecosystem).register(meters);
    gauges.add(gauge);
    return gauge;
  }

  private void loop() {
    try {
      final List<TopicPartition> partitions = new ArrayList<>();
      for (final String topic : List.of(ecosystem + ".conversions", ecosystem + ".funnel", ecosystem + ".dlq", ledgerTopic)) {
        consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long nextPublish = 0;
      while (!closing) {
        if (!applyAll(consumer.poll(Duration.ofMillis(500)))) {
          Thread.sleep(RETRY_AFTER.toMillis());
        }
        if (System.currentTimeMillis() >= nextPublish) {
          publish();
          nextPublish = System.currentTimeMillis() + PUBLISH_EVERY.toMillis();
        }
      }
    } catch (WakeupException | InterruptedException e) {
      // closing
    } catch (RuntimeException e) {
      log.error("{} business metrics stopped: the outputs' partitions cannot be read", ecosystem, e);
    } finally {
      consumer.close();
    }
  }

  /**
   * Applies a batch, partition by partition. A record whose schema registry does not answer is
   * read again, with the rest of its partition, at the next poll: the metrics lag meanwhile (and
   * "last seen" stands still), and skip nothing. A record that can never be applied (not written
   * by the processor) is logged and left out. Returns whether every record was dealt with.
   */
  private boolean applyAll(final ConsumerRecords<String, byte[]> batch) {
    boolean all = true;
    for (final TopicPartition partition : batch.partitions()) {
      for (final ConsumerRecord<String, byte[]> record : batch.records(partition)) {
        try {
          apply(record);
        } catch (RuntimeException e) {
          if (!RegistryException.isOutage(e)) {
            log.error("{} business metrics leave out a record of {} at offset {}: {}", ecosystem, record.topic(), record.offset(),
                e.getClass().getSimpleName());
            continue;
          }
          log.warn("{} business metrics: the schema registry does not answer; trying again in {} s", ecosystem,
              RETRY_AFTER.toSeconds());
          consumer.seek(partition, record.offset());
          all = false;
          break;
        }
      }
    }
    return all;
  }

  private synchronized void apply(final ConsumerRecord<String, byte[]> record) {
    final String topic = record.topic();
    if (topic.equals(ledgerTopic)) {
      // Each task keeps its own ledger: one count per partition and key.
      final String key = record.partition() + "/" + record.key();
      if (record.value() == null) {
        ledger.remove(key);
      } else {
        ledger.put(key, longs.deserialize(topic, record.value()));
      }
      return;
    }
    if (topic.endsWith(".conversions")) {
      if (record.value() == null) {
        facts.remove(record.key());
      } else {
        facts.put(record.key(), facts(conversions.deserialize(topic, record.value()), model));
      }
    } else if (topic.endsWith(".funnel")) {
      if (record.value() == null) {
        funnel.remove(record.key());
      } else {
        funnel.put(record.key(), rows.deserialize(topic, record.value()));
      }
    } else {
      final Header reason = record.headers().lastHeader(DeadLetters.REASON);
      deadLetters.merge(reason == null || reason.value() == null ? "UNKNOWN" : new String(reason.value(), StandardCharsets.UTF_8),
          1L, Long::sum);
    }
    lastOutputMillis.set(System.currentTimeMillis());
  }

  private static Facts facts(final Conversion conversion, final AttributionModel model) {
    final Map<String, Map<String, Double>> credit = new TreeMap<>();
    for (final ModelAttribution attribution : conversion.getAttributions()) {
      final Map<String, Double> byCampaign = credit.computeIfAbsent(attribution.getModel().name(), k -> new TreeMap<>());
      for (final CreditedTouch touch : attribution.getTouches()) {
        byCampaign.merge(touch.getCampaignId() == null ? "none" : touch.getCampaignId(), touch.getWeight(), Double::sum);
      }
    }
    return new Facts(conversion.getStatus().name(), credit, credits(conversion, model));
  }

  /** The touches {@code model} credits for {@code conversion}: none when it is unattributed. */
  static List<Credit> credits(final Conversion conversion, final AttributionModel model) {
    return conversion.getAttributions().stream().filter(attribution -> attribution.getModel() == model)
        .flatMap(attribution -> attribution.getTouches().stream())
        .map(touch -> new Credit(touch.getTimeToConvertMs() / 1000.0, touch.getWeight())).toList();
  }

  /**
   * The cumulative histogram of the credits: per bucket of {@link #TIME_TO_CONVERT_BUCKETS}, then
   * +Inf, the weight of the touches that came at most that many seconds before their payment.
   * Each conversion's weights add up to 1, so +Inf counts the attributed conversions.
   */
  static double[] cumulative(final Collection<List<Credit>> conversions) {
    final double[] buckets = new double[TIME_TO_CONVERT_BUCKETS.length + 1];
    for (final List<Credit> credits : conversions) {
      for (final Credit credit : credits) {
        for (int i = 0; i < TIME_TO_CONVERT_BUCKETS.length; i++) {
          if (credit.seconds() <= TIME_TO_CONVERT_BUCKETS[i]) {
            buckets[i] += credit.weight();
          }
        }
        buckets[TIME_TO_CONVERT_BUCKETS.length] += credit.weight();
      }
    }
    return buckets;
  }

  /** Re-publishes every gauge from the current committed view. */
  synchronized void publish() {
    final Set<String> top = topCampaigns();
    final Map<List<String>, Double> users = new TreeMap<>(Comparator.comparing(Object::toString));
    final Map<List<String>, Double> money = new TreeMap<>(Comparator.comparing(Object::toString));
    for (final FunnelRow row : funnel.values()) {
      final String campaign = label(row.getCampaignId(), top);
      users.merge(List.of(campaign, "touched"), (double) row.getTouched(), Double::sum);
      users.merge(List.of(campaign, "coupon"), (double) row.getCoupon(), Double::sum);
      users.merge(List.of(campaign, "paid"), (double) row.getPaid(), Double::sum);
      row.getGmv().forEach((currency, amount) -> money.merge(List.of(campaign, currency), (double) amount, Double::sum));
    }
    funnelUsers.register(rows(users, "campaign", "step"), true);
    gmv.register(rows(money, "campaign", "currency"), true);

    final Map<List<String>, Double> statuses = new TreeMap<>(Comparator.comparing(Object::toString));
    final Map<List<String>, Double> credit = new TreeMap<>(Comparator.comparing(Object::toString));
    for (final Facts f : facts.values()) {
      statuses.merge(List.of(f.status()), 1.0, Double::sum);
      f.creditByModel().forEach((modelName, byCampaign) -> byCampaign.forEach((campaign, weight) ->
          credit.merge(List.of(modelName.toLowerCase(Locale.ROOT), label(campaign, top)), weight, Double::sum)));
    }
    final double[] buckets = cumulative(facts.values().stream().map(Facts::timeToConvert).toList());
    conversionsByStatus.register(rows(statuses, "status"), true);
    attributed.register(rows(credit, "model", "campaign"), true);
    final List<MultiGauge.Row<?>> histogram = new ArrayList<>();
    for (int i = 0; i <= TIME_TO_CONVERT_BUCKETS.length; i++) {
      final String le = i < TIME_TO_CONVERT_BUCKETS.length ? String.valueOf(TIME_TO_CONVERT_BUCKETS[i]) : "+Inf";
      histogram.add(MultiGauge.Row.of(Tags.of("le", le), buckets[i]));
    }
    timeToConvert.register(histogram, true);

    deadLetterRecords.register(deadLetters.entrySet().stream()
        .map(e -> MultiGauge.Row.of(Tags.of("reason", e.getKey()), e.getValue())).collect(Collectors.toList()), true);
    final Map<List<String>, Double> outcomes = new TreeMap<>(Comparator.comparing(Object::toString));
    long persons = 0;
    for (final Map.Entry<String, Long> entry : ledger.entrySet()) {
      final String key = entry.getKey().substring(entry.getKey().indexOf('/') + 1);
      if (key.equals(FunnelTopology.PERSONS_IN_STATE)) {
        persons += entry.getValue();
      }
      final int dot = key.indexOf('.');
      if (dot > 0 && OUTCOMES.contains(key.substring(0, dot))) {
        outcomes.merge(List.of(key.substring(0, dot), key.substring(dot + 1).toLowerCase(Locale.ROOT)),
            (double) entry.getValue(), Double::sum);
      }
    }
    events.register(rows(outcomes, "outcome", "type"), true);
    personsInState.set(persons);
  }

  /** The campaigns with the most touched users: the only ones with a label of their own. */
  private Set<String> topCampaigns() {
    final Map<String, Long> touched = new HashMap<>();
    funnel.values().forEach(row -> touched.merge(row.getCampaignId(), row.getTouched(), Long::sum));
    return touched.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .limit(topCampaigns).map(Map.Entry::getKey).collect(Collectors.toSet());
  }

  private static String label(final String campaign, final Set<String> top) {
    return top.contains(campaign) ? campaign : OTHER;
  }

  private static List<MultiGauge.Row<?>> rows(final Map<List<String>, Double> values, final String... tags) {
    final List<MultiGauge.Row<?>> rows = new ArrayList<>();
    values.forEach((labels, value) -> {
      final List<String> pairs = new ArrayList<>();
      for (int i = 0; i < tags.length; i++) {
        pairs.add(tags[i]);
        pairs.add(labels.get(i));
      }
      rows.add(MultiGauge.Row.of(Tags.of(pairs.toArray(String[]::new)), value));
    });
    return rows;
  }

  @Override
  public void close() {
    closing = true;
    consumer.wakeup();
    try {
      thread.join(Duration.ofSeconds(10).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

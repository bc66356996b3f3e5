package wxfunnel.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.ContentPerformance;
import wxfunnel.events.Conversion;
import wxfunnel.events.CreditedTouch;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;
import wxfunnel.events.ModelAttribution;
import wxfunnel.egress.Cells;
import wxfunnel.egress.Egress;
import wxfunnel.registry.RegistryException;
import wxfunnel.registry.SchemaRegistry;
import wxfunnel.runtime.CommittedView;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Ledger;
import wxfunnel.topics.Names;
import wxfunnel.topology.FunnelConfig;

/**
 * Business metrics of one ecosystem, exported from what its processor has committed: a
 * {@code read_committed} consumer of its conversions, funnel and DLQ topics and of its ledger's
 * changelog. A crash, restart or replay cannot double-count them: they are a function of the
 * latest committed value of every output key, published in rounds, each as of the outputs'
 * committed end offsets at one moment. What only grows (dead letters, events) is a counter, so
 * that {@code rate()} and {@code increase()} work; what a later record can revise is a gauge of
 * its committed value: funnel users and GMV (a person moves to another cohort day, two ids turn
 * out to be one person, in transactions of their own), conversions by status, credit per model.
 * The business numbers leave through the ecosystem's {@link Egress}: labels are the ecosystem
 * and, for the campaigns it names with at least {@code --min-cell-users} persons behind them, the
 * campaign (else {@code other}), never a user id; each value is a committed one, released in its
 * steps. A restart releases the committed values at once.
 */
public final class CommittedMetrics implements AutoCloseable {

  /** Upper bounds of the time-to-convert buckets, in seconds, the last one +Inf. */
  static final double[] TIME_TO_CONVERT_BOUNDS = {60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400,
      3 * 86_400, 7 * 86_400, Double.POSITIVE_INFINITY};
  private static final Logger log = LoggerFactory.getLogger(CommittedMetrics.class);
  private static final Duration PUBLISH_EVERY = Duration.ofSeconds(1);
  /** Under sustained output, when the consumer is never quite caught up, it publishes anyway this often. */
  private static final Duration PUBLISH_AT_LEAST_EVERY = Duration.ofSeconds(10);
  private static final Duration FIRST_PUBLISH_AT_LATEST = Duration.ofMinutes(2);
  private static final Duration RETRY_AFTER = Duration.ofSeconds(1);
  private static final Duration RESTART_AFTER = Duration.ofSeconds(5);

  /** What the metrics keep of a conversion: enough to take it back out when it is revised. */
  private record Facts(String status, String payer, Map<String, Map<String, Double>> creditByModel, Optional<Timed> timed) {}

  /** A credited touch under the histogram's model: how long before the payment it came, and its weight. */
  record Credit(double seconds, double weight) {}

  private final String ecosystem;
  private final FunnelConfig config;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Names names;
  private final SchemaRegistry registry;
  private final Egress egress;
  private final AtomicLong lastOutputMillis = new AtomicLong();
  private final AtomicLong personsInState = new AtomicLong();
  private final MultiGauge funnelUsers;
  private final MultiGauge gmv;
  private final CounterFamily deadLetterRecords;
  private final CounterFamily events;
  private final MultiGauge conversionsByStatus;
  private final MultiGauge attributed;
  private final MultiGauge contentGmv;
  private final TimeToConvertHistogram timeToConvert;
  private final Thread thread;
  /** The outputs as read so far; a new one each time the thread reads them again from the beginning. */
  private CommittedView<Facts> view;
  private volatile boolean closing;

  private CommittedMetrics(final Ecosystem ecosystem, final Map<String, Object> kafka, final SchemaRegistry registry,
      final MeterRegistry meters, final FunnelConfig config, final Egress egress) {
    this.ecosystem = EcoTopic.prefix(ecosystem);
    this.egress = egress;
    this.config = config;
    this.consumer = CommittedView.consumer(kafka);
    this.names = new Names(ecosystem);
    this.registry = registry;
    this.view = newView();
    final Tags tags = Tags.of("ecosystem", this.ecosystem);
    this.funnelUsers = MultiGauge.builder("wxfunnel.funnel.users")
        .description("Users who reached each funnel step, over all cohort days (committed rows)").tags(tags).register(meters);
    this.gmv = MultiGauge.builder("wxfunnel.gmv")
        .description("Money paid by the funnel's paid users, in minor units of currency (committed rows)").tags(tags).register(meters);
    this.deadLetterRecords = new CounterFamily(meters, "wxfunnel.dlq.records", tags, "Records dead-lettered, by reason");
    this.events = new CounterFamily(meters, "wxfunnel.events", tags,
        "Valid input events, by type and outcome (accepted, duplicate, late, capped)");
    this.conversionsByStatus = MultiGauge.builder("wxfunnel.conversions").description("Payments now in each attribution status")
        .tags(tags).register(meters);
    this.attributed = MultiGauge.builder("wxfunnel.attributed.conversions")
        .description("Payments credited to each campaign now, per attribution model").tags(tags).register(meters);
    this.contentGmv = MultiGauge.builder("wxfunnel.content.gmv")
        .description("Money credited to each top article, QR scene and coupon under the configured attribution model, "
            + "on the latest day of touches, in minor units of currency (committed rows)").tags(tags).register(meters);
    this.timeToConvert = meters instanceof PrometheusMeterRegistry prometheus ? TimeToConvertHistogram.of(prometheus) : null;
    Gauge.builder("wxfunnel.state.persons", personsInState, AtomicLong::get)
        .description("Persons held in the processor's state, each until its horizon passes (committed count)")
        .tags(tags).register(meters);
    // NaN (left out of the scrape) until an output was seen: no output yet is not a stall.
    Gauge.builder("wxfunnel.outputs.last.seen.seconds", lastOutputMillis, v -> v.get() == 0 ? Double.NaN : v.get() / 1000.0)
        .description("Timestamp of the newest committed output record, in seconds since the epoch")
        .tags(tags).register(meters);
    this.thread = new Thread(this::loop, "wxfunnel-metrics-" + this.ecosystem);
    this.thread.setDaemon(true);
  }

  /**
   * Starts following the committed outputs of {@code ecosystem}, computed under {@code config}
   * (its model is the time-to-convert histogram's). The business numbers leave through {@code egress}.
   */
  public static CommittedMetrics start(final Ecosystem ecosystem, final Map<String, Object> kafka, final SchemaRegistry registry,
      final MeterRegistry meters, final FunnelConfig config, final Egress egress) {
    final CommittedMetrics metrics = new CommittedMetrics(ecosystem, kafka, registry, meters, config, egress);
    metrics.thread.start();
    return metrics;
  }

  /**
   * Follows the outputs until closed. Whatever goes wrong (an output topic that does not exist yet,
   * a broker that does not answer for longer than the client waits, a bug) is logged, and it starts
   * again from the beginning of the outputs: the metrics stand still meanwhile, and never stop for good.
   */
  private void loop() {
    try {
      while (!closing) {
        try {
          follow();
        } catch (WakeupException e) {
          throw e;
        } catch (RuntimeException e) {
          log.error("{} business metrics failed; reading the outputs again from the beginning in {} s", ecosystem,
              RESTART_AFTER.toSeconds(), e);
          Thread.sleep(RESTART_AFTER.toMillis());
        }
      }
    } catch (WakeupException | InterruptedException e) {
      // closing
    } finally {
      consumer.close();
    }
  }

  /**
   * Reads the outputs from their beginning, and publishes what they say, until closed or failed.
   * It reads in rounds: each round takes the outputs' committed end offsets, applies every record
   * below them and holds back the rest, and publishes once it has reached them all, so that what it
   * publishes is the outputs as of one moment, with every transaction committed before it whole.
   */
  private void follow() throws InterruptedException {
    final List<TopicPartition> partitions = outputPartitions();
    clear();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    long published = 0;
    long roundStarted = System.currentTimeMillis();
    Map<TopicPartition, Long> round = consumer.endOffsets(partitions);
    while (!closing) {
      if (!applyAll(consumer.poll(Duration.ofMillis(500)), round)) {
        Thread.sleep(RETRY_AFTER.toMillis());
      }
      final long now = System.currentTimeMillis();
      final boolean reached = reached(round);
      // A round that takes too long (the outputs grow faster than it reads) publishes anyway; the first
      // waits longer, so that a restart resumes at the values it left rather than below them.
      final Duration patience = published > 0 ? PUBLISH_AT_LEAST_EVERY : FIRST_PUBLISH_AT_LATEST;
      if (reached || now - roundStarted >= patience.toMillis()) {
        if (now - published >= PUBLISH_EVERY.toMillis()) {
          publish(positions(partitions));
          published = now;
        }
        roundStarted = now;
        round = consumer.endOffsets(partitions);
      }
    }
  }

  /** Whether every record below the round's end offsets has been read. */
  private boolean reached(final Map<TopicPartition, Long> round) {
    return round.entrySet().stream().allMatch(end -> consumer.position(end.getKey()) >= end.getValue());
  }

  /** The partitions of the outputs, once every output topic exists. */
  private List<TopicPartition> outputPartitions() throws InterruptedException {
    while (true) {
      final List<TopicPartition> partitions = new ArrayList<>();
      final List<String> missing = new ArrayList<>();
      for (final String topic : CommittedView.topics(names)) {
        final List<PartitionInfo> infos = consumer.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
          missing.add(topic);
        } else {
          infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        }
      }
      if (missing.isEmpty()) {
        return partitions;
      }
      log.warn("{} business metrics wait for {} to exist", ecosystem, missing);
      Thread.sleep(RESTART_AFTER.toMillis());
    }
  }

  private synchronized void clear() {
    view = newView();
  }

  private CommittedView<Facts> newView() {
    return new CommittedView<>(names, registry, conversion -> facts(conversion, config.model()));
  }

  /**
   * Applies a batch, partition by partition. A record whose schema registry does not answer is
   * read again, with the rest of its partition, at the next poll: the metrics lag meanwhile (and
   * "last seen" stands still), and skip nothing. A record that can never be applied (not written
   * by the processor) is logged and left out. Returns whether every record was dealt with.
   */
  private boolean applyAll(final ConsumerRecords<String, byte[]> batch, final Map<TopicPartition, Long> round) {
    boolean all = true;
    for (final TopicPartition partition : batch.partitions()) {
      for (final ConsumerRecord<String, byte[]> record : batch.records(partition)) {
        if (record.offset() >= round.get(partition)) {
          // Past this round's end: read again in the next round.
          consumer.seek(partition, record.offset());
          break;
        }
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
    view.apply(record);
    lastOutputMillis.accumulateAndGet(view.newestOutputMillis(), Math::max);
  }

  private static Facts facts(final Conversion conversion, final AttributionModel model) {
    final Map<String, Map<String, Double>> credit = new TreeMap<>();
    for (final ModelAttribution attribution : conversion.getAttributions()) {
      final Map<String, Double> byCampaign = credit.computeIfAbsent(attribution.getModel().name(), k -> new TreeMap<>());
      for (final CreditedTouch touch : attribution.getTouches()) {
        byCampaign.merge(touch.getCampaignId() == null ? "none" : touch.getCampaignId(), touch.getWeight(), Double::sum);
      }
    }
    return new Facts(conversion.getStatus().name(), conversion.getPayer(), credit, timed(conversion, model));
  }

  /** The touches {@code model} credits for {@code conversion}: none when it is unattributed. */
  static List<Credit> credits(final Conversion conversion, final AttributionModel model) {
    return conversion.getAttributions().stream().filter(attribution -> attribution.getModel() == model)
        .flatMap(attribution -> attribution.getTouches().stream())
        .map(touch -> new Credit(touch.getTimeToConvertMs() / 1000.0, touch.getWeight())).toList();
  }

  /**
   * The histogram of the conversions' times to convert: per bucket of {@link
   * #TIME_TO_CONVERT_BOUNDS}, the attributed conversions whose credit-weighted time to convert is
   * at most its bound (cumulative), and the sum of those times. The conversions between two bounds
   * are backed by their payers; when fewer than {@code k}, they are counted in the next bucket
   * instead (the slowest, with the range below them, under +Inf only), so that no bucket minus the
   * one below it singles out fewer than {@code k} payers.
   */
  static TimeToConvertHistogram.Buckets histogram(final Collection<Timed> conversions, final int k) {
    final List<Timed> sorted = conversions.stream().sorted(Comparator.comparingDouble(Timed::seconds)).toList();
    final long[] cumulative = new long[TIME_TO_CONVERT_BOUNDS.length];
    final Set<String> between = new HashSet<>();
    int next = 0;
    int shown = 0;
    int shownBefore = 0;
    for (int i = 0; i < TIME_TO_CONVERT_BOUNDS.length; i++) {
      while (next < sorted.size() && sorted.get(next).seconds() <= TIME_TO_CONVERT_BOUNDS[i]) {
        between.add(String.valueOf(sorted.get(next++).payer()));
      }
      if (between.size() >= k) {
        shownBefore = shown;
        shown = next;
        between.clear();
      }
      cumulative[i] = shown;
    }
    if (!between.isEmpty()) {
      // The slowest conversions, too few payers for a range of their own: with the range below them, under +Inf only.
      for (int i = 0; i < cumulative.length; i++) {
        cumulative[i] = cumulative[i] == shown ? shownBefore : cumulative[i];
      }
      cumulative[cumulative.length - 1] = sorted.size();
    }
    return new TimeToConvertHistogram.Buckets(cumulative, sorted.stream().mapToDouble(Timed::seconds).sum());
  }

  /** An attributed conversion's credit-weighted time to convert, and its payer. */
  record Timed(double seconds, String payer) {}

  /** The credit-weighted time to convert of {@code conversion} under {@code model}: none when it is unattributed. */
  static Optional<Timed> timed(final Conversion conversion, final AttributionModel model) {
    final List<Credit> credits = credits(conversion, model);
    return credits.isEmpty() ? Optional.empty()
        : Optional.of(new Timed(credits.stream().mapToDouble(credit -> credit.weight() * credit.seconds()).sum(), conversion.getPayer()));
  }

  /** How far the metrics have read each partition of the outputs. */
  private Map<TopicPartition, Long> positions(final List<TopicPartition> partitions) {
    final Map<TopicPartition, Long> positions = new HashMap<>();
    partitions.forEach(partition -> positions.put(partition, consumer.position(partition)));
    return positions;
  }

  /** Re-publishes every metric from the current committed view, read up to {@code asOf}, through the egress. */
  synchronized void publish(final Map<TopicPartition, Long> asOf) {
    final Collection<FunnelRow> funnel = view.funnel().values();
    egress.rank(funnel, asOf);
    funnelUsers.register(rows(egress.release(Cells.FUNNEL_USERS,
        Cells.funnelUsers(funnel, config.conversionWindow()).cells(0, egress::label), 0, asOf), "campaign", "step"), true);
    gmv.register(rows(egress.release(Cells.GMV, Cells.gmv(funnel, config.conversionWindow()).cells(0, egress::label), 0, asOf),
        "campaign", "currency"), true);

    final Cells statuses = new Cells();
    final Cells credit = new Cells();
    for (final Facts f : view.conversions().values()) {
      statuses.add(List.of(f.status()), 1.0, f.payer());
      f.creditByModel().forEach((modelName, byCampaign) -> byCampaign.forEach((campaign, weight) ->
          credit.add(List.of(modelName.toLowerCase(Locale.ROOT), campaign), weight, f.payer())));
    }
    conversionsByStatus.register(rows(egress.releaseAll(Cells.CONVERSIONS, statuses.cells(), asOf), "status"), true);
    attributed.register(rows(egress.release(Cells.ATTRIBUTED_CONVERSIONS, credit.cells(1, egress::label), 1, asOf),
        "model", "campaign"), true);
    final Collection<ContentPerformance> content = view.content().values();
    egress.rankContent(content, config.model(), asOf);
    contentGmv.register(rows(egress.releaseNamed(Cells.CONTENT_GMV, Cells.contentGmv(content, config.model(), egress::contentLabel),
        asOf), "kind", "content", "model", "currency", "day"), true);
    if (timeToConvert != null) {
      publishTimeToConvert(asOf);
    }

    final Map<List<String>, Double> reasons = new TreeMap<>(Comparator.comparing(Object::toString));
    view.deadLetters().forEach((reason, count) -> reasons.put(List.of(reason), (double) count));
    deadLetterRecords.set(reasons, "reason");
    final Map<List<String>, Double> outcomes = new TreeMap<>(Comparator.comparing(Object::toString));
    view.ledger().forEach((key, count) -> Ledger.Count.of(key).ifPresent(c -> outcomes.merge(
        List.of(c.outcome().name().toLowerCase(Locale.ROOT), c.kind().toLowerCase(Locale.ROOT)), (double) count, Double::sum)));
    events.set(outcomes, "outcome", "type");
    personsInState.set(view.personsInState());
  }

  /**
   * The histogram, through the egress, all at once: each bucket (cumulative) and each bucket's own
   * count (between its bound and the one below) is a cell, backed by its payers; the sum is one,
   * backed by them all.
   */
  private void publishTimeToConvert(final Map<TopicPartition, Long> asOf) {
    final List<Timed> credited = view.conversions().values().stream().flatMap(f -> f.timed().stream())
        .sorted(Comparator.comparingDouble(Timed::seconds)).toList();
    final TimeToConvertHistogram.Buckets buckets = histogram(credited, egress.minCellUsers());
    final Map<List<String>, Egress.Cell> cells = new TreeMap<>(Comparator.comparing(Object::toString));
    // One pass: the payers up to each bound grow as the bounds do.
    final Set<String> upTo = new HashSet<>();
    for (int i = 0; i < buckets.cumulative().length; i++) {
      final int from = i == 0 ? 0 : (int) buckets.cumulative()[i - 1];
      final int to = (int) buckets.cumulative()[i];
      final List<Timed> own = credited.subList(from, to);
      own.forEach(t -> upTo.add(String.valueOf(t.payer())));
      cells.put(List.of("own", String.valueOf(i)), new Egress.Cell(to - from, payers(own)));
      cells.put(List.of("le", String.valueOf(i)), new Egress.Cell(to, upTo.size()));
    }
    cells.put(List.of("sum"), new Egress.Cell(buckets.sum(), upTo.size()));
    final Map<List<String>, Double> released = egress.releaseTogether(Cells.TIME_TO_CONVERT, cells, asOf);
    if (!released.isEmpty()) {
      final long[] cumulative = new long[buckets.cumulative().length];
      for (int i = 0; i < cumulative.length; i++) {
        cumulative[i] = released.get(List.of("le", String.valueOf(i))).longValue();
      }
      timeToConvert.set(ecosystem, new TimeToConvertHistogram.Buckets(cumulative, released.get(List.of("sum"))));
    }
  }

  /** How many distinct payers {@code conversions} have (those without one count as one). */
  private static long payers(final List<Timed> conversions) {
    return conversions.stream().map(t -> String.valueOf(t.payer())).distinct().count();
  }

  private static List<MultiGauge.Row<?>> rows(final Map<List<String>, Double> values, final String... tags) {
    final List<MultiGauge.Row<?>> rows = new ArrayList<>();
    values.forEach((labels, value) -> rows.add(MultiGauge.Row.of(tags(labels, tags), value)));
    return rows;
  }

  /** The tags named {@code names} with the values {@code labels}, pair by pair. */
  static Tags tags(final List<String> labels, final String... names) {
    Tags tags = Tags.empty();
    for (int i = 0; i < names.length; i++) {
      tags = tags.and(names[i], labels.get(i));
    }
    return tags;
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

package wxfunnel.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.Conversion;
import wxfunnel.events.CreditedTouch;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;
import wxfunnel.events.ModelAttribution;
import wxfunnel.events.UnattributedReason;
import wxfunnel.generator.Generated;
import wxfunnel.generator.Generator;
import wxfunnel.generator.TrafficSender;
import wxfunnel.local.LocalStack;
import wxfunnel.registry.RegistryClient;
import wxfunnel.runtime.CommittedView;
import wxfunnel.runtime.FunnelProcessor;
import wxfunnel.runtime.ProcessorLag;
import wxfunnel.testing.CliRun;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;
import wxfunnel.topics.TopicAdmin;
import wxfunnel.topics.TopicAdmin.TopicState;
import wxfunnel.topology.FunnelConfig;

/**
 * Replays on a real broker, through the CLI: a replay reproduces every output, a dry run changes
 * nothing, a running processor is not reset, and a shadow differs from production exactly where
 * its other setting matters.
 */
class ReplayTest {

  private static final Ecosystem WEIXIN = Ecosystem.WEIXIN;
  private static final Names PRODUCTION = new Names(WEIXIN);
  private static final int RECORDS_PER_PART = 4_000;
  /** Two parts of traffic two days apart, so nothing of the first still matters in the second. */
  private static final Instant FIRST_PART = Instant.now().minus(Duration.ofDays(4)).truncatedTo(ChronoUnit.HOURS);
  private static final Instant SECOND_PART = FIRST_PART.plus(Duration.ofDays(2));
  private static final Instant BETWEEN = FIRST_PART.plus(Duration.ofDays(1));

  @TempDir
  Path dir;

  /** The rows with users, without their attributed GMV: what does not depend on the attribution. */
  private static Map<String, FunnelRow> withoutCredit(final Map<String, FunnelRow> funnel) {
    final Map<String, FunnelRow> rows = new TreeMap<>();
    funnel.forEach((key, row) -> rows.put(key, FunnelRow.newBuilder(row).setAttributedGmv(Map.of()).build()));
    rows.values().removeIf(row -> row.getTouched() == 0);
    return rows;
  }

  /** Per row with any, its attributed GMV (all in CNY: Weixin's traffic pays in yuan). */
  private static Map<String, Long> credit(final Map<String, FunnelRow> funnel) {
    final Map<String, Long> credit = new TreeMap<>();
    funnel.forEach((key, row) -> row.getAttributedGmv().forEach((currency, amount) -> credit.merge(key, amount, Long::sum)));
    return credit;
  }

  /** Each attributed payment's whole amount, on the row of its last touch's campaign and the day paid in Shanghai. */
  private static Map<String, Long> lastTouchCredit(final Map<String, Conversion> conversions) {
    final Map<String, Long> credit = new TreeMap<>();
    for (final Conversion conversion : conversions.values()) {
      conversion.getAttributions().stream().filter(a -> a.getModel() == AttributionModel.LAST_TOUCH)
          .flatMap(a -> a.getTouches().stream()).filter(t -> t.getCampaignId() != null && conversion.getAmount() > 0)
          .forEach(t -> credit.merge(t.getCampaignId() + "|" + LocalDate.ofInstant(conversion.getPaidAt(), FunnelConfig.defaultTimeZone(WEIXIN)),
              conversion.getAmount(), Long::sum));
    }
    return credit;
  }

  /** The latest committed value of every key of the two keyed outputs. */
  private record Snapshot(Map<String, Conversion> conversions, Map<String, FunnelRow> funnel) {

    /** The keys whose values differ from {@code other}'s, or exist on one side only. */
    Set<String> differences(final Snapshot other) {
      final Set<String> keys = new TreeSet<>();
      keys.addAll(differing(conversions, other.conversions));
      keys.addAll(differing(funnel, other.funnel));
      return keys;
    }

    /** The first few differences, both sides, for a failure message. */
    String show(final Snapshot other) {
      final StringBuilder text = new StringBuilder();
      differences(other).stream().limit(3).forEach(key -> text.append(key).append(":\n  ")
          .append(conversions.containsKey(key) || other.conversions.containsKey(key) ? conversions.get(key) : funnel.get(key))
          .append("\n  ").append(other.conversions.containsKey(key) || conversions.containsKey(key)
              ? other.conversions.get(key) : other.funnel.get(key)).append('\n'));
      return text.toString();
    }

    private static <V> Set<String> differing(final Map<String, V> one, final Map<String, V> other) {
      final Set<String> keys = new TreeSet<>(one.keySet());
      keys.addAll(other.keySet());
      keys.removeIf(key -> Objects.equals(one.get(key), other.get(key)));
      return keys;
    }
  }

  @Test
  void aReplayToTheEarliestOrFromBetweenTwoDaysReproducesEveryOutput() throws Exception {
    try (LocalStack stack = stack()) {
      final long firstPartInputs = send(stack, 11, FIRST_PART);
      send(stack, 12, SECOND_PART);
      process(stack, PRODUCTION, FunnelConfig.defaults(WEIXIN));
      final Snapshot original = snapshot(stack, PRODUCTION);
      assertThat(original.conversions()).hasSizeGreaterThan(100);
      assertThat(original.funnel().values()).extracting(FunnelRow::getCohortDay).contains(day(FIRST_PART), day(SECOND_PART));

      assertThat(cli(stack, "--to-earliest").exitCode()).isZero();
      assertThat(Replay.localState(stack.kafka().clientConfig(), PRODUCTION, state())).doesNotExist();
      assertThat(internalTopics(stack)).isEmpty();
      assertThat(committedInputOffsets(stack)).isZero();
      process(stack, PRODUCTION, FunnelConfig.defaults(WEIXIN));
      final Snapshot replayed = snapshot(stack, PRODUCTION);
      assertThat(replayed.differences(original)).as(() -> replayed.show(original)).isEmpty();

      assertThat(cli(stack, "--to-datetime", BETWEEN.toString()).exitCode()).isZero();
      assertThat(committedInputOffsets(stack)).as("the first part is skipped").isEqualTo(firstPartInputs);
      process(stack, PRODUCTION, FunnelConfig.defaults(WEIXIN));
      assertThat(snapshot(stack, PRODUCTION).differences(original)).isEmpty();
    }
  }

  @Test
  void aDryRunChangesNoOffsetTopicOrStateAndARunningProcessorIsNotReset() throws Exception {
    try (LocalStack stack = stack()) {
      send(stack, 21, FIRST_PART);
      process(stack, PRODUCTION, FunnelConfig.defaults(WEIXIN));
      final Map<TopicPartition, OffsetAndMetadata> offsets = groupOffsets(stack);
      final Set<String> topics = allTopics(stack);
      final Map<String, Long> files = files(Replay.localState(stack.kafka().clientConfig(), PRODUCTION, state()));
      assertThat(files).isNotEmpty();

      final CliRun dryRun = cli(stack, "--to-earliest", "--dry-run");

      assertThat(dryRun.exitCode()).isZero();
      assertThat(dryRun.out()).contains(PRODUCTION.repartitionTopics().get(0), "Would delete local state");
      assertThat(groupOffsets(stack)).isEqualTo(offsets);
      assertThat(allTopics(stack)).isEqualTo(topics);
      assertThat(files(Replay.localState(stack.kafka().clientConfig(), PRODUCTION, state()))).isEqualTo(files);

      try (FunnelProcessor running = FunnelProcessor.start(PRODUCTION, FunnelConfig.defaults(WEIXIN),
          stack.kafka().clientConfig(), stack.registryUrl(), state())) {
        running.awaitRunning(Duration.ofMinutes(1));
        final CliRun refused = cli(stack, "--to-earliest");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("the group wxfunnel-weixin still has 1 member(s): stop its processors first");
      }
      assertThat(groupOffsets(stack)).isEqualTo(offsets);
    }
  }

  @Test
  void aShadowWithAShorterLookbackDiffersExactlyWhereTheLookbackMatters() throws Exception {
    final Duration lookback = Duration.ofMinutes(2);
    try (LocalStack stack = stack()) {
      send(stack, 31, FIRST_PART);
      process(stack, PRODUCTION, FunnelConfig.defaults(WEIXIN));
      final Snapshot production = snapshot(stack, PRODUCTION);
      final Map<TopicPartition, OffsetAndMetadata> productionOffsets = groupOffsets(stack);

      final CliRun shadowRun = cli(stack, "--to-earliest", "--shadow", "short", "--lookback", "2m");
      assertThat(shadowRun.exitCode()).as(shadowRun.err()).isZero();

      assertThat(snapshot(stack, PRODUCTION).differences(production)).as("production untouched").isEmpty();
      assertThat(groupOffsets(stack)).isEqualTo(productionOffsets);
      final Snapshot shadow = snapshot(stack, new Names(WEIXIN, "short"));
      assertThat(withoutCredit(shadow.funnel())).as("the funnel's users and GMV do not depend on the lookback")
          .isEqualTo(withoutCredit(production.funnel()));
      // Each row's attributed GMV is what its conversions credit it, under the default last touch.
      assertThat(credit(shadow.funnel())).isEqualTo(lastTouchCredit(shadow.conversions())).isNotEqualTo(credit(production.funnel()));
      assertThat(credit(production.funnel())).isEqualTo(lastTouchCredit(production.conversions()));
      assertThat(shadow.conversions().keySet()).isEqualTo(production.conversions().keySet());
      final Map<String, Integer> cases = new TreeMap<>();
      production.conversions().forEach((id, before) -> {
        final Conversion after = shadow.conversions().get(id);
        final List<Long> ages = touchAges(before);
        if (ages.stream().allMatch(age -> age <= lookback.toMillis())) {
          assertThat(after).as("every touch inside the lookback").isEqualTo(before);
          cases.merge("same", 1, Integer::sum);
        } else if (ages.stream().allMatch(age -> age > lookback.toMillis())) {
          assertThat(after.getUnattributedReason()).isEqualTo(UnattributedReason.NO_TOUCH);
          assertThat(after.getAttributions()).allSatisfy(a -> assertThat(a.getTouches()).isEmpty());
          cases.merge("lost", 1, Integer::sum);
        } else {
          assertThat(after).isNotEqualTo(before);
          assertThat(touchAges(after)).allMatch(age -> age <= lookback.toMillis()).isNotEmpty();
          cases.merge("fewer", 1, Integer::sum);
        }
      });
      assertThat(cases).containsKeys("same", "lost", "fewer");

      final CliRun compare = cli(stack, "--compare", "short");
      assertThat(compare.exitCode()).isZero();
      assertThat(compare.out()).containsPattern("\\(unattributed\\) .* -> ").contains("campaigns differ");
    }
  }

  @Test
  void topicsDescribeShowsEndOffsetsAndWhatTheProcessorHasNotCommitted() throws Exception {
    try (LocalStack stack = stack()) {
      send(stack, 41, FIRST_PART);
      process(stack, PRODUCTION, FunnelConfig.defaults(WEIXIN));
      final Map<String, Long> unprocessed = sendCounting(stack, 42, SECOND_PART);

      final Map<String, TopicState> states;
      try (TopicAdmin topics = new TopicAdmin(stack.kafka().clientConfig())) {
        states = topics.describe(EnumSet.of(WEIXIN));
      }

      for (final EcoTopic input : List.of(EcoTopic.READS, EcoTopic.SCANS, EcoTopic.COUPON_CLICKS, EcoTopic.PAYMENTS)) {
        assertThat(states.get(input.topic(WEIXIN)).lag()).as(input.name()).isEqualTo(unprocessed.get(input.topic(WEIXIN)));
      }
      // The processor reads its outputs too, into the tables its queries answer from.
      assertThat(states.get(PRODUCTION.topic(EcoTopic.CONVERSIONS)).lag()).isNotNull()
          .isBetween(0L, states.get(PRODUCTION.topic(EcoTopic.CONVERSIONS)).endOffsets());
      assertThat(states.get(PRODUCTION.topic(EcoTopic.CONVERSIONS)).endOffsets())
          .isGreaterThanOrEqualTo(snapshot(stack, PRODUCTION).conversions().size());
      assertThat(states.get(PRODUCTION.topic(EcoTopic.PAYMENTS)).endOffsets()).isGreaterThan(unprocessed.get(PRODUCTION.topic(EcoTopic.PAYMENTS)));
    }
  }

  /** How long before the payment each credited touch happened, over every model. */
  private static List<Long> touchAges(final Conversion conversion) {
    final List<Long> ages = new ArrayList<>();
    for (final ModelAttribution attribution : conversion.getAttributions()) {
      for (final CreditedTouch touch : attribution.getTouches()) {
        ages.add(conversion.getPaidAt().toEpochMilli() - touch.getTouchTime().toEpochMilli());
      }
    }
    return ages;
  }

  private LocalStack stack() throws Exception {
    return LocalStack.withTopics(dir.resolve("kafka"), EnumSet.of(WEIXIN), 3);
  }

  private Path state() {
    return dir.resolve("state");
  }

  /** Sends a generated part of Weixin traffic; returns how many records went to the event inputs. */
  private static long send(final LocalStack stack, final long seed, final Instant start) {
    final Map<String, Long> sent = sendCounting(stack, seed, start);
    sent.remove(EcoTopic.CONTENT.topic(WEIXIN));
    return sent.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Sends a generated part of Weixin traffic; returns how many records went to each topic. */
  private static Map<String, Long> sendCounting(final LocalStack stack, final long seed, final Instant start) {
    final Map<String, Long> sent = new TreeMap<>();
    try (TrafficSender sender = new TrafficSender(stack.kafka().clientConfig(), new RegistryClient(stack.registryUrl()))) {
      final Generator generator = new Generator(Generator.Settings.of(seed, RECORDS_PER_PART)
          .withEcosystems(EnumSet.of(WEIXIN)).withStart(start));
      while (generator.hasNext()) {
        final Generated record = generator.next();
        sender.send(record);
        sent.merge(record.topic(), 1L, Long::sum);
      }
      sender.flush();
    }
    return sent;
  }

  private void process(final LocalStack stack, final Names names, final FunnelConfig config) throws Exception {
    try (Admin admin = Admin.create(stack.kafka().clientConfig());
        FunnelProcessor processor = FunnelProcessor.start(names, config, stack.kafka().clientConfig(), stack.registryUrl(), state())) {
      processor.awaitRunning(Duration.ofMinutes(1));
      ProcessorLag.awaitSettled(admin, names, Duration.ofMinutes(3));
    }
  }

  private static Snapshot snapshot(final LocalStack stack, final Names names) {
    final CommittedView<Conversion> view =
        CommittedView.read(stack.kafka().clientConfig(), new RegistryClient(stack.registryUrl()), names);
    return new Snapshot(new TreeMap<>(view.conversions()), new TreeMap<>(view.funnel()));
  }

  /** Runs {@code wxfunnel replay} for Weixin on this stack with {@code options}. */
  private CliRun cli(final LocalStack stack, final String... options) {
    final List<String> args = new ArrayList<>(List.of("replay", "--ecosystem", "weixin", "--bootstrap-servers",
        stack.bootstrapServers(), "--schema-registry-url", stack.registryUrl(), "--state-dir", state().toString()));
    args.addAll(List.of(options));
    return CliRun.of(args.toArray(String[]::new));
  }

  /** The cohort day of an instant, in Beijing. */
  private static LocalDate day(final Instant instant) {
    return instant.atZone(FunnelConfig.defaultTimeZone(WEIXIN)).toLocalDate();
  }

  private static Set<String> allTopics(final LocalStack stack) throws Exception {
    try (Admin admin = Admin.create(stack.kafka().clientConfig())) {
      return new TreeSet<>(admin.listTopics().names().get(30, TimeUnit.SECONDS));
    }
  }

  private static Set<String> internalTopics(final LocalStack stack) throws Exception {
    final Set<String> internal = new TreeSet<>(allTopics(stack));
    internal.removeIf(name -> !name.startsWith(PRODUCTION.applicationId() + "-"));
    return internal;
  }

  private static Map<TopicPartition, OffsetAndMetadata> groupOffsets(final LocalStack stack) throws Exception {
    try (Admin admin = Admin.create(stack.kafka().clientConfig())) {
      return admin.listConsumerGroupOffsets(PRODUCTION.applicationId()).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
    }
  }

  /** The group's committed offsets over the event inputs, summed. */
  private static long committedInputOffsets(final LocalStack stack) throws Exception {
    final Set<String> inputs = new TreeSet<>();
    for (final EcoTopic topic : List.of(EcoTopic.READS, EcoTopic.SCANS, EcoTopic.COUPON_CLICKS, EcoTopic.PAYMENTS)) {
      inputs.add(topic.topic(WEIXIN));
    }
    return groupOffsets(stack).entrySet().stream().filter(e -> inputs.contains(e.getKey().topic()))
        .mapToLong(e -> e.getValue().offset()).sum();
  }

  /** Every file under {@code dir}, with its size. */
  private static Map<String, Long> files(final Path dir) throws IOException {
    final Map<String, Long> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (final Path file : walk.filter(Files::isRegularFile).toList()) {
        files.put(dir.relativize(file).toString(), Files.size(file));
      }
    }
    return files;
  }
}

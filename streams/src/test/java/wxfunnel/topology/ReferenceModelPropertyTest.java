package wxfunnel.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static wxfunnel.topics.Ledger.Outcome.DUPLICATE;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import wxfunnel.events.Article;
import wxfunnel.events.ArticleRead;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.ContentPerformance;
import wxfunnel.events.ConversionStatus;
import wxfunnel.events.CouponClick;
import wxfunnel.events.CreditedTouch;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;
import wxfunnel.events.Payment;
import wxfunnel.events.QrScan;
import wxfunnel.reference.ReferenceModel;
import wxfunnel.reference.ReferenceModel.InputRecord;
import wxfunnel.registry.InMemoryRegistry;
import wxfunnel.registry.RegistryException;
import wxfunnel.registry.SchemaRegistry;
import wxfunnel.topics.EcoTopic;

/**
 * The real topology against the reference model, on the disorder real producers make: records
 * shuffled within and beyond the grace, exact duplicates, payments retried under new
 * notification ids, events stamped ahead of their records, articles published before and after
 * the reads that name them, bad catalog records, garbage, ids empty or too long, the other
 * ecosystem's records, short conversion windows and a reporting zone crossing a DST change.
 * Every output key, dead letter and ledger count must be the model's.
 */
class ReferenceModelPropertyTest {

  /** 08:00 in New York on 2026-10-31, the day before its clocks go back. */
  private static final Instant T0 = Instant.parse("2026-10-31T12:00:00Z");
  private static final List<String> CAMPAIGNS = Arrays.asList("A", "B", null);
  private static final List<ZoneId> ZONES = List.of(ZoneId.of("Asia/Shanghai"), ZoneId.of("UTC"), ZoneId.of("America/New_York"));
  private static final List<Duration> WINDOWS = List.of(Duration.ofHours(2), Duration.ofDays(7));
  /** A whole journey: read, scan, coupon, payment. */
  private static final int JOURNEY = 9;
  /** A payment without its unionid, then with it. */
  private static final int RACE = 10;
  private static final int BARE_PAYMENT = 11;
  private static final int ENRICHED_PAYMENT = 12;
  private static final SchemaRegistry registry = new InMemoryRegistry("ReferenceModelPropertyTest");

  /**
   * One input (or, {@link #JOURNEY}, three): what it is, whose, when (minutes after T0), which
   * campaign, how long after its event time it arrives (the grace is 600 s; one in five arrives later), and how far its event
   * time lies ahead of the record's timestamp (more than 300 s is refused).
   */
  record Spec(int what, int person, int minute, int campaign, int delaySeconds, int aheadSeconds) {}

  /** The semantics' knobs a try runs under. */
  record Knobs(int zone, int window, AttributionModel model) {}

  @Provide
  Arbitrary<List<Spec>> traffic() {
    final Arbitrary<Spec> spec = Combinators.combine(
        Arbitraries.integers().between(0, RACE + 2).map(w -> Math.min(w, RACE)), Arbitraries.integers().between(0, 3),
        Arbitraries.integers().between(0, 30 * 60), Arbitraries.integers().between(0, 2),
        Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.integers().between(0, 600)), Tuple.of(1, Arbitraries.integers().between(600, 7_200))),
        Arbitraries.integers().between(0, 330))
        .as(Spec::new);
    return spec.list().ofMinSize(1).ofMaxSize(30);
  }

  @Provide
  Arbitrary<Knobs> knobs() {
    return Combinators.combine(Arbitraries.integers().between(0, ZONES.size() - 1), Arbitraries.integers().between(0, WINDOWS.size() - 1),
        Arbitraries.of(AttributionModel.class)).as(Knobs::new);
  }

  @Property(tries = 1000)
  void theProcessorEndsWithExactlyTheReferenceModelsOutputs(@ForAll("traffic") final List<Spec> traffic, @ForAll("knobs") final Knobs knobs) {
    final FunnelConfig config = FunnelConfig.defaults(Ecosystem.WEIXIN)
        .withTimeZone(ZONES.get(knobs.zone())).withConversionWindow(WINDOWS.get(knobs.window())).withModel(knobs.model());
    try (FunnelDriver d = new FunnelDriver(Ecosystem.WEIXIN, config, registry)) {
      final List<InputRecord> inputs = records(d, traffic);
      for (final InputRecord input : inputs) {
        d.pipeBytes(topicOf(input.topic()), input.key(), input.value(), Instant.ofEpochMilli(input.timestamp()));
      }

      final ReferenceModel.Outputs expected = ReferenceModel.run(Ecosystem.WEIXIN, config, inputs, ReferenceModelPropertyTest::schema);
      cover(expected, knobs.model());

      assertThat(d.conversionsWithPayers()).isEqualTo(expected.conversions());
      assertThat(d.funnel()).isEqualTo(expected.funnel());
      assertThat(d.content()).isEqualTo(expected.content());
      assertThat(d.deadLetterSources()).isEqualTo(expected.deadLetters());
      assertThat(d.ledger()).isEqualTo(expected.ledger());
    }
  }

  /**
   * What the tries must reach, each in a good share of them, for the comparison to mean something
   * (seen over runs: final rows 5-7 %, paid rows 28 %, LATE 8-9 %, catalog campaigns 11 %; the bars
   * sit below, so that chance does not fail a run, and a generator that stops making them does).
   */
  private static void cover(final ReferenceModel.Outputs expected, final AttributionModel model) {
    final var reasons = expected.deadLetters().stream().map(ReferenceModel.DeadLetter::reason).toList();
    final var rows = expected.funnel().values();
    Statistics.label("final row").collect(rows.stream().anyMatch(FunnelRow::getFinal$))
        .coverage(c -> c.check(true).percentage(p -> p > 2));
    Statistics.label("paid row").collect(rows.stream().anyMatch(r -> r.getPaid() > 0))
        .coverage(c -> c.check(true).percentage(p -> p > 10));
    Statistics.label("attributed").collect(expected.conversions().values().stream().anyMatch(c -> c.getStatus() == ConversionStatus.ATTRIBUTED))
        .coverage(c -> c.check(true).percentage(p -> p > 20));
    Statistics.label("credit split over campaigns").collect(expected.conversions().values().stream()
        .flatMap(c -> c.getAttributions().stream().filter(a -> a.getModel() == model))
        .anyMatch(a -> a.getTouches().stream().map(CreditedTouch::getCampaignId).filter(Objects::nonNull).distinct().count() > 1))
        .coverage(c -> c.check(true).percentage(p -> p > 5));
    Statistics.label("credit on a row nobody entered").collect(rows.stream().anyMatch(r -> r.getTouched() == 0 && !r.getAttributedGmv().isEmpty()))
        .coverage(c -> c.check(true).percentage(p -> p > 5));
    Statistics.label("credited content row").collect(expected.content().values().stream()
        .anyMatch(r -> r.getCredits().stream().anyMatch(c -> c.getModel() == model && c.getConversions() > 0)))
        .coverage(c -> c.check(true).percentage(p -> p > 10));
    Statistics.label("final content row").collect(expected.content().values().stream().anyMatch(ContentPerformance::getFinal$));
    Statistics.label("LATE").collect(reasons.contains("LATE")).coverage(c -> c.check(true).percentage(p -> p > 4));
    Statistics.label("MISSING_FIELD").collect(reasons.contains("MISSING_FIELD")).coverage(c -> c.check(true).percentage(p -> p > 5));
    Statistics.label("INVALID_FIELD").collect(reasons.contains("INVALID_FIELD")).coverage(c -> c.check(true).percentage(p -> p > 5));
    Statistics.label("catalog dead letter").collect(expected.deadLetters().stream().anyMatch(d -> EcoTopic.CONTENT.isTopic(d.topic())))
        .coverage(c -> c.check(true).percentage(p -> p > 3));
    Statistics.label("INVALID_TIMESTAMP").collect(reasons.contains("INVALID_TIMESTAMP")).coverage(c -> c.check(true).percentage(p -> p > 10));
    Statistics.label("duplicate payment").collect(expected.ledger().containsKey(DUPLICATE.key("PAYMENT")))
        .coverage(c -> c.check(true).percentage(p -> p > 5));
    Statistics.label("unionid race").collect(expected.conversions().keySet().stream().anyMatch(tx -> tx.startsWith("race-")))
        .coverage(c -> c.check(true).percentage(p -> p > 10));
    Statistics.label("campaign from the catalog").collect(expected.funnel().keySet().stream().anyMatch(row -> row.startsWith("K")))
        .coverage(c -> c.check(true).percentage(p -> p > 5));
  }

  /** The traffic as records on their topics, in the order they arrive, with their offsets. */
  private static List<InputRecord> records(final FunnelDriver d, final List<Spec> traffic) {
    final List<Spec> arrival = new ArrayList<>();
    for (final Spec s : traffic) {
      if (s.what() == RACE) {
        // One payment delivered first without its unionid, then enriched, up to four minutes apart.
        arrival.add(new Spec(BARE_PAYMENT, s.person(), s.minute(), s.campaign(), s.delaySeconds(), s.aheadSeconds()));
        arrival.add(new Spec(ENRICHED_PAYMENT, s.person(), s.minute(), s.campaign(), s.delaySeconds() + s.aheadSeconds() % 240, 0));
      } else if (s.what() == JOURNEY) {
        // A read, a scan, a coupon 10 minutes later and a payment 10 minutes after that, each with its own delay.
        arrival.add(new Spec(0, s.person(), s.minute(), s.campaign(), s.delaySeconds(), s.aheadSeconds()));
        arrival.add(new Spec(1, s.person(), s.minute() + 5, s.campaign(), s.delaySeconds() / 4, 0));
        arrival.add(new Spec(2, s.person(), s.minute() + 10, s.campaign(), s.delaySeconds() / 2, s.aheadSeconds() / 2));
        arrival.add(new Spec(3, s.person(), s.minute() + 20, s.campaign(), s.delaySeconds() / 3, 0));
      } else {
        arrival.add(s);
      }
    }
    arrival.sort(Comparator.comparingLong((Spec s) -> s.minute() * 60L + s.delaySeconds()));
    final Events weixin = new Events(Ecosystem.WEIXIN);
    final Events wechat = new Events(Ecosystem.WECHAT);
    final List<SpecificRecord> sent = new ArrayList<>();
    final List<InputRecord> records = new ArrayList<>();
    final Map<EcoTopic, Long> offsets = new HashMap<>();
    for (int i = 0; i < arrival.size(); i++) {
      final Spec s = arrival.get(i);
      final Instant at = T0.plus(Duration.ofMinutes(s.minute()));
      final String person = "p" + s.person();
      final String campaign = CAMPAIGNS.get(s.campaign());
      final String id = "e" + i;
      final SpecificRecord event = switch (s.what()) {
        case 0 -> withoutUnionid(s, weixin.read(id, person, at, "m" + s.campaign(), s.person() % 2 == 0 ? campaign : null));
        case 1 -> withoutUnionid(s, weixin.scan(id, person, at, campaign == null ? "C" : campaign));
        case 2 -> withoutUnionid(s, weixin.coupon(id, person, at, campaign, "m" + s.campaign()));
        case 3 -> withoutUnionid(s, weixin.payment("tx" + i, person, at, 100L * (i + 1), s.campaign() == 2 ? "SGD" : "CNY"));
        // A retry of the last payment sent: the same transaction under a new notification id.
        case 4 -> lastPayment(sent) == null ? null : Payment.newBuilder(lastPayment(sent)).setEventId("notif-" + i).build();
        // The last event sent again, as it was.
        case 5 -> sent.isEmpty() ? null : sent.get(sent.size() - 1);
        case 6 -> Article.newBuilder(weixin.article("m" + s.campaign(), s.person() == 3 ? null : "K" + s.person()))
            .setPublishedAt(at).build();
        case 7 -> s.minute() % 2 == 0 ? wechat.read(id, person, at, "m0", "A") : wechat.article("m0", "X");
        case 8 -> s.person() % 2 == 0 ? null : damaged(weixin, s, id, person, at);
        case BARE_PAYMENT -> Payment.newBuilder(racedPayment(weixin, s, at)).setUnionid(null).build();
        case ENRICHED_PAYMENT -> racedPayment(weixin, s, at);
        default -> null;
      };
      final EcoTopic topic = event == null ? EcoTopic.values()[(s.person() + s.minute()) % 5] : topicOf(event);
      final byte[] value = event == null ? new byte[] {1, (byte) i} : d.bytesOf(topic, event);
      final long timestamp = at.minusSeconds(s.aheadSeconds()).toEpochMilli();
      final long offset = offsets.merge(topic, 1L, Long::sum) - 1;
      records.add(new InputRecord(d.names.topic(topic), 0, offset, person.getBytes(StandardCharsets.UTF_8), value, timestamp));
      if (event != null && topic != EcoTopic.CONTENT) {
        sent.add(event);
      }
    }
    return records;
  }

  /** An event a careless producer sends: ids empty or too long, one of them or several at once. */
  private static SpecificRecord damaged(final Events weixin, final Spec s, final String id, final String person, final Instant at) {
    final ArticleRead read = weixin.read(id, person, at, "m" + s.campaign(), null);
    switch (s.delaySeconds() % 4) {
      case 0 -> read.setEventId("n".repeat(300));
      case 1 -> {
        read.setEventId("n".repeat(300));
        read.setAppId("");
      }
      case 2 -> {
        read.setOpenid("o".repeat(300));
        read.setMsgId(" ");
      }
      default -> {
        return Payment.newBuilder(weixin.payment("tx" + id, person, at, 100, "CNY")).setTransactionId("").build();
      }
    }
    return read;
  }

  /** Person p3 has no unionid: her touches and her payments are apart (different apps). */
  private static SpecificRecord withoutUnionid(final Spec s, final SpecificRecord event) {
    if (s.person() == 3) {
      event.put(4, null);
    }
    return event;
  }

  /** The payment of a race: the same transaction in both copies. */
  private static Payment racedPayment(final Events weixin, final Spec s, final Instant at) {
    return weixin.payment("race-" + s.minute() + "-" + s.person(), "p" + s.person(), at, 1_000 + s.minute(), "CNY");
  }

  private static Payment lastPayment(final List<SpecificRecord> sent) {
    for (int i = sent.size() - 1; i >= 0; i--) {
      if (sent.get(i) instanceof Payment payment) {
        return payment;
      }
    }
    return null;
  }

  private static EcoTopic topicOf(final SpecificRecord event) {
    if (event instanceof ArticleRead) {
      return EcoTopic.READS;
    }
    if (event instanceof QrScan) {
      return EcoTopic.SCANS;
    }
    if (event instanceof CouponClick) {
      return EcoTopic.COUPON_CLICKS;
    }
    return event instanceof Payment ? EcoTopic.PAYMENTS : EcoTopic.CONTENT;
  }

  private static EcoTopic topicOf(final String name) {
    for (final EcoTopic topic : EcoTopic.values()) {
      if (topic.topic(Ecosystem.WEIXIN).equals(name)) {
        return topic;
      }
    }
    throw new IllegalArgumentException(name);
  }

  private static Schema schema(final int id) {
    try {
      return registry.schemaById(id);
    } catch (RegistryException e) {
      return null;
    }
  }
}

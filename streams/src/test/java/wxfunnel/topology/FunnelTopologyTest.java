package wxfunnel.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static wxfunnel.events.TouchType.COUPON;
import static wxfunnel.events.TouchType.READ;
import static wxfunnel.events.TouchType.SCAN;
import static wxfunnel.topics.Ledger.Outcome.ACCEPTED;
import static wxfunnel.topics.Ledger.Outcome.DUPLICATE;
import static wxfunnel.topics.Ledger.Outcome.LATE;
import static wxfunnel.topology.Expected.attributed;
import static wxfunnel.topology.Expected.row;
import static wxfunnel.topology.Expected.single;
import static wxfunnel.topology.Expected.touch;
import static wxfunnel.topology.Expected.unattributed;
import static wxfunnel.topology.Expected.withPayers;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import wxfunnel.events.ArticleRead;
import wxfunnel.events.CreditedTouch;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.Payment;
import wxfunnel.events.TouchType;
import wxfunnel.events.UnattributedReason;
import wxfunnel.topics.EcoTopic;

/** The rules of DESIGN section 5, each on the real topology, with exact expected outputs. */
class FunnelTopologyTest {

  /** 10:00 in Shanghai on 2026-11-20. */
  static final Instant T0 = Instant.parse("2026-11-20T02:00:00Z");
  static final Ecosystem WEIXIN = Ecosystem.WEIXIN;
  static final String SHANGHAI = "Asia/Shanghai";

  @RegisterExtension
  final Drivers drivers = new Drivers("FunnelTopologyTest");
  private final Events weixin = new Events(WEIXIN);

  private FunnelDriver driver(final Ecosystem ecosystem) {
    return drivers.open(ecosystem, FunnelConfig.defaults(ecosystem));
  }

  static Instant at(final Duration offset) {
    return T0.plus(offset);
  }

  static Duration hours(final long h) {
    return Duration.ofHours(h);
  }

  @Test
  void everyAttributionModelCreditsTheSameTouchesItsOwnWay() {
    // Given a read, a scan, a coupon and a read resolved through the catalog, then a payment
    final FunnelDriver d = driver(WEIXIN).pipe(weixin.article("200_1", "C"),
        weixin.read("r1", "u1", at(hours(0)), "100_1", "A"),
        weixin.scan("s1", "u1", at(hours(1)), "B"),
        weixin.coupon("c1", "u1", at(hours(2)), "A", null),
        weixin.read("r2", "u1", at(hours(3)), "200_1", null),
        weixin.payment("tx1", "u1", at(hours(4)), 10_000, "CNY"));

    // Then one conversion, credited by each model
    final Instant paid = at(hours(4));
    final var r1 = touchAt(READ, "r1", "A", "100_1", null, hours(0), paid);
    final var s1 = touchAt(SCAN, "s1", "B", null, "B", hours(1), paid);
    final var c1 = touchAt(COUPON, "c1", "A", null, null, hours(2), paid);
    final var r2 = touchAt(READ, "r2", "C", "200_1", null, hours(3), paid);
    assertThat(d.conversions()).isEqualTo(Map.of("tx1", attributed(WEIXIN, "tx1", 10_000, "CNY", paid,
        List.of(r2.weighted(1.0)),
        List.of(r1.weighted(1.0)),
        List.of(r1.weighted(0.25), s1.weighted(0.25), c1.weighted(0.25), r2.weighted(0.25)),
        List.of(r1.weighted(0.4), s1.weighted(0.1), c1.weighted(0.1), r2.weighted(0.4)))));
    // And funnels: A went all the way; B and C were only touched
    assertThat(d.funnel()).isEqualTo(Map.of(
        "A|2026-11-20", row(WEIXIN, "A", "2026-11-20", SHANGHAI, 1, 1, 1, Map.of("CNY", 10_000L), false),
        "B|2026-11-20", row(WEIXIN, "B", "2026-11-20", SHANGHAI, 1, 0, 0, Map.of(), false),
        // The payment's money is credited, under the default last-touch model, to the campaign of r2
        "C|2026-11-20", row(WEIXIN, "C", "2026-11-20", SHANGHAI, 1, 0, 0, Map.of(), Map.of("CNY", 10_000L), false)));
  }

  @Test
  void lookbackIncludesItsEdgeAndNothingBeforeOrAfter() {
    final Instant paid = at(Duration.ofDays(8));
    final FunnelDriver d = driver(WEIXIN).pipe(
        weixin.read("too-early", "u1", paid.minus(Duration.ofDays(7)).minusMillis(1), "100_1", "A"),
        weixin.read("edge", "u1", paid.minus(Duration.ofDays(7)), "100_1", "A"),
        weixin.payment("tx1", "u1", paid, 500, "CNY"),
        weixin.read("after", "u1", paid.plusMillis(1), "100_1", "A"));

    assertThat(d.conversions()).isEqualTo(Map.of("tx1", single(WEIXIN, "tx1", 500, "CNY", paid,
        touch(READ, "edge", "A", "100_1", null, paid.minus(Duration.ofDays(7)), 1.0, paid))));
  }

  @Test
  void paymentWithoutUnionidIsUnattributed() {
    // The Mini Program's payer has its own openid: without a unionid it cannot be joined to the read.
    final Payment anonymous = Payment.newBuilder(weixin.payment("tx-anon", "u1", at(hours(2)), 900, "CNY")).setUnionid(null).build();
    final FunnelDriver d = driver(WEIXIN).pipe(
        weixin.read("r1", "u1", at(hours(1)), "100_1", "A"),
        anonymous,
        weixin.payment("tx-known", "u1", at(hours(3)), 800, "CNY"),
        weixin.payment("tx-nobody", "u2", at(hours(3)), 700, "CNY"));

    assertThat(d.conversions()).isEqualTo(Map.of(
        "tx-anon", unattributed(WEIXIN, "tx-anon", 900, "CNY", at(hours(2)), UnattributedReason.NO_UNIONID),
        "tx-known", single(WEIXIN, "tx-known", 800, "CNY", at(hours(3)),
            touch(READ, "r1", "A", "100_1", null, at(hours(1)), 1.0, at(hours(3)))),
        "tx-nobody", unattributed(WEIXIN, "tx-nobody", 700, "CNY", at(hours(3)), UnattributedReason.NO_TOUCH)));
  }

  @Test
  void paymentInTheSameAppJoinsWithoutUnionid() {
    final ArticleRead read = ArticleRead.newBuilder(weixin.read("r1", "x", at(hours(1)), "100_1", "A"))
        .setUnionid(null).setAppId("wx-shop").setOpenid("o-shop-9").build();
    final Payment payment = Payment.newBuilder(weixin.payment("tx1", "x", at(hours(2)), 300, "CNY"))
        .setUnionid(null).setAppId("wx-shop").setOpenid("o-shop-9").build();

    final FunnelDriver d = driver(WEIXIN).pipe(read, payment);

    assertThat(d.conversions()).isEqualTo(Map.of("tx1", single(WEIXIN, "tx1", 300, "CNY", at(hours(2)),
        touch(READ, "r1", "A", "100_1", null, at(hours(1)), 1.0, at(hours(2))))));
  }

  @Test
  void campaignIsResolvedThroughTheCatalogForReadsAndCoupons() {
    final FunnelDriver d = driver(WEIXIN).pipe(weixin.article("300_1", "D"),
        weixin.read("r1", "u1", at(hours(1)), "300_1", null),
        weixin.coupon("c1", "u1", at(hours(2)), null, "300_1"),
        weixin.payment("tx1", "u1", at(hours(3)), 6_600, "CNY"));

    final Instant paid = at(hours(3));
    final var r1 = touchAt(READ, "r1", "D", "300_1", null, hours(1), paid);
    final var c1 = touchAt(COUPON, "c1", "D", "300_1", null, hours(2), paid);
    assertThat(d.conversions()).isEqualTo(Map.of("tx1", attributed(WEIXIN, "tx1", 6_600, "CNY", paid,
        List.of(c1.weighted(1.0)), List.of(r1.weighted(1.0)),
        List.of(r1.weighted(0.5), c1.weighted(0.5)), List.of(r1.weighted(0.5), c1.weighted(0.5)))));
    assertThat(d.funnel()).isEqualTo(Map.of(
        "D|2026-11-20", row(WEIXIN, "D", "2026-11-20", SHANGHAI, 1, 1, 1, Map.of("CNY", 6_600L), Map.of("CNY", 6_600L), false)));
  }

  @Test
  void funnelStepsCountOnlyInOrder() {
    // In event-time order, as they would arrive:
    // u1 reads, takes a coupon and pays: every step.
    // u2 takes a coupon before any touch: it does not count, so neither does the payment.
    // u3 pays without a coupon: touched only.
    // u4 takes the coupon after the conversion window closed: touched only.
    final FunnelDriver d = driver(WEIXIN).pipe(
        weixin.read("r1", "u1", at(hours(1)), "100_1", "A"),
        weixin.read("r3", "u3", at(hours(1)), "100_1", "A"),
        weixin.coupon("c2", "u2", at(hours(1)), "A", null),
        weixin.coupon("c1", "u1", at(hours(2)), "A", null),
        weixin.read("r2", "u2", at(hours(2)), "100_1", "A"),
        weixin.payment("tx1", "u1", at(hours(3)), 1_000, "CNY"),
        weixin.payment("tx2", "u2", at(hours(3)), 2_000, "CNY"),
        weixin.payment("tx3", "u3", at(hours(4)), 4_000, "CNY"),
        weixin.read("r4", "u4", at(hours(4)), "100_1", "A"),
        weixin.coupon("c4", "u4", at(hours(4).plusDays(7).plusMillis(1)), "A", null));

    // GMV is u1's money alone (the one who paid in order); all three payments credit campaign A.
    assertThat(d.funnel()).isEqualTo(Map.of(
        "A|2026-11-20", row(WEIXIN, "A", "2026-11-20", SHANGHAI, 4, 1, 1, Map.of("CNY", 1_000L), Map.of("CNY", 7_000L), false)));
  }

  @Test
  void cohortDayIsTheFirstTouchDayInTheReportingTimeZone() {
    // 23:30 UTC on the 20th is 07:30 on the 21st in Shanghai, and still the 20th in UTC.
    final Instant lateEvening = Instant.parse("2026-11-20T23:30:00Z");
    final Events wechat = new Events(Ecosystem.WECHAT);
    final FunnelDriver weixinDriver = driver(WEIXIN).pipe(weixin.read("r1", "u1", lateEvening, "100_1", "A"));
    final FunnelDriver wechatDriver = driver(Ecosystem.WECHAT).pipe(wechat.read("r1", "u1", lateEvening, "100_1", "A"));

    assertThat(weixinDriver.funnel()).containsOnlyKeys("A|2026-11-21");
    assertThat(wechatDriver.funnel()).isEqualTo(Map.of(
        "A|2026-11-20", row(Ecosystem.WECHAT, "A", "2026-11-20", "UTC", 1, 0, 0, Map.of(), false)));
  }

  @Test
  void gmvIsSummedPerCurrency() {
    final Events wechat = new Events(Ecosystem.WECHAT);
    final FunnelDriver d = driver(Ecosystem.WECHAT).pipe(
        wechat.read("r1", "w1", at(hours(1)), "100_1", "E"),
        wechat.read("r2", "w2", at(hours(1)), "100_1", "E"),
        wechat.coupon("c1", "w1", at(hours(2)), "E", null),
        wechat.coupon("c2", "w2", at(hours(2)), "E", null),
        wechat.payment("tx1", "w1", at(hours(3)), 1_999, "USD"),
        wechat.payment("tx2", "w2", at(hours(3)), 500, "SGD"),
        wechat.payment("tx3", "w2", at(hours(4)), 700, "SGD"));

    // One person paid in USD, the other twice in SGD: one payer behind each currency's money.
    assertThat(d.funnel()).isEqualTo(Map.of("E|2026-11-20", withPayers(row(Ecosystem.WECHAT, "E", "2026-11-20", "UTC", 2, 2, 2,
        Map.of("USD", 1_999L, "SGD", 1_200L), Map.of("USD", 1_999L, "SGD", 1_200L), false), Map.of("USD", 1L, "SGD", 1L))));
  }

  @Test
  void paymentNotificationRetriedFifteenTimesCountsOnce() {
    // WeChat Pay's retry schedule: 15 s, 15 s, 30 s, 3 min, 10 min, 20 min, 30 min x3, 60 min, 3 h x3, 6 h x2.
    final List<Duration> schedule = List.of(Duration.ofSeconds(15), Duration.ofSeconds(15), Duration.ofSeconds(30),
        Duration.ofMinutes(3), Duration.ofMinutes(10), Duration.ofMinutes(20), Duration.ofMinutes(30),
        Duration.ofMinutes(30), Duration.ofMinutes(30), Duration.ofMinutes(60), hours(3), hours(3), hours(3),
        hours(6), hours(6));
    final Payment payment = weixin.payment("tx1", "u1", at(hours(1)), 12_800, "CNY");
    final FunnelDriver d = driver(WEIXIN).pipe(weixin.read("r1", "u1", at(hours(0)), "100_1", "A"), payment);
    Instant now = at(hours(1));
    int filler = 0;
    for (final Duration wait : schedule) {
      // Other people's traffic moves event time on while the notification is retried.
      now = now.plus(wait);
      d.pipe(weixin.read("filler-" + filler, "someone-" + filler++, now, "900_1", null), payment);
    }

    assertThat(d.conversionRecords()).hasSize(1);
    assertThat(d.ledger()).containsEntry(DUPLICATE.key("PAYMENT"), 15L).containsEntry(ACCEPTED.key("PAYMENT"), 1L);
    assertThat(d.deadLetters()).isEmpty();
    assertThat(Duration.between(at(hours(1)), now)).isEqualTo(Duration.ofHours(24).plusMinutes(4));
  }

  @Test
  void recordLaterThanGraceGoesToTheDlqAsLateAndWithinGraceCounts() {
    final FunnelDriver d = driver(WEIXIN).pipe(weixin.read("r1", "u1", at(hours(1)), "100_1", "A"));
    final ArticleRead late = weixin.read("late", "u2", at(hours(1)).minus(Duration.ofMinutes(10)).minusMillis(1), "100_1", "A");
    final ArticleRead inGrace = weixin.read("in-grace", "u3", at(hours(1)).minus(Duration.ofMinutes(10)), "100_1", "A");
    final byte[] lateBytes = d.bytesOf(EcoTopic.READS, late);

    d.pipeBytes(EcoTopic.READS, "key-late".getBytes(StandardCharsets.UTF_8), lateBytes, late.getEventTime());
    d.pipe(inGrace);

    final List<FunnelDriver.DeadLetter> letters = d.deadLetters();
    assertThat(letters).hasSize(1);
    assertThat(letters.get(0).reason()).isEqualTo("LATE");
    assertThat(letters.get(0).sourceTopic()).isEqualTo(EcoTopic.READS.topic(Ecosystem.WEIXIN));
    assertThat(letters.get(0).key()).isEqualTo("key-late".getBytes(StandardCharsets.UTF_8));
    assertThat(letters.get(0).value()).isEqualTo(lateBytes);
    assertThat(d.ledger()).isEqualTo(Map.of(ACCEPTED.key("READ"), 2L, LATE.key("READ"), 1L));
    assertThat(d.funnel().get("A|2026-11-20").getTouched()).isEqualTo(2);
  }

  private TouchAt touchAt(final TouchType type, final String id, final String campaign, final String msgId,
      final String scene, final Duration offset, final Instant paid) {
    return new TouchAt(type, id, campaign, msgId, scene, at(offset), paid);
  }

  /** A touch still waiting for its weight. */
  private record TouchAt(TouchType type, String id, String campaign, String msgId, String scene, Instant at,
      Instant paid) {
    CreditedTouch weighted(final double weight) {
      return touch(type, id, campaign, msgId, scene, at, weight, paid);
    }
  }
}

package wxfunnel.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static wxfunnel.events.TouchType.COUPON;
import static wxfunnel.events.TouchType.READ;
import static wxfunnel.events.TouchType.SCAN;
import static wxfunnel.topics.Ledger.Outcome.ACCEPTED;
import static wxfunnel.topics.Ledger.Outcome.CAPPED;
import static wxfunnel.topics.Ledger.Outcome.DUPLICATE;
import static wxfunnel.topology.Expected.attributed;
import static wxfunnel.topology.Expected.row;
import static wxfunnel.topology.Expected.touch;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import wxfunnel.events.Article;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.Conversion;
import wxfunnel.events.CreditedTouch;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.ModelAttribution;
import wxfunnel.events.Payment;
import wxfunnel.events.QrScan;
import wxfunnel.internal.PersonState;
import wxfunnel.reference.ReferenceModel;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;
import wxfunnel.topology.FunnelDriver.DeadLetter;

/**
 * The inputs real producers send, each on the real topology with the outputs DESIGN section 5a
 * asks for, worked out by hand: returning customers, clocks ahead, retried notifications, a
 * person with tens of thousands of touches, short conversion windows.
 */
class ProducerEdgesTest {

  /** 10:00 in Shanghai on 2026-11-20. */
  private static final Instant T0 = Instant.parse("2026-11-20T02:00:00Z");
  private static final Ecosystem WEIXIN = Ecosystem.WEIXIN;
  private static final String SHANGHAI = "Asia/Shanghai";

  @RegisterExtension
  final Drivers drivers = new Drivers("ProducerEdgesTest");
  private final Events weixin = new Events(WEIXIN);

  private FunnelDriver driver(final FunnelConfig config) {
    return drivers.open(WEIXIN, config);
  }

  private static Instant at(final Duration offset) {
    return T0.plus(offset);
  }

  @Test
  void aReturningCustomerWhoseHistoryPassesTheLookbackStillConverts() {
    // Given a read 7 days and 2 hours before the payment, one just inside the 7 days, a scan and a coupon
    final Instant paid = at(Duration.ofDays(8));
    final Instant inside = paid.minus(Duration.ofDays(7)).plusSeconds(60);
    final FunnelDriver d = driver(FunnelConfig.defaults(WEIXIN)).pipe(
        weixin.read("r-old", "u1", paid.minus(Duration.ofDays(7)).minus(Duration.ofHours(2)), "100_1", "A"),
        weixin.read("r-inside", "u1", inside, "100_1", "A"),
        weixin.scan("s1", "u1", paid.minus(Duration.ofHours(3)), "A"),
        weixin.coupon("c1", "u1", paid.minus(Duration.ofHours(2)), "A", null),
        // When she pays, then reads once more
        weixin.payment("tx1", "u1", paid, 3_000, "CNY"),
        weixin.read("r-after", "u1", paid.plus(Duration.ofMinutes(5)), "100_1", "A"));

    // Then the payment is credited to the three touches inside the lookback, and nothing is dead-lettered
    final CreditedTouch r = touch(READ, "r-inside", "A", "100_1", null, inside, 1.0, paid);
    final CreditedTouch s = touch(SCAN, "s1", "A", null, "A", paid.minus(Duration.ofHours(3)), 1.0, paid);
    final CreditedTouch c = touch(COUPON, "c1", "A", null, null, paid.minus(Duration.ofHours(2)), 1.0, paid);
    assertThat(d.deadLetters()).isEmpty();
    assertThat(d.conversions()).isEqualTo(Map.of("tx1", attributed(WEIXIN, "tx1", 3_000, "CNY", paid,
        List.of(c), List.of(r), List.of(weighted(r, 1.0 / 3), weighted(s, 1.0 / 3), weighted(c, 1.0 / 3)),
        List.of(weighted(r, 0.4), weighted(s, 0.2), weighted(c, 0.4)))));
    assertThat(d.ledger()).isEqualTo(Map.of(ACCEPTED.key("READ"), 3L, ACCEPTED.key("SCAN"), 1L, ACCEPTED.key("COUPON"), 1L,
        ACCEPTED.key("PAYMENT"), 1L));
  }

  @Test
  void anEventStampedHoursAheadOfItsRecordIsDeadLetteredAndTheTrafficAfterItCounts() {
    final FunnelDriver d = driver(FunnelConfig.defaults(WEIXIN));
    // Given a producer that sends, at T0, a payment whose event time is 8 hours ahead
    final Payment ahead = weixin.payment("tx-ahead", "u1", at(Duration.ofHours(8)), 100, "CNY");
    d.pipeBytes(EcoTopic.PAYMENTS, null, d.bytesOf(EcoTopic.PAYMENTS, ahead), T0);
    // And then ordinary traffic, stamped when it happened
    d.pipe(weixin.read("r1", "u2", at(Duration.ofMinutes(1)), "100_1", "A"),
        weixin.coupon("c1", "u2", at(Duration.ofMinutes(2)), "A", null),
        weixin.payment("tx1", "u2", at(Duration.ofMinutes(3)), 700, "CNY"));

    // Then the payment ahead is INVALID_TIMESTAMP, and the ordinary traffic is not LATE
    assertThat(d.deadLetters()).extracting(DeadLetter::reason).containsExactly("INVALID_TIMESTAMP");
    assertThat(d.conversions()).containsOnlyKeys("tx1");
    assertThat(d.funnel()).isEqualTo(Map.of("A|2026-11-20",
        row(WEIXIN, "A", "2026-11-20", SHANGHAI, 1, 1, 1, Map.of("CNY", 700L), Map.of("CNY", 700L), false)));
  }

  @Test
  void anEventAtMostMaxFutureAheadOfItsRecordCountsAndWhatIsWrittenCarriesNoLaterTimestamp() {
    final FunnelDriver d = driver(FunnelConfig.defaults(WEIXIN));
    final Duration maxFuture = FunnelConfig.DEFAULT_MAX_FUTURE;
    // Given a read exactly 5 minutes ahead of its record and a payment 5 minutes and 1 ms ahead
    d.pipeBytes(EcoTopic.READS, null, d.bytesOf(EcoTopic.READS, weixin.read("r1", "u1", T0.plus(maxFuture), "100_1", "A")), T0);
    final Instant paymentRecordTime = T0.plusSeconds(60);
    d.pipeBytes(EcoTopic.PAYMENTS, null, d.bytesOf(EcoTopic.PAYMENTS,
        weixin.payment("tx-late-clock", "u1", paymentRecordTime.plus(maxFuture).plusMillis(1), 100, "CNY")), paymentRecordTime);
    // And a payment 4 minutes ahead of its record
    final Instant paid = paymentRecordTime.plus(Duration.ofMinutes(4));
    d.pipeBytes(EcoTopic.PAYMENTS, null, d.bytesOf(EcoTopic.PAYMENTS, weixin.payment("tx1", "u1", paid, 100, "CNY")),
        paymentRecordTime);

    assertThat(d.deadLetters()).extracting(DeadLetter::reason).containsExactly("INVALID_TIMESTAMP");
    // Then its conversion is written no later than the record that brought it: the broker refuses far-ahead stamps
    final List<TestRecord<String, Conversion>> conversions = d.conversionTestRecords();
    assertThat(conversions).extracting(TestRecord::key).containsExactly("tx1");
    assertThat(conversions.get(0).timestamp()).isEqualTo(paymentRecordTime.toEpochMilli());
    assertThat(conversions.get(0).value().getPaidAt()).isEqualTo(paid);
  }

  @Test
  void aPaymentRetriedUnderANewNotificationIdCountsOnce() {
    // Given one read and one coupon click, then the same payment delivered twice under two notification ids
    final Payment first = Payment.newBuilder(weixin.payment("tx1", "u1", at(Duration.ofHours(2)), 5_000, "CNY"))
        .setEventId("notif-1").build();
    final Payment retry = Payment.newBuilder(first).setEventId("notif-2").build();
    final FunnelDriver d = driver(FunnelConfig.defaults(WEIXIN)).pipe(
        weixin.read("r1", "u1", at(Duration.ofHours(0)), "100_1", "A"),
        weixin.coupon("c1", "u1", at(Duration.ofHours(1)), "A", null),
        first, retry);

    // Then one conversion, keyed by the transaction, and the GMV counted once
    assertThat(d.conversions()).containsOnlyKeys("tx1");
    assertThat(d.funnel()).isEqualTo(Map.of("A|2026-11-20",
        row(WEIXIN, "A", "2026-11-20", SHANGHAI, 1, 1, 1, Map.of("CNY", 5_000L), Map.of("CNY", 5_000L), false)));
    assertThat(d.ledger()).containsEntry(ACCEPTED.key("PAYMENT"), 1L).containsEntry(DUPLICATE.key("PAYMENT"), 1L);
  }

  @Test
  void aPaymentFirstWithoutItsUnionidThenWithItCountsOnceAndTheEnrichedCopyDecides() {
    // Given a read and a coupon click of one person
    final Instant paid = at(Duration.ofHours(2));
    final Payment enriched = weixin.payment("tx1", "u1", paid, 5_000, "CNY");
    final Payment bare = Payment.newBuilder(enriched).setUnionid(null).build();
    final FunnelDriver d = driver(FunnelConfig.defaults(WEIXIN)).pipe(
        weixin.read("r1", "u1", at(Duration.ofHours(0)), "100_1", "A"),
        weixin.coupon("c1", "u1", at(Duration.ofHours(1)), "A", null),
        // When her payment arrives before it was enriched with her unionid, then enriched
        bare, enriched,
        // And, for another person, the enriched copy first, then the bare one
        weixin.read("r2", "u2", at(Duration.ofHours(0)), "100_1", "A"),
        weixin.payment("tx2", "u2", paid, 700, "CNY"),
        Payment.newBuilder(weixin.payment("tx2", "u2", paid, 700, "CNY")).setUnionid(null).build());

    // Then each payment converts once, attributed to her touches through the unionid
    final CreditedTouch r1 = touch(READ, "r1", "A", "100_1", null, at(Duration.ofHours(0)), 1.0, paid);
    final CreditedTouch c1 = touch(COUPON, "c1", "A", null, null, at(Duration.ofHours(1)), 1.0, paid);
    final CreditedTouch r2 = touch(READ, "r2", "A", "100_1", null, at(Duration.ofHours(0)), 1.0, paid);
    assertThat(d.conversions()).isEqualTo(Map.of(
        "tx1", attributed(WEIXIN, "tx1", 5_000, "CNY", paid, List.of(c1), List.of(r1),
            List.of(weighted(r1, 0.5), weighted(c1, 0.5)), List.of(weighted(r1, 0.5), weighted(c1, 0.5))),
        "tx2", attributed(WEIXIN, "tx2", 700, "CNY", paid, List.of(r2), List.of(r2), List.of(r2), List.of(r2))));
    // And her row has her money once (u2 took no coupon, but her payment credits A too); the bare copies are duplicates
    assertThat(d.funnel()).isEqualTo(Map.of("A|2026-11-20",
        row(WEIXIN, "A", "2026-11-20", SHANGHAI, 2, 1, 1, Map.of("CNY", 5_000L), Map.of("CNY", 5_700L), false)));
    assertThat(d.ledger()).containsEntry(ACCEPTED.key("PAYMENT"), 2L).containsEntry(DUPLICATE.key("PAYMENT"), 2L);
  }

  @Test
  void aPersonWithThousandsOfTouchesKeepsTheFirstAndTheMostRecentUpToTheCap() {
    // Given a bot's 3,000 reads of one article, one a minute, with a cap of 1,000 touches per person
    final FunnelConfig config = FunnelConfig.defaults(WEIXIN);
    final FunnelDriver d = driver(config);
    final int reads = 3_000;
    for (int i = 0; i < reads; i++) {
      d.pipe(weixin.read("r" + i, "bot", at(Duration.ofMinutes(i)), "100_1", "A"));
    }
    // When the bot pays
    final Instant paid = at(Duration.ofMinutes(reads));
    d.pipe(weixin.payment("tx1", "bot", paid, 100, "CNY"));

    // Then the state holds 1,000 touches: the first, and the 999 most recent
    final PersonState state = d.<String, PersonState>store(Names.PERSONS).get("u:bot");
    assertThat(state.getTouches()).hasSize(FunnelConfig.DEFAULT_MAX_TOUCHES);
    assertThat(state.getTouches().get(0).getEventId()).isEqualTo("r0");
    assertThat(state.getTouches().get(1).getEventId()).isEqualTo("r" + (reads - 999));
    // And the conversion credits those 1,000 touches, and says how many it could not consider
    final Conversion conversion = d.conversions().get("tx1");
    assertThat(conversion.getTouchesNotConsidered()).isEqualTo(reads - 1_000L);
    assertThat(credited(conversion, AttributionModel.FIRST_TOUCH)).extracting(CreditedTouch::getEventId).containsExactly("r0");
    assertThat(credited(conversion, AttributionModel.LAST_TOUCH)).extracting(CreditedTouch::getEventId)
        .containsExactly("r" + (reads - 1));
    assertThat(credited(conversion, AttributionModel.LINEAR)).hasSize(1_000)
        .allSatisfy(t -> assertThat(t.getWeight()).isEqualTo(0.001));
    assertThat(d.ledger()).containsEntry(ACCEPTED.key("READ"), (long) reads).containsEntry(CAPPED.key("READ"), reads - 1_000L);
  }

  @Test
  void aPersonCountsOncePerStepInARowWhateverTheConversionWindow() {
    // Given a two-hour conversion window, and one person who reads, takes a coupon and pays twice in one day
    final FunnelDriver d = driver(FunnelConfig.defaults(WEIXIN).withConversionWindow(Duration.ofHours(2)));
    d.pipe(weixin.read("r1", "u1", at(Duration.ofHours(0)), "100_1", "A"),
        weixin.coupon("c1", "u1", at(Duration.ofHours(1)), "A", null),
        weixin.payment("tx1", "u1", at(Duration.ofMinutes(90)), 1_000, "CNY"),
        weixin.read("r2", "u1", at(Duration.ofHours(5)), "100_1", "A"),
        weixin.coupon("c2", "u1", at(Duration.ofHours(6)), "A", null),
        weixin.payment("tx2", "u1", at(Duration.ofMinutes(390)), 2_000, "CNY"));

    // Then the row counts her once at each step, with the money of both payments
    assertThat(d.funnel()).isEqualTo(Map.of("A|2026-11-20",
        row(WEIXIN, "A", "2026-11-20", SHANGHAI, 1, 1, 1, Map.of("CNY", 3_000L), Map.of("CNY", 3_000L), false)));
  }

  @Test
  void thePersonsInStateCountStaysExactWhenASweptPersonComesBack() {
    final FunnelConfig config = FunnelConfig.defaults(WEIXIN);
    final FunnelDriver d = driver(config);
    // Given a person, then so much later traffic that she is swept when she comes back
    d.pipe(weixin.read("r1", "u1", T0, "100_1", "A"));
    final Instant back = T0.plus(config.retention()).plus(Duration.ofDays(1));
    d.pipe(weixin.read("r2", "u1", back, "100_1", "A"));

    assertThat(d.<String, PersonState>store(Names.PERSONS)).containsOnlyKeys("u:u1");
    assertThat(d.personsInState()).isEqualTo(1);
  }

  @Test
  void fieldsBeyondTheirLimitsAreInvalidAndNothingWrittenNearsTheBrokersLimit() {
    final FunnelDriver d = driver(FunnelConfig.defaults(WEIXIN));
    // Given an attach of 128 bytes (WeChat Pay allows 127) and a store id of 900 KiB
    final Payment attach = Payment.newBuilder(weixin.payment("tx1", "u1", T0, 100, "CNY")).setAttach("a".repeat(128)).build();
    final QrScan store = QrScan.newBuilder(weixin.scan("s1", "u1", T0, "A")).setStoreId("s".repeat(900 << 10)).build();
    final Payment fits = Payment.newBuilder(weixin.payment("tx2", "u1", T0, 100, "CNY")).setAttach("a".repeat(127)).build();
    d.pipe(attach, store, fits);

    assertThat(d.deadLetters()).extracting(DeadLetter::reason).containsExactly("INVALID_FIELD", "INVALID_FIELD");
    assertThat(d.conversions()).containsOnlyKeys("tx2");
  }

  @Test
  void anEmptyRequiredIdIsMissingEvenWhenAnotherIdIsTooLong() {
    final FunnelDriver d = driver(FunnelConfig.defaults(WEIXIN));
    // Given a payment whose notification id is 300 characters and whose app id is empty
    d.pipe(Payment.newBuilder(weixin.payment("tx1", "u1", T0, 100, "CNY")).setEventId("n".repeat(300)).setAppId("").build());

    // Then it lacks a required field first, whichever id comes first in the record
    assertThat(d.deadLetters()).extracting(DeadLetter::reason).containsExactly("MISSING_FIELD");
  }

  @Test
  void aTouchTakesTheCampaignOfItsArticleAsPublishedAtTheTouchNeverALaterVersion() {
    final FunnelDriver d = driver(FunnelConfig.defaults(WEIXIN));
    // Given article 100_1 in campaign A from 09:00, and in campaign B from 12:00 (republished)
    d.pipe(article("100_1", "A", at(Duration.ofHours(-1))), article("100_1", "B", at(Duration.ofHours(2))),
        // And article 200_1, published at 11:00 with campaign C, but read at 10:30
        article("200_1", "C", at(Duration.ofHours(1))));
    // When reads name the articles before and after the versions
    d.pipe(weixin.read("r1", "u1", at(Duration.ofHours(1)), "100_1", null),
        weixin.read("r2", "u2", at(Duration.ofHours(3)), "100_1", null),
        weixin.read("r3", "u3", at(Duration.ofMinutes(30)), "200_1", null));

    // Then each read has the campaign its article had then: u3's article had none yet
    assertThat(d.funnel()).isEqualTo(Map.of(
        "A|2026-11-20", row(WEIXIN, "A", "2026-11-20", SHANGHAI, 1, 0, 0, Map.of(), false),
        "B|2026-11-20", row(WEIXIN, "B", "2026-11-20", SHANGHAI, 1, 0, 0, Map.of(), false)));
  }

  @Test
  void badCatalogRecordsAreDeadLetteredWithTheirReasonsAndGiveNoTouchACampaign() {
    final FunnelDriver d = driver(FunnelConfig.defaults(WEIXIN));
    // Given on weixin.content a WeChat article, bytes that are no Avro, an article without a
    // msg_id, one with a title of 1,025 characters, and a valid article
    d.pipe(EcoTopic.CONTENT, new Events(Ecosystem.WECHAT).article("900_1", "X"));
    d.pipeBytes(EcoTopic.CONTENT, "901_1".getBytes(StandardCharsets.UTF_8), new byte[] {7, 7, 7}, T0);
    d.pipe(EcoTopic.CONTENT, weixin.article(" ", "Y"));
    d.pipe(EcoTopic.CONTENT, Article.newBuilder(weixin.article("902_1", "Y")).setTitle("t".repeat(1025)).build());
    d.pipe(weixin.article("903_1", "Z"));
    // When reads name them
    d.pipe(weixin.read("r1", "u1", T0, "900_1", null), weixin.read("r2", "u2", T0, "901_1", null),
        weixin.read("r3", "u3", T0, "902_1", null), weixin.read("r4", "u4", T0, "903_1", null));

    // Then each bad record is in the DLQ with its reason and its place, the valid one is counted,
    // only it gives its read a campaign, and the processor goes on
    final String content = d.names.topic(EcoTopic.CONTENT);
    assertThat(d.deadLetterSources()).containsExactlyInAnyOrder(
        new ReferenceModel.DeadLetter("WRONG_ECOSYSTEM", content, 0, 0),
        new ReferenceModel.DeadLetter("UNDECODABLE", content, 0, 1),
        new ReferenceModel.DeadLetter("MISSING_FIELD", content, 0, 2),
        new ReferenceModel.DeadLetter("INVALID_FIELD", content, 0, 3));
    assertThat(d.funnel()).isEqualTo(Map.of("Z|2026-11-20", row(WEIXIN, "Z", "2026-11-20", SHANGHAI, 1, 0, 0, Map.of(), false)));
    assertThat(d.ledger()).isEqualTo(Map.of(ACCEPTED.key("ARTICLE"), 1L, ACCEPTED.key("READ"), 4L));
  }

  private Article article(final String msgId, final String campaign, final Instant publishedAt) {
    return Article.newBuilder(weixin.article(msgId, campaign)).setPublishedAt(publishedAt).build();
  }

  private static List<CreditedTouch> credited(final Conversion conversion, final AttributionModel model) {
    return conversion.getAttributions().stream().filter(a -> a.getModel() == model).findFirst()
        .map(ModelAttribution::getTouches).orElseThrow();
  }

  private static CreditedTouch weighted(final CreditedTouch touch, final double weight) {
    return CreditedTouch.newBuilder(touch).setWeight(weight).build();
  }

}

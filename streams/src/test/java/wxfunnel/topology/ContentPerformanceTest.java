package wxfunnel.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static wxfunnel.events.AttributionModel.FIRST_TOUCH;
import static wxfunnel.events.AttributionModel.LAST_TOUCH;
import static wxfunnel.events.AttributionModel.LINEAR;
import static wxfunnel.events.AttributionModel.POSITION_BASED;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.ContentKind;
import wxfunnel.events.ContentModelCredit;
import wxfunnel.events.ContentPerformance;
import wxfunnel.events.Ecosystem;
import wxfunnel.topics.Names;

/** Content performance (issue: which content sells), worked out by hand on the real topology. */
class ContentPerformanceTest {

  /** 10:00 in Shanghai on 2026-11-20. */
  private static final Instant T0 = Instant.parse("2026-11-20T02:00:00Z");
  private static final String DAY = "2026-11-20";
  private static final String CARD = "pFS7Fjg8kV1IdDz01r4SQwMkuCKc";
  private static final long HOUR = Duration.ofHours(1).toMillis();

  @RegisterExtension
  final Drivers drivers = new Drivers("ContentPerformanceTest");
  private final Events weixin = new Events(Ecosystem.WEIXIN);

  @Test
  void eachArticleSceneAndCouponGetsItsTouchesPersonsAndTheCreditOfEveryModel() {
    final FunnelDriver d = drivers.open(Ecosystem.WEIXIN, FunnelConfig.defaults(Ecosystem.WEIXIN)).pipe(
        weixin.article("200_1", "C"),
        // u1 reads two articles and scans a code, then pays 100.00; u2 reads 100_1 twice (and one
        // read again: a duplicate), then pays 30.01; u3 only takes a coupon
        weixin.read("r1", "u1", at(0), "100_1", "A"),
        weixin.read("r3", "u2", at(30), "100_1", "A"),
        weixin.read("r2", "u1", at(60), "200_1", null),
        weixin.read("r4", "u2", at(90), "100_1", "A"),
        weixin.read("r3", "u2", at(30), "100_1", "A"),
        weixin.scan("s1", "u1", at(120), "B"),
        weixin.coupon("c1", "u3", at(150), "A", null),
        weixin.payment("tx1", "u1", at(180), 10_000, "CNY"),
        weixin.payment("tx2", "u2", at(240), 3_001, "CNY"));

    // tx1 credits r1, r2, s1 (3 h, 2 h, 1 h before it); tx2 credits r3, r4 (3.5 h, 2.5 h before it).
    // Linear splits tx1 in thirds: 3,333.33 each, the unit left to the row that sorts first (100_1).
    assertThat(d.content()).isEqualTo(Map.of(
        "ARTICLE|100_1|" + DAY, row(ContentKind.ARTICLE, "100_1", null, "A", at(0), 3, 2, Map.of(
            LAST_TOUCH, credit(LAST_TOUCH, 1, 3_001, 1, 150),
            FIRST_TOUCH, credit(FIRST_TOUCH, 2, 13_001, 2, 180),
            LINEAR, credit(LINEAR, 2, 3_334 + 3_001, 2, 180),
            POSITION_BASED, credit(POSITION_BASED, 2, 4_000 + 3_001, 2, 180))),
        "ARTICLE|200_1|" + DAY, row(ContentKind.ARTICLE, "200_1", "Spring launch", "C", at(60), 1, 1, Map.of(
            LINEAR, credit(LINEAR, 1, 3_333, 1, 120),
            POSITION_BASED, credit(POSITION_BASED, 1, 2_000, 1, 120))),
        "SCENE|B|" + DAY, row(ContentKind.SCENE, "B", null, "B", at(120), 1, 1, Map.of(
            LAST_TOUCH, credit(LAST_TOUCH, 1, 10_000, 1, 60),
            LINEAR, credit(LINEAR, 1, 3_333, 1, 60),
            POSITION_BASED, credit(POSITION_BASED, 1, 4_000, 1, 60))),
        "COUPON|" + CARD + "|" + DAY, row(ContentKind.COUPON, CARD, null, "A", at(150), 1, 1, Map.of())));
  }

  @Test
  void aLaterTouchMovesTheLastTouchCreditFromOneRowToAnother() {
    final FunnelDriver d = drivers.open(Ecosystem.WEIXIN, FunnelConfig.defaults(Ecosystem.WEIXIN)).pipe(
        weixin.read("r1", "u1", at(0), "100_1", "A"),
        weixin.read("r2", "u1", at(60), "100_2", "A"),
        weixin.payment("tx1", "u1", at(120), 500, "CNY"));
    // Within grace, a read of 100_3 between r2 and the payment arrives: it is now the last touch.
    d.pipe(weixin.read("r3", "u1", at(90), "100_3", "A"));

    final Map<String, ContentPerformance> rows = d.content();
    assertThat(credits(rows.get("ARTICLE|100_2|" + DAY), LAST_TOUCH)).isEqualTo(new ContentModelCredit(LAST_TOUCH, 0L, Map.of(), Map.of(), null));
    assertThat(credits(rows.get("ARTICLE|100_3|" + DAY), LAST_TOUCH)).isEqualTo(credit(LAST_TOUCH, 1, 500, 1, 30));
    assertThat(credits(rows.get("ARTICLE|100_1|" + DAY), LINEAR)).isEqualTo(credit(LINEAR, 1, 167, 1, 120));
  }

  @Test
  void aRowTurnsFinalOnceTheLookbackAndGracePassTheDaysEndAndIsReleased() {
    final FunnelConfig config = FunnelConfig.defaults(Ecosystem.WEIXIN);
    final FunnelDriver d = drivers.open(Ecosystem.WEIXIN, config).pipe(
        weixin.read("r1", "u1", at(0), "100_1", "A"),
        weixin.payment("tx1", "u1", at(60), 800, "CNY"));
    final Instant closes = Instant.parse("2026-11-21T00:00:00+08:00").plus(config.lookback()).plus(config.grace());

    // Every input's clock one millisecond short of the close: still open, and kept
    everyInputAt(d, closes.minusMillis(1));
    assertThat(d.content().get("ARTICLE|100_1|" + DAY).getFinal$()).isFalse();
    assertThat(entries(d, Names.CONTENT_PERSONS)).anyMatch(key -> key.contains("ARTICLE|100_1|" + DAY));
    assertThat(entries(d, Names.CONTENT_TIMES)).anyMatch(key -> key.contains("ARTICLE|100_1|" + DAY));

    // At the close: final, and nothing of it is kept
    everyInputAt(d, closes);
    final ContentPerformance row = d.content().get("ARTICLE|100_1|" + DAY);
    assertThat(row.getFinal$()).isTrue();
    assertThat(credits(row, LAST_TOUCH)).isEqualTo(credit(LAST_TOUCH, 1, 800, 1, 60));
    assertThat(entries(d, Names.CONTENT_ROWS)).doesNotContain("ARTICLE|100_1|" + DAY);
    assertThat(entries(d, Names.CONTENT_PERSONS)).noneMatch(key -> key.contains("ARTICLE|100_1|" + DAY));
    assertThat(entries(d, Names.CONTENT_TIMES)).noneMatch(key -> key.contains("ARTICLE|100_1|" + DAY));
  }

  @Test
  void aPaymentOfNothingCountsAsAConversionWithNoMoney() {
    final FunnelDriver d = drivers.open(Ecosystem.WEIXIN, FunnelConfig.defaults(Ecosystem.WEIXIN)).pipe(
        weixin.read("r1", "u1", at(0), "100_1", "A"),
        weixin.payment("tx0", "u1", at(60), 0, "CNY"));

    assertThat(credits(d.content().get("ARTICLE|100_1|" + DAY), LAST_TOUCH))
        .isEqualTo(new ContentModelCredit(LAST_TOUCH, 1L, Map.of(), Map.of(), HOUR));
  }

  @Test
  void aRowsPayersAreTheDistinctPersonsBehindItsMoneyInEachCurrency() {
    final FunnelDriver d = drivers.open(Ecosystem.WEIXIN, FunnelConfig.defaults(Ecosystem.WEIXIN)).pipe(
        // u1 pays twice in CNY, u2 once in CNY and once in HKD, u3 pays nothing: 2 CNY payers, 1 HKD payer
        weixin.read("r1", "u1", at(0), "100_1", "A"),
        weixin.read("r2", "u2", at(0), "100_1", "A"),
        weixin.read("r3", "u3", at(0), "100_1", "A"),
        weixin.payment("tx1", "u1", at(60), 1_000, "CNY"),
        weixin.payment("tx3", "u2", at(60), 500, "CNY"),
        weixin.payment("tx5", "u3", at(60), 0, "CNY"),
        weixin.payment("tx2", "u1", at(120), 2_000, "CNY"),
        weixin.payment("tx4", "u2", at(120), 700, "HKD"));

    assertThat(credits(d.content().get("ARTICLE|100_1|" + DAY), LAST_TOUCH)).isEqualTo(new ContentModelCredit(LAST_TOUCH, 5L,
        Map.of("CNY", 3_500L, "HKD", 700L), Map.of("CNY", 2L, "HKD", 1L), HOUR));

    // A later read of another article by u1 takes both of u1's payments' last-touch credit: u1 is no longer behind its CNY
    d.pipe(weixin.read("r4", "u1", at(30), "100_2", "A"));
    assertThat(credits(d.content().get("ARTICLE|100_1|" + DAY), LAST_TOUCH)).isEqualTo(new ContentModelCredit(LAST_TOUCH, 3L,
        Map.of("CNY", 500L, "HKD", 700L), Map.of("CNY", 1L, "HKD", 1L), HOUR));
  }

  @Test
  void anIdThatHoldsAnotherRowsKeyKeepsItsOwnPersonsWhenThatRowCloses() {
    // ids may hold any character: "100_1|2026-11-20<NUL>x" starts like what is kept for row 100_1 of the 20th
    final FunnelConfig config = FunnelConfig.defaults(Ecosystem.WEIXIN);
    final String tricky = "100_1|" + DAY + "\u0000x";
    final String next = "2026-11-21";
    final FunnelDriver d = drivers.open(Ecosystem.WEIXIN, config).pipe(
        weixin.read("r1", "u1", at(0), "100_1", "A"),
        weixin.read("r2", "u2", at(0).plus(Duration.ofDays(1)), tricky, "A"));

    // The first row closes; the second, a day younger, is still open and keeps its person.
    everyInputAt(d, Instant.parse("2026-11-21T00:00:00+08:00").plus(config.lookback()).plus(config.grace()));
    final Map<String, ContentPerformance> rows = d.content();
    assertThat(rows.get("ARTICLE|100_1|" + DAY).getFinal$()).isTrue();
    assertThat(rows.get("ARTICLE|" + tricky + "|" + next).getFinal$()).isFalse();
    assertThat(entries(d, Names.CONTENT_PERSONS)).anyMatch(key -> key.contains("ARTICLE|" + tricky + "|" + next));
  }

  private void everyInputAt(final FunnelDriver d, final Instant at) {
    d.pipe(weixin.read("late-r-" + at.toEpochMilli(), "clock", at, "900_1", "Z"),
        weixin.scan("late-s-" + at.toEpochMilli(), "clock", at, "Z"),
        weixin.coupon("late-c-" + at.toEpochMilli(), "clock", at, "Z", null),
        weixin.payment("late-p-" + at.toEpochMilli(), "clock", at, 1, "CNY"));
  }

  private static List<String> entries(final FunnelDriver d, final String store) {
    final KeyValueStore<String, Object> kept = d.driver.getKeyValueStore(d.names.of(store));
    final List<String> keys = new java.util.ArrayList<>();
    kept.all().forEachRemaining(kv -> keys.add(kv.key));
    return keys;
  }

  private static Instant at(final long minutes) {
    return T0.plus(Duration.ofMinutes(minutes));
  }

  private static ContentModelCredit credits(final ContentPerformance row, final AttributionModel model) {
    return row.getCredits().get(model.ordinal());
  }

  /** A model's credit: conversions, GMV in CNY fen, its payers, and the median time to convert in minutes. */
  private static ContentModelCredit credit(final AttributionModel model, final long conversions, final long fen, final long payers,
      final long medianMinutes) {
    return new ContentModelCredit(model, conversions, Map.of("CNY", fen), Map.of("CNY", payers), medianMinutes * HOUR / 60);
  }

  private static ContentPerformance row(final ContentKind kind, final String id, final String title, final String campaign,
      final Instant first, final long touches, final long persons, final Map<AttributionModel, ContentModelCredit> credited) {
    final List<ContentModelCredit> credits = java.util.Arrays.stream(AttributionModel.values())
        .map(model -> credited.getOrDefault(model, new ContentModelCredit(model, 0L, Map.of(), Map.of(), null))).toList();
    return new ContentPerformance(Ecosystem.WEIXIN, kind, id, LocalDate.parse(DAY), "Asia/Shanghai", title, campaign, first,
        touches, persons, credits, false);
  }
}

package wxfunnel.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static wxfunnel.topology.Expected.row;
import static wxfunnel.topology.FunnelTopologyTest.SHANGHAI;
import static wxfunnel.topology.FunnelTopologyTest.WEIXIN;
import static wxfunnel.topology.FunnelTopologyTest.at;
import static wxfunnel.topology.FunnelTopologyTest.hours;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import wxfunnel.events.ArticleRead;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.FunnelRow;

/**
 * DESIGN 5a, GMV: each row carries the money credited to its campaign under {@code --model},
 * booked on the day paid, split to the minor unit so that it adds up across campaigns. Every
 * expected figure is worked out by hand in the comments.
 */
class AttributedGmvTest {

  @RegisterExtension
  final Drivers drivers = new Drivers("AttributedGmvTest");
  private final Events weixin = new Events(WEIXIN);

  /**
   * Touches r1 (A), s1 (B), c1 (A), r2 (C), then 10,001 fen paid. Weights per DESIGN 5a, and the
   * campaigns' exact shares: last touch C 1; first touch A 1; linear A 2/4 = 5,000.5, B 2,500.25,
   * C 2,500.25 (floors 10,000, the unit left goes to A's remainder .5); position-based 40/10/10/40:
   * A .5 = 5,000.5, B .1 = 1,000.1, C .4 = 4,000.4 (the unit left goes to A).
   */
  @ParameterizedTest
  @CsvSource({
      "LAST_TOUCH,     0,     0,      10001",
      "FIRST_TOUCH,    10001, 0,      0",
      "LINEAR,         5001,  2500,   2500",
      "POSITION_BASED, 5001,  1000,   4000"})
  void eachModelSplitsThePaymentOverItsCampaignsToTheMinorUnit(final AttributionModel model, final long a, final long b,
      final long c) {
    try (FunnelDriver d = driver(FunnelConfig.defaults(WEIXIN).withModel(model))) {
      d.pipe(weixin.read("r1", "u1", at(hours(0)), "100_1", "A"),
          weixin.scan("s1", "u1", at(hours(1)), "B"),
          weixin.coupon("c1", "u1", at(hours(2)), "A", null),
          weixin.read("r2", "u1", at(hours(3)), "100_1", "C"),
          weixin.payment("tx1", "u1", at(hours(4)), 10_001, "CNY"));

      assertThat(attributed(d.funnel())).isEqualTo(nonZero(Map.of("A", a, "B", b, "C", c)));
      assertThat(a + b + c).isEqualTo(10_001);
    }
  }

  @Test
  void equalRemaindersGiveTheUnitToTheCampaignThatSortsFirst() {
    // 1 fen over three touches: a third each, nothing whole; the one unit left goes to A.
    assertThat(linearCreditOf(1, weixin.read("r1", "u1", at(hours(0)), "100_1", "C"),
        weixin.read("r2", "u1", at(hours(1)), "100_1", "A"),
        weixin.read("r3", "u1", at(hours(2)), "100_1", "B"))).isEqualTo(Map.of("A", 1L));
  }

  @Test
  void theShareOfTouchesWithoutACampaignGoesToNoRow() {
    // 7 fen, linear over a read of an article the catalog does not know and two reads of A:
    // no campaign 7/3 = 2.33, A 14/3 = 4.67; floors 2 + 4, the unit left goes to A's larger remainder.
    assertThat(linearCreditOf(7, weixin.read("r1", "u1", at(hours(0)), "999_9", null),
        weixin.read("r2", "u1", at(hours(1)), "100_1", "A"),
        weixin.read("r3", "u1", at(hours(2)), "100_1", "A"))).isEqualTo(Map.of("A", 5L));
  }

  @Test
  void creditIsBookedOnTheDayPaidEvenWhenTheTouchsRowIsAlreadyFinal() {
    // A conversion window of a day, shorter than the 7-day lookback: u1's read makes row A of the
    // 20th, which closes at 00:10 on the 22nd (Shanghai): the day's end, a day's window, the grace.
    // u9's whole funnel on the 23rd moves every input past that, so the row is final before u1
    // pays, and stays as it was.
    final Instant dayThree = at(Duration.ofDays(3));
    try (FunnelDriver d = driver(FunnelConfig.defaults(WEIXIN).withConversionWindow(Duration.ofDays(1)))) {
      d.pipe(weixin.read("r1", "u1", at(hours(0)), "100_1", "A"),
          weixin.read("r9", "u9", dayThree.minus(Duration.ofMinutes(60)), "900_1", "Z"),
          weixin.coupon("c9", "u9", dayThree.minus(Duration.ofMinutes(50)), "Z", null),
          weixin.scan("s9", "u9", dayThree.minus(Duration.ofMinutes(40)), "Z"),
          weixin.payment("tx9", "u9", dayThree.minus(Duration.ofMinutes(30)), 100, "CNY"));
      final Map<String, FunnelRow> rows = new TreeMap<>(d.funnel());
      assertThat(rows.get("A|2026-11-20").getFinal$()).isTrue();

      d.pipe(weixin.payment("tx1", "u1", dayThree, 4_200, "CNY"));

      rows.putAll(d.funnel());
      assertThat(rows).isEqualTo(Map.of(
          "A|2026-11-20", row(WEIXIN, "A", "2026-11-20", SHANGHAI, 1, 0, 0, Map.of(), true),
          "Z|2026-11-23", row(WEIXIN, "Z", "2026-11-23", SHANGHAI, 1, 1, 1, Map.of("CNY", 100L), Map.of("CNY", 100L), false),
          "A|2026-11-23", row(WEIXIN, "A", "2026-11-23", SHANGHAI, 0, 0, 0, Map.of(), Map.of("CNY", 4_200L), false)));
    }
  }

  @Test
  void aTouchArrivingWithinGraceMovesTheCreditAndTheRowsFollow() {
    // The payment first credits A; a read of B stamped before it arrives within the grace and is
    // now the last touch: the credit moves from A's row to B's.
    try (FunnelDriver d = driver(FunnelConfig.defaults(WEIXIN))) {
      d.pipe(weixin.scan("s1", "u1", at(hours(1)), "A"),
          weixin.payment("tx1", "u1", at(hours(2)), 900, "CNY"),
          weixin.read("r1", "u1", at(hours(2)).minusSeconds(60), "100_1", "B"));

      final Map<String, FunnelRow> rows = d.funnel();
      assertThat(attributed(rows)).isEqualTo(Map.of("B", 900L));
      assertThat(rows.get("A|2026-11-20").getAttributedGmv()).isEmpty();
    }
  }

  /** Per campaign, the CNY credited under the linear model when u1 pays {@code fen} an hour after its last read. */
  private Map<String, Long> linearCreditOf(final long fen, final ArticleRead... reads) {
    try (FunnelDriver d = driver(FunnelConfig.defaults(WEIXIN).withModel(AttributionModel.LINEAR))) {
      d.pipe(reads);
      d.pipe(weixin.payment("tx1", "u1", at(hours(reads.length)), fen, "CNY"));
      return attributed(d.funnel());
    }
  }

  private FunnelDriver driver(final FunnelConfig config) {
    return drivers.open(WEIXIN, config);
  }

  /** Per campaign, the CNY credited in all its rows. */
  private static Map<String, Long> attributed(final Map<String, FunnelRow> funnel) {
    final Map<String, Long> byCampaign = new TreeMap<>();
    funnel.values().forEach(r -> r.getAttributedGmv().forEach((currency, amount) -> byCampaign.merge(r.getCampaignId(), amount, Long::sum)));
    return byCampaign;
  }

  private static Map<String, Long> nonZero(final Map<String, Long> byCampaign) {
    final Map<String, Long> kept = new TreeMap<>(byCampaign);
    kept.values().removeIf(v -> v == 0);
    return kept;
  }
}

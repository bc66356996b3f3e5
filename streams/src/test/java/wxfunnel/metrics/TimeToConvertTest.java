package wxfunnel.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.Conversion;
import wxfunnel.events.ConversionStatus;
import wxfunnel.events.CreditedTouch;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.ModelAttribution;
import wxfunnel.events.TouchType;

/**
 * The time-to-convert histogram follows {@code --model}, worked out by hand on one payment whose
 * read came 70 min (4,200 s) before it, its scan 20 min (1,200 s) before and its coupon 30 s
 * before: the payment is one observation, at the credit-weighted time of its touches.
 */
class TimeToConvertTest {

  private static final Instant PAID = Instant.parse("2026-11-20T10:00:00Z");
  /** The buckets' bounds, in seconds: 60, 300, 900, 1800, 3600, 3 h, 6 h, 12 h, 1 d, 3 d, 7 d, then +Inf. */
  private static final int BUCKETS = 12;

  private final CreditedTouch read = touch(TouchType.READ, "r1", Duration.ofMinutes(70), 0);
  private final CreditedTouch scan = touch(TouchType.SCAN, "s1", Duration.ofMinutes(20), 0);
  private final CreditedTouch coupon = touch(TouchType.COUPON, "c1", Duration.ofSeconds(30), 0);
  private final Conversion conversion = Conversion.newBuilder()
      .setTransactionId("tx1").setEcosystem(Ecosystem.WEIXIN).setAmount(100).setCurrency("CNY").setPaidAt(PAID)
      .setStatus(ConversionStatus.ATTRIBUTED).setUnattributedReason(null).setTouchesNotConsidered(0)
      .setAttributions(List.of(
          attribution(AttributionModel.LAST_TOUCH, weighted(coupon, 1)),
          attribution(AttributionModel.FIRST_TOUCH, weighted(read, 1)),
          attribution(AttributionModel.LINEAR, weighted(read, 1.0 / 3), weighted(scan, 1.0 / 3), weighted(coupon, 1.0 / 3)),
          attribution(AttributionModel.POSITION_BASED, weighted(read, 0.4), weighted(scan, 0.2), weighted(coupon, 0.4))))
      .build();

  @Test
  void lastTouchCountsThePaymentAtItsLastTouch() {
    assertThat(histogram(AttributionModel.LAST_TOUCH).cumulative()).containsExactly(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
    assertThat(histogram(AttributionModel.LAST_TOUCH).sum()).isCloseTo(30, within(1e-9));
  }

  @Test
  void firstTouchCountsItAtItsFirstTouch() {
    assertThat(histogram(AttributionModel.FIRST_TOUCH).cumulative()).containsExactly(0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1);
    assertThat(histogram(AttributionModel.FIRST_TOUCH).sum()).isCloseTo(4_200, within(1e-9));
  }

  @Test
  void multiTouchModelsCountItAtTheWeightedTimeOfItsTouches() {
    // Position-based: 0.4 x 4,200 + 0.2 x 1,200 + 0.4 x 30 = 1,932 s, over 30 min and within the hour.
    assertThat(histogram(AttributionModel.POSITION_BASED).cumulative()).containsExactly(0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    assertThat(histogram(AttributionModel.POSITION_BASED).sum()).isCloseTo(1_932, within(1e-9));
    // Linear: (4,200 + 1,200 + 30) / 3 = 1,810 s.
    assertThat(histogram(AttributionModel.LINEAR).cumulative()).containsExactly(0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    assertThat(histogram(AttributionModel.LINEAR).sum()).isCloseTo(1_810, within(1e-9));
  }

  @Test
  void aPaymentWithoutCreditIsNotObserved() {
    final Conversion unattributed = Conversion.newBuilder(conversion).setStatus(ConversionStatus.UNATTRIBUTED)
        .setAttributions(List.of(attribution(AttributionModel.LAST_TOUCH))).build();
    assertThat(CommittedMetrics.timed(unattributed, AttributionModel.LAST_TOUCH)).isEmpty();
  }

  @Test
  void conversionsBetweenTwoBoundsWithFewerThanKPayersCountInTheNextBucket() {
    // k = 3. Three payers within a minute; d within 5 min; e, f, g within 30 min; h after a week.
    final List<CommittedMetrics.Timed> conversions = List.of(timed(30, "a"), timed(30, "b"), timed(45, "c"), timed(100, "d"),
        timed(1_000, "e"), timed(1_200, "f"), timed(1_700, "g"), timed(1_000_000, "h"));
    // {d} alone is too few for the 5-min bucket: it waits for {e, f, g} in the 30-min one. {h} alone
    // is too few for +Inf's own range: the range from 1 min to +Inf takes {d, e, f, g, h}.
    assertThat(CommittedMetrics.histogram(conversions, 3).cumulative()).containsExactly(3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 8);
    assertThat(CommittedMetrics.histogram(conversions, 3).sum()).isCloseTo(1_004_105, within(1e-9));
  }

  @Test
  void oneRangeCountsPayersNotPayments() {
    // Three payments within a minute, but from two payers: under k = 3. With c's, within 15 min, they are four from three.
    final List<CommittedMetrics.Timed> conversions = List.of(timed(10, "a"), timed(20, "a"), timed(30, "b"), timed(400, "c"));
    assertThat(CommittedMetrics.histogram(conversions, 3).cumulative()).containsExactly(0, 0, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4);
  }

  private static CommittedMetrics.Timed timed(final double seconds, final String payer) {
    return new CommittedMetrics.Timed(seconds, payer);
  }

  private TimeToConvertHistogram.Buckets histogram(final AttributionModel model) {
    final TimeToConvertHistogram.Buckets buckets =
        CommittedMetrics.histogram(CommittedMetrics.timed(conversion, model).stream().toList(), 1);
    assertThat(buckets.cumulative()).hasSize(BUCKETS);
    return buckets;
  }

  private static CreditedTouch touch(final TouchType type, final String id, final Duration before, final double weight) {
    return CreditedTouch.newBuilder().setTouchType(type).setEventId(id).setCampaignId("A").setMsgId(null).setSceneStr(null)
        .setTouchTime(PAID.minus(before)).setWeight(weight).setTimeToConvertMs(before.toMillis()).build();
  }

  private static CreditedTouch weighted(final CreditedTouch touch, final double weight) {
    return CreditedTouch.newBuilder(touch).setWeight(weight).build();
  }

  private static ModelAttribution attribution(final AttributionModel model, final CreditedTouch... touches) {
    return ModelAttribution.newBuilder().setModel(model).setTouches(List.of(touches)).build();
  }
}

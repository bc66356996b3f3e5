package wxfunnel.topology;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.Ecosystem;

/**
 * The knobs of the semantics, with DESIGN's defaults.
 *
 * @param lookback how long before a payment a touch can be credited (7 days)
 * @param conversionWindow how long after a person's first touch of a campaign the coupon and paid
 *     steps count (7 days)
 * @param dedupHorizon how long an event id is remembered (25 h: WeChat Pay retries for 24 h 4 min)
 * @param grace how late a record may arrive and still change nothing compared with in-order
 *     arrival (10 min); later ones go to the DLQ as LATE
 * @param timeZone the reporting time zone of cohort days (Weixin: Asia/Shanghai, WeChat: UTC)
 * @param maxAmount the largest believable payment, in minor units
 * @param maxFuture how far past the wall clock an event time may lie
 * @param earliest the earliest believable event time (Weixin's launch)
 * @param model the attribution model used for metrics and the default view
 * @param maxTouches how many touches a person keeps in the lookback: the first and the most recent
 * @param inputPartitions how many partitions each input topic has: the person step waits for a
 *     clock from every one of them before it finalises anything (the runtime reads it from the cluster)
 */
public record FunnelConfig(
    Duration lookback,
    Duration conversionWindow,
    Duration dedupHorizon,
    Duration grace,
    ZoneId timeZone,
    long maxAmount,
    Duration maxFuture,
    Instant earliest,
    AttributionModel model,
    int maxTouches,
    int inputPartitions) {

  public FunnelConfig {
    if (maxTouches < 2) {
      throw new IllegalArgumentException("--max-touches keeps the first and the most recent touches: at least 2, not " + maxTouches);
    }
    if (inputPartitions < 1) {
      throw new IllegalArgumentException("input topics have at least one partition, not " + inputPartitions);
    }
  }

  public static final Duration DEFAULT_LOOKBACK = Duration.ofDays(7);
  public static final Duration DEFAULT_CONVERSION_WINDOW = Duration.ofDays(7);
  public static final Duration DEFAULT_DEDUP_HORIZON = Duration.ofHours(25);
  public static final Duration DEFAULT_GRACE = Duration.ofMinutes(10);
  /** 100 million yuan in fen: no single WeChat Pay payment is larger. */
  public static final long DEFAULT_MAX_AMOUNT = 10_000_000_000L;
  /** How far an event time may lie after its record's Kafka timestamp (DESIGN 5a). */
  public static final Duration DEFAULT_MAX_FUTURE = Duration.ofMinutes(5);
  public static final int DEFAULT_MAX_TOUCHES = 1_000;
  public static final Instant WEIXIN_LAUNCH = Instant.parse("2011-01-21T00:00:00Z");

  public static FunnelConfig defaults(final Ecosystem ecosystem) {
    return new FunnelConfig(DEFAULT_LOOKBACK, DEFAULT_CONVERSION_WINDOW, DEFAULT_DEDUP_HORIZON, DEFAULT_GRACE,
        defaultTimeZone(ecosystem), DEFAULT_MAX_AMOUNT, DEFAULT_MAX_FUTURE, WEIXIN_LAUNCH, AttributionModel.LAST_TOUCH,
        DEFAULT_MAX_TOUCHES, 1);
  }

  public static ZoneId defaultTimeZone(final Ecosystem ecosystem) {
    return ecosystem == Ecosystem.WEIXIN ? ZoneId.of("Asia/Shanghai") : ZoneId.of("UTC");
  }

  /**
   * How long a person's events are kept: as long as they can change an output or mark a retry as a
   * duplicate (the longest of lookback, conversion window and dedup horizon), plus grace.
   */
  public Duration retention() {
    Duration longest = lookback.compareTo(conversionWindow) >= 0 ? lookback : conversionWindow;
    longest = longest.compareTo(dedupHorizon) >= 0 ? longest : dedupHorizon;
    return longest.plus(grace);
  }

  /**
   * When the funnel row of {@code cohortDay} can no longer change: its last journey may start at the
   * day's end, and lasts the conversion window; a record may still arrive grace late.
   */
  public long rowClosesAt(final LocalDate cohortDay) {
    return cohortDay.plusDays(1).atStartOfDay(timeZone).toInstant().toEpochMilli() + conversionWindow.toMillis() + grace.toMillis();
  }

  /**
   * When the content row of {@code day} can no longer change: a payment may credit its last touch
   * a lookback later, and arrive grace late.
   */
  public long contentRowClosesAt(final LocalDate day) {
    return day.plusDays(1).atStartOfDay(timeZone).toInstant().toEpochMilli() + lookback.toMillis() + grace.toMillis();
  }

  public FunnelConfig withInputPartitions(final int value) {
    return new FunnelConfig(lookback, conversionWindow, dedupHorizon, grace, timeZone, maxAmount, maxFuture, earliest, model, maxTouches, value);
  }

  public FunnelConfig withTimeZone(final ZoneId value) {
    return new FunnelConfig(lookback, conversionWindow, dedupHorizon, grace, value, maxAmount, maxFuture, earliest, model, maxTouches, inputPartitions);
  }

  public FunnelConfig withModel(final AttributionModel value) {
    return new FunnelConfig(lookback, conversionWindow, dedupHorizon, grace, timeZone, maxAmount, maxFuture, earliest, value, maxTouches, inputPartitions);
  }

  public FunnelConfig withConversionWindow(final Duration value) {
    return new FunnelConfig(lookback, value, dedupHorizon, grace, timeZone, maxAmount, maxFuture, earliest, model, maxTouches, inputPartitions);
  }
}

package wxfunnel.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import picocli.CommandLine.Option;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.Ecosystem;
import wxfunnel.topology.FunnelConfig;

/** The semantics' knobs, as flags. */
final class FunnelOptions {

  @Option(names = "--lookback", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "7d",
      description = "How long before a payment a touch can be credited (default: ${DEFAULT-VALUE}).")
  Duration lookback;

  @Option(names = "--conversion-window", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "7d",
      description = "How long after the first touch the coupon and paid steps count (default: ${DEFAULT-VALUE}).")
  Duration conversionWindow;

  @Option(names = "--dedup-horizon", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "25h",
      description = "How long an event id is remembered (default: ${DEFAULT-VALUE}).")
  Duration dedupHorizon;

  @Option(names = "--grace", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "10m",
      description = "How late a record may arrive and still count; later ones go to the DLQ as LATE (default: ${DEFAULT-VALUE}).")
  Duration grace;

  @Option(names = "--weixin-time-zone", paramLabel = "ZONE", defaultValue = "Asia/Shanghai",
      description = "Reporting time zone of Weixin's cohort days (default: ${DEFAULT-VALUE}).")
  ZoneId weixinTimeZone;

  @Option(names = "--wechat-time-zone", paramLabel = "ZONE", defaultValue = "UTC",
      description = "Reporting time zone of WeChat's cohort days (default: ${DEFAULT-VALUE}).")
  ZoneId wechatTimeZone;

  @Option(names = "--max-future", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "5m",
      description = "How far an event time may lie after its record's Kafka timestamp; further is INVALID_TIMESTAMP (default: ${DEFAULT-VALUE}).")
  Duration maxFuture;

  @Option(names = "--earliest", paramLabel = "INSTANT", defaultValue = "2011-01-21T00:00:00Z",
      description = "Event times before this are INVALID_TIMESTAMP (default: ${DEFAULT-VALUE}, Weixin's launch).")
  Instant earliest;

  @Option(names = "--max-touches", paramLabel = "N", defaultValue = "1000",
      description = "Touches a person keeps in the lookback, the first and the most recent; the others are counted, not kept (default: ${DEFAULT-VALUE}).")
  int maxTouches;

  @Option(names = "--model", paramLabel = "MODEL", defaultValue = "LAST_TOUCH",
      description = "Attribution model of the time-to-convert histogram: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}); every model is always in the conversions.")
  AttributionModel model;

  FunnelConfig config(final Ecosystem ecosystem) {
    final FunnelConfig defaults = FunnelConfig.defaults(ecosystem);
    return new FunnelConfig(lookback, conversionWindow, dedupHorizon, grace,
        ecosystem == Ecosystem.WEIXIN ? weixinTimeZone : wechatTimeZone,
        defaults.maxAmount(), maxFuture, earliest, model, maxTouches, 1);
  }
}

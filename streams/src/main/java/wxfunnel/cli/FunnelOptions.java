package wxfunnel.cli;

import java.time.Duration;
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

  @Option(names = "--model", paramLabel = "MODEL", defaultValue = "LAST_TOUCH",
      description = "Attribution model of the default view: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}); every model is always in the output.")
  AttributionModel model;

  FunnelConfig config(final Ecosystem ecosystem) {
    final FunnelConfig defaults = FunnelConfig.defaults(ecosystem);
    return new FunnelConfig(lookback, conversionWindow, dedupHorizon, grace,
        ecosystem == Ecosystem.WEIXIN ? weixinTimeZone : wechatTimeZone,
        defaults.maxAmount(), defaults.maxFuture(), defaults.earliest(), model);
  }
}

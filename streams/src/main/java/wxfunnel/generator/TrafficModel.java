package wxfunnel.generator;

import java.time.Duration;
import java.util.List;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.ReadSource;
import wxfunnel.events.TradeType;

/**
 * The shape of simulated traffic, in the platforms' own terms: who the people are, which
 * campaigns they meet and how each converts, how they pay, and how the platforms deliver (WeChat
 * Pay retries its notifications on its published schedule).
 */
public final class TrafficModel {

  private TrafficModel() {}

  /** ~87% of all users are on Weixin. */
  static final double WEIXIN_SHARE = 0.87;
  /** Persons whose apps are not bound to one Open Platform account: no unionid. */
  static final double NO_UNIONID_SHARE = 0.15;
  static final double FIRST_TOUCH_IS_SCAN = 0.2;
  static final double SECOND_READ = 0.3;
  static final double READ_CARRIES_CAMPAIGN = 0.5;
  static final double COUPON_CARRIES_OUTER_STR = 0.8;
  static final double PAY_WITHOUT_COUPON = 0.05;
  static final double PAYMENT_RETRIED = 0.3;
  static final double CARD_PUSH_RETRIED = 0.05;
  static final double DELAYED = 0.025;
  static final double LATE = 0.005;
  static final double MALFORMED = 0.002;
  static final double WRONG_ECOSYSTEM = 0.001;
  /** The injected drop keeps this share of a campaign's payers, and half its coupon takers. */
  static final double DROP_KEEPS = 0.1;
  /** Records a person brings, on average, in their first hour. */
  public static final double EVENTS_PER_PERSON = 2;

  /** WeChat Pay's notification retries, after the first: 15 s, 15 s, 30 s, 3 min, 10 min, ... 6 h (24 h 4 min in all). */
  static final List<Duration> PAY_RETRY_WAITS = List.of(Duration.ofSeconds(15), Duration.ofSeconds(15),
      Duration.ofSeconds(30), Duration.ofMinutes(3), Duration.ofMinutes(10), Duration.ofMinutes(20),
      Duration.ofMinutes(30), Duration.ofMinutes(30), Duration.ofMinutes(30), Duration.ofMinutes(60),
      Duration.ofHours(3), Duration.ofHours(3), Duration.ofHours(3), Duration.ofHours(6), Duration.ofHours(6));
  /** Card pushes are retried 3 times, 5 s apart. */
  static final Duration CARD_RETRY_WAIT = Duration.ofSeconds(5);

  /** Arrivals per local hour of the day, relative to the busiest: quiet at night, peaks at lunch and evening. */
  static final double[] DAILY_RHYTHM = {0.30, 0.20, 0.15, 0.10, 0.10, 0.15, 0.30, 0.60, 0.80, 0.90, 1.00, 1.00,
      1.20, 1.10, 0.90, 0.90, 0.90, 1.00, 1.10, 1.20, 1.30, 1.30, 1.00, 0.60};

  /** A campaign: its weight among first touches, and how its people convert. */
  record Campaign(String id, double weight, double couponRate, double payRate) {}

  /** How an ecosystem's people look and pay. */
  record Market(Ecosystem ecosystem, String officialAccount, String accountId, String miniProgram, String mchId,
      List<Campaign> campaigns, List<String> currencies, double[] currencyWeights, long medianMajorUnits) {}

  static final Market WEIXIN = new Market(Ecosystem.WEIXIN, "wx3d9f5a1e8c2b7064", "gh_4f1c8a2e9b37", "wx7b2e9c4d1a6f8035",
      "1900008721",
      List.of(new Campaign("double11-2026", 3, 0.35, 0.45), new Campaign("spring-festival", 2, 0.30, 0.40),
          new Campaign("member-day", 2, 0.25, 0.50), new Campaign("live-stream", 2, 0.40, 0.30),
          new Campaign("new-arrivals", 1, 0.20, 0.25), new Campaign("store-opening", 1, 0.15, 0.35)),
      List.of("CNY"), new double[] {1}, 199);

  static final Market WECHAT = new Market(Ecosystem.WECHAT, "wx1c8e7f3a9d2b5046", "gh_9a2d7c4e1f58", "wx6a4d2c9e7b1f3058",
      "1900012345",
      List.of(new Campaign("black-friday", 3, 0.30, 0.40), new Campaign("lunar-new-year", 2, 0.35, 0.45),
          new Campaign("diaspora-deals", 2, 0.25, 0.35), new Campaign("student-offer", 1, 0.20, 0.30)),
      // Malaysia, the United States, Singapore, Hong Kong, Europe, Japan, Canada.
      List.of("MYR", "USD", "SGD", "HKD", "EUR", "JPY", "CAD"), new double[] {25, 20, 15, 15, 10, 10, 5}, 60);

  static Market of(final Ecosystem ecosystem) {
    return ecosystem == Ecosystem.WEIXIN ? WEIXIN : WECHAT;
  }

  /** Tencent's user_source shares of article reads. */
  static final ReadSource[] READ_SOURCES = {ReadSource.SESSION, ReadSource.FRIENDS, ReadSource.MOMENTS,
      ReadSource.HISTORY, ReadSource.TOP_STORIES, ReadSource.SEARCH, ReadSource.OTHER};
  static final double[] READ_SOURCE_WEIGHTS = {35, 20, 25, 5, 7, 5, 3};

  static final TradeType[] TRADE_TYPES = {TradeType.JSAPI, TradeType.NATIVE, TradeType.APP, TradeType.MICROPAY,
      TradeType.MWEB, TradeType.FACEPAY};
  static final double[] TRADE_TYPE_WEIGHTS = {60, 10, 15, 5, 5, 5};

  static final int ARTICLES_PER_CAMPAIGN = 3;
  /** Kinds of coupon (card_id) each campaign gives. */
  static final int COUPONS_PER_CAMPAIGN = 2;
}

package wxfunnel.wall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.demo.Demo;
import wxfunnel.egress.Egress;
import wxfunnel.events.ArticleRead;
import wxfunnel.events.CouponClick;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.Payment;
import wxfunnel.events.ReadSource;
import wxfunnel.events.TradeType;
import wxfunnel.generator.Generated;
import wxfunnel.generator.TrafficSender;
import wxfunnel.metrics.EgressManifest;
import wxfunnel.registry.RegistryClient;
import wxfunnel.testing.Http;
import wxfunnel.testing.Ports;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topology.FunnelConfig;

/**
 * An adversary with /metrics only (DESIGN 6a): over a seeded demo, it scrapes every two seconds,
 * and solves every number it can for the persons behind it. Funnel users count persons, so a
 * value, a change between two scrapes, or a total over campaigns is itself the number of persons
 * it singles out; conversions count payments, of at least as many payers; a histogram bucket less
 * the one below counts the conversions between them. None may single out fewer than k persons.
 * Planted: three persons in a campaign of their own, and one person who pays in a currency nobody
 * else uses, in Weixin's largest campaign: their campaign, their currency and their money never
 * appear.
 */
class AttackerTest {

  private static final int K = Egress.DEFAULT_MIN_CELL_USERS;
  private static final Duration RUN = Duration.ofSeconds(60);
  private static final Pattern STACK = Pattern.compile("kafka=(\\S+) registry=(\\S+)");
  private static final Pattern SAMPLE = Pattern.compile("^(wxfunnel_[a-z_]+)\\{([^}]*)} (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("([a-z_]+)=\"([^\"]*)\"");
  private static final String FEW = "planted-few";
  private static final String RARE_CURRENCY = "KWD";
  private static final long RARE_AMOUNT = 987_654;
  private static final Set<String> BUSINESS = Set.of("wxfunnel_funnel_users", "wxfunnel_gmv", "wxfunnel_conversions",
      "wxfunnel_attributed_conversions", "wxfunnel_time_to_convert_seconds_bucket", "wxfunnel_time_to_convert_seconds_count",
      "wxfunnel_time_to_convert_seconds_sum", "wxfunnel_content_gmv");

  @TempDir
  Path dir;

  @Test
  void noNumberNorChangeAtMetricsSinglesOutFewerThanKPersons() throws Exception {
    final ByteArrayOutputStream screenBytes = new ByteArrayOutputStream();
    final PrintStream screen = new PrintStream(screenBytes, true, StandardCharsets.UTF_8);
    final int metricsPort = Ports.free();
    final List<String> scrapes = new CopyOnWriteArrayList<>();
    final ScheduledExecutorService scraper = Executors.newSingleThreadScheduledExecutor();
    try {
      final CompletableFuture<Void> demo = CompletableFuture.runAsync(() -> {
        try {
          Demo.run(new Demo.Options(RUN, 300, 7, null, null, metricsPort, dir, Duration.ofSeconds(30), null, screen,
              FunnelConfig::defaults, UnaryOperator.identity(), null, K), new AtomicBoolean());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      scraper.scheduleAtFixedRate(() -> Http.collect("http://127.0.0.1:" + metricsPort + "/metrics", scrapes), 0, 2, TimeUnit.SECONDS);
      final Matcher stack = STACK.matcher("");
      await().atMost(Duration.ofMinutes(2)).until(() -> stack.reset(screenBytes.toString(StandardCharsets.UTF_8)).find()
          && screenBytes.toString(StandardCharsets.UTF_8).contains("metrics="));
      plant(stack.group(1), stack.group(2));
      demo.get();
    } finally {
      scraper.shutdownNow();
    }

    final EgressManifest manifest = EgressManifest.load();
    assertThat(scrapes.stream().flatMap(scrape -> manifest.violations(scrape).stream()).distinct())
        .as("samples the egress manifest does not allow").isEmpty();
    final List<Map<Series, Double>> business = scrapes.stream().map(AttackerTest::business).filter(s -> !s.isEmpty()).toList();
    assertThat(business).as("scrapes with business numbers").hasSizeGreaterThan(15);
    assertThat(business.get(business.size() - 1).keySet().stream().map(Series::name))
        .as("what the last scrape shows").contains("wxfunnel_funnel_users", "wxfunnel_gmv", "wxfunnel_conversions");
    final List<String> found = new ArrayList<>();
    for (int i = 0; i < business.size(); i++) {
      found.addAll(planted(business.get(i)));
      found.addAll(small(business.get(i)));
      if (i > 0) {
        found.addAll(smallChanges(business.get(i - 1), business.get(i)));
      }
    }
    assertThat(new TreeSet<>(found)).as("numbers of fewer than %d persons an adversary solves from /metrics", K).isEmpty();
  }

  /** One series: its name and labels (ecosystem and campaign among them), in the text's order. */
  record Series(String name, Map<String, String> labels) {

    String label(final String name) {
      return labels.getOrDefault(name, "");
    }

    /** The series of the same name and labels but {@code name}'s, which {@code value} replaces. */
    Series with(final String label, final String value) {
      final Map<String, String> copy = new TreeMap<>(labels);
      copy.put(label, value);
      return new Series(name, copy);
    }

    @Override
    public String toString() {
      return name + labels;
    }
  }

  /** The planted persons' campaign, currency or money, wherever they show. */
  private static List<String> planted(final Map<Series, Double> scrape) {
    final List<String> found = new ArrayList<>();
    scrape.forEach((series, value) -> {
      if (series.label("campaign").equals(FEW) || series.label("currency").equals(RARE_CURRENCY)
          || (series.name().endsWith("_gmv") && value == RARE_AMOUNT)) {
        found.add("planted persons shown: " + series + " " + value);
      }
    });
    return found;
  }

  /** Values, and totals over campaigns, of fewer than k persons: funnel users, conversions, histogram buckets. */
  private static List<String> small(final Map<Series, Double> scrape) {
    final List<String> found = new ArrayList<>();
    final Map<Series, Double> totals = new TreeMap<>(Comparator.comparing(Series::toString));
    scrape.forEach((series, value) -> {
      if (countsPersons(series) && value > 0 && value < K) {
        found.add(series + " = " + value);
      }
      if (series.name().equals("wxfunnel_funnel_users")) {
        totals.merge(series.with("campaign", "(all)"), value, Double::sum);
      }
    });
    totals.forEach((series, value) -> {
      if (value > 0 && value < K) {
        found.add("total " + series + " = " + value);
      }
    });
    bucketsOwnCounts(scrape).forEach((series, count) -> {
      if (count > 0 && count < K) {
        found.add("conversions in " + series + " alone = " + count);
      }
    });
    return found;
  }

  /** Changes from one scrape to the next of fewer than k persons: of each series, and of each bucket's own count. */
  private static List<String> smallChanges(final Map<Series, Double> before, final Map<Series, Double> after) {
    final List<String> found = new ArrayList<>();
    after.forEach((series, value) -> {
      final Double was = before.get(series);
      if (countsPersons(series) && was != null && value - was != 0 && Math.abs(value - was) < K) {
        found.add(series + " moved by " + (value - was));
      }
    });
    final Map<Series, Double> ownBefore = bucketsOwnCounts(before);
    bucketsOwnCounts(after).forEach((series, count) -> {
      final Double was = ownBefore.get(series);
      if (was != null && count - was != 0 && Math.abs(count - was) < K) {
        found.add("conversions in " + series + " alone moved by " + (count - was));
      }
    });
    return found;
  }

  /** Whether the series counts persons or payments (of at least as many payers): its value and changes must reach k. */
  private static boolean countsPersons(final Series series) {
    return Set.of("wxfunnel_funnel_users", "wxfunnel_conversions", "wxfunnel_time_to_convert_seconds_count")
        .contains(series.name());
  }

  /** Per ecosystem and bucket, the conversions between its bound and the one below. */
  private static Map<Series, Double> bucketsOwnCounts(final Map<Series, Double> scrape) {
    final Map<String, TreeMap<Double, Double>> byEcosystem = new TreeMap<>();
    scrape.forEach((series, value) -> {
      if (series.name().equals("wxfunnel_time_to_convert_seconds_bucket")) {
        final double bound = series.label("le").equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(series.label("le"));
        byEcosystem.computeIfAbsent(series.label("ecosystem"), e -> new TreeMap<>()).put(bound, value);
      }
    });
    final Map<Series, Double> own = new TreeMap<>(Comparator.comparing(Series::toString));
    byEcosystem.forEach((eco, buckets) -> {
      double below = 0;
      for (final Map.Entry<Double, Double> bucket : buckets.entrySet()) {
        own.put(new Series("bucket", Map.of("ecosystem", eco, "le", String.valueOf(bucket.getKey()))), bucket.getValue() - below);
        below = bucket.getValue();
      }
    });
    return own;
  }

  /** The business samples of a scrape. */
  static Map<Series, Double> business(final String scrape) {
    final Map<Series, Double> samples = new TreeMap<>(Comparator.comparing(Series::toString));
    for (final String line : scrape.lines().toList()) {
      final Matcher sample = SAMPLE.matcher(line);
      if (sample.matches() && BUSINESS.contains(sample.group(1))) {
        final Map<String, String> labels = new TreeMap<>();
        final Matcher label = LABEL.matcher(sample.group(2));
        while (label.find()) {
          labels.put(label.group(1), label.group(2));
        }
        samples.put(new Series(sample.group(1), labels), Double.parseDouble(sample.group(3)));
      }
    }
    return samples;
  }

  /**
   * Into Weixin: three persons who read, take a coupon and pay in a campaign of their own; one who
   * reads, takes a coupon and pays in its largest campaign, in a currency nobody else pays in.
   */
  private static void plant(final String bootstrap, final String registryUrl) {
    final Instant now = Instant.now();
    final List<Generated> records = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      records.addAll(journey("planted-" + i, FEW, 12_300 + i, "CNY", now));
    }
    records.addAll(journey("planted-rare", "double11-2026", RARE_AMOUNT, RARE_CURRENCY, now));
    try (TrafficSender sender = new TrafficSender(Map.of("bootstrap.servers", bootstrap), new RegistryClient(registryUrl))) {
      records.forEach(sender::send);
      sender.flush();
    }
  }

  private static List<Generated> journey(final String person, final String campaign, final long amount, final String currency,
      final Instant now) {
    final Ecosystem eco = Ecosystem.WEIXIN;
    final String openid = "o-" + person;
    final Instant read = now.minus(Duration.ofMinutes(2));
    final Instant click = now.minus(Duration.ofMinutes(1));
    return List.of(
        record(EcoTopic.READS, openid, read, ArticleRead.newBuilder().setEventId(person + "-read").setEcosystem(eco)
            .setAppId("wx-planted-oa").setOpenid(openid).setUnionid("u-" + person).setEventTime(read).setAccountId("gh_planted")
            .setMsgId("2650000002_1").setReadSource(ReadSource.SESSION).setCampaignId(campaign).build()),
        record(EcoTopic.COUPON_CLICKS, openid, click, CouponClick.newBuilder().setEventId(person + "-coupon").setEcosystem(eco)
            .setAppId("wx-planted-oa").setOpenid(openid).setUnionid("u-" + person).setEventTime(click).setCardId("pPlanted")
            .setUserCardCode("000000000001").setOuterStr(campaign).setMsgId("2650000002_1").build()),
        record(EcoTopic.PAYMENTS, openid, now, Payment.newBuilder().setEventId(person + "-pay").setEcosystem(eco)
            .setAppId("wx-planted-oa").setOpenid(openid).setUnionid("u-" + person).setEventTime(now)
            .setTransactionId("4200000000" + Math.abs(person.hashCode())).setOutTradeNo("planted-order").setMchId("1900000109")
            .setTradeType(TradeType.JSAPI).setTotal(amount).setCurrency(currency).setAttach(null).setCouponCardId(null).build()));
  }

  private static Generated record(final EcoTopic topic, final String key, final Instant at, final SpecificRecord value) {
    return new Generated(topic.topic(Ecosystem.WEIXIN), key, value, null, at.toEpochMilli(), Instant.now().toEpochMilli());
  }
}

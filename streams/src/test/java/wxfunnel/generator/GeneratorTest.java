package wxfunnel.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import wxfunnel.events.ArticleRead;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.Payment;
import wxfunnel.testing.FreshRegistry;
import wxfunnel.testing.SharedKafka;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topology.Input;

class GeneratorTest {

  @RegisterExtension
  static final FreshRegistry REGISTRY = new FreshRegistry();

  @Test
  void theSameSeedGivesTheSameRecordsByteForByte() {
    final List<Generated> first = new Generator(Generator.Settings.of(7, 20_000)).toList();
    final List<Generated> second = new Generator(Generator.Settings.of(7, 20_000)).toList();
    final List<Generated> otherSeed = new Generator(Generator.Settings.of(8, 20_000)).toList();

    try (TrafficSender sender = new TrafficSender(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        SharedKafka.get().bootstrapServers()), REGISTRY.client())) {
      assertThat(first).hasSize(20_000);
      for (int i = 0; i < first.size(); i++) {
        final Generated a = first.get(i);
        final Generated b = second.get(i);
        assertThat(b.topic()).isEqualTo(a.topic());
        assertThat(b.key()).isEqualTo(a.key());
        assertThat(b.deliverAt()).isEqualTo(a.deliverAt());
        assertThat(sender.valueBytes(b)).as("record %d", i).isEqualTo(sender.valueBytes(a));
      }
      assertThat(Arrays.equals(sender.valueBytes(otherSeed.get(500)), sender.valueBytes(first.get(500)))).isFalse();
    }
  }

  @Test
  void keyedByPersonEachRecordCarriesItsPersonKeyAndNothingElseChanges() {
    final List<Generated> byOpenid = new Generator(Generator.Settings.of(7, 5_000)).toList();
    final List<Generated> byPerson = new Generator(Generator.Settings.of(7, 5_000).withKeyBy(Generator.KeyBy.PERSON)).toList();
    int withUnionid = 0;
    int withoutUnionid = 0;
    for (int i = 0; i < byOpenid.size(); i++) {
      final Generated openid = byOpenid.get(i);
      final Generated person = byPerson.get(i);
      assertThat(person.value()).isEqualTo(openid.value());
      assertThat(person.deliverAt()).isEqualTo(openid.deliverAt());
      if (EcoTopic.CONTENT.isTopic(openid.topic()) || openid.isMalformed()) {
        continue;
      }
      // DESIGN: the person key is the unionid when present, else the app and the openid.
      final Object unionid = openid.value().get(openid.value().getSchema().getField("unionid").pos());
      final String app = openid.value().get(openid.value().getSchema().getField("app_id").pos()).toString();
      assertThat(openid.key()).isEqualTo(openid.value().get(openid.value().getSchema().getField("openid").pos()).toString());
      if (unionid != null) {
        withUnionid++;
        assertThat(person.key()).isEqualTo("u:" + unionid);
      } else {
        withoutUnionid++;
        assertThat(person.key()).isEqualTo("o:" + app + ":" + openid.key());
      }
    }
    assertThat(withUnionid).isGreaterThan(1_000);
    assertThat(withoutUnionid).isGreaterThan(100);
  }

  @Test
  void anEndLeavesOutWhatIsDueAfterItAndStops() {
    final Instant start = Instant.parse("2026-11-20T12:00:00Z");
    final Instant end = start.plus(Duration.ofMinutes(10));
    final Generator.Settings settings = Generator.Settings.of(5, Long.MAX_VALUE).withPersonsPerSecond(20).withoutDailyRhythm()
        .withStart(start);
    final List<Generated> ended = new Generator(settings.withEnd(end)).toList();
    final Generator unended = new Generator(settings);
    for (final Generated record : ended) {
      final Generated same = unended.next();
      assertThat(record.deliverAt()).isEqualTo(same.deliverAt()).isLessThanOrEqualTo(end.toEpochMilli());
      assertThat(record.value()).isEqualTo(same.value());
    }
    // 12,000 persons in 600 s, one to three records each within it; the next record of the unended traffic is due after the end.
    assertThat(ended.size()).isBetween(12_000, 36_000);
    assertThat(unended.next().deliverAt()).isGreaterThan(end.toEpochMilli());
  }

  @Test
  void thousandsOfPersonsASecondArriveAtThatRate() {
    // 2,000 arrivals a second, each with a first read or scan when they arrive: 20,000 in 10 s.
    final Instant start = Instant.parse("2026-11-20T12:00:00Z");
    final long end = start.plusSeconds(10).toEpochMilli();
    final Generator generator = new Generator(Generator.Settings.of(3, Long.MAX_VALUE).withPersonsPerSecond(2_000)
        .withoutDailyRhythm().withStart(start));
    long firstTouches = 0;
    // Past the longest delay but the late ones' (0.5%), so every other first touch of the 10 s is delivered.
    for (Generated record = generator.next(); record.deliverAt() <= end + Duration.ofMinutes(5).toMillis();
        record = generator.next()) {
      final boolean touch = EcoTopic.READS.isTopic(record.topic()) || EcoTopic.SCANS.isTopic(record.topic());
      firstTouches += touch && record.eventTime() < end ? 1 : 0;
    }
    assertThat(firstTouches).isCloseTo(20_000, within(600L));
  }

  @Test
  void theMixHasTheStatedShares() {
    // About two simulated days, so the daily rhythm shows.
    final List<Generated> records = new Generator(Generator.Settings.of(42, 60_000).withPersonsPerSecond(0.12)).toList();
    final List<Generated> events = records.stream().filter(r -> !EcoTopic.CONTENT.isTopic(r.topic())).toList();
    final List<Generated> valid = events.stream().filter(r -> !r.isMalformed() && !spoofed(r)).toList();

    // Ecosystems: ~87% Weixin.
    assertThat(share(valid, r -> r.topic().startsWith("weixin."))).isCloseTo(0.87, within(0.02));
    // Missing unionid: ~15% of persons.
    assertThat(share(valid, r -> Input.common(r.value()).unionid() == null)).isCloseTo(0.15, within(0.02));
    // Malformed ~0.2%, wrong ecosystem ~0.1% of deliveries.
    assertThat(share(events, Generated::isMalformed)).isCloseTo(0.002, within(0.0008));
    assertThat(share(events, GeneratorTest::spoofed)).isCloseTo(0.001, within(0.0006));

    // Payments: CNY on Weixin, several currencies on WeChat; ~30% of notifications are retried.
    final List<Payment> payments = valid.stream().filter(r -> r.value() instanceof Payment).map(r -> (Payment) r.value()).toList();
    assertThat(payments.stream().filter(p -> p.getEcosystem() == Ecosystem.WEIXIN).map(Payment::getCurrency))
        .containsOnly("CNY");
    final Set<String> wechatCurrencies = new HashSet<>();
    payments.stream().filter(p -> p.getEcosystem() == Ecosystem.WECHAT).forEach(p -> wechatCurrencies.add(p.getCurrency()));
    assertThat(wechatCurrencies).contains("MYR", "USD", "SGD", "HKD", "EUR", "JPY");
    final Map<String, Integer> deliveries = new HashMap<>();
    payments.forEach(p -> deliveries.merge(p.getTransactionId(), 1, Integer::sum));
    assertThat(deliveries.values().stream().filter(n -> n > 1).count() / (double) deliveries.size()).isCloseTo(0.30, within(0.04));
    assertThat(deliveries.values().stream().mapToInt(Integer::intValue).max().orElseThrow()).isLessThanOrEqualTo(16);

    // Late: ~0.5% of first deliveries come more than the 10 min grace after the event.
    final Set<String> seen = new HashSet<>();
    final List<Generated> firstDeliveries = valid.stream().filter(r -> seen.add(r.topic() + Input.common(r.value()).eventId())).toList();
    assertThat(share(firstDeliveries, r -> r.deliverAt() - r.eventTime() > Duration.ofMinutes(10).toMillis()))
        .isCloseTo(0.005, within(0.002));
    assertThat(share(firstDeliveries, r -> r.deliverAt() < r.eventTime())).isZero();

    // Daily rhythm in Beijing time: the evening peak has far more reads than the small hours.
    final int[] byHour = new int[24];
    valid.stream().filter(r -> r.value() instanceof ArticleRead)
        .forEach(r -> byHour[Instant.ofEpochMilli(r.eventTime()).atZone(ZoneId.of("Asia/Shanghai")).getHour()]++);
    assertThat(byHour[20] + byHour[21]).isGreaterThan(5 * (byHour[3] + byHour[4]));
  }

  private static boolean spoofed(final Generated record) {
    return !record.isMalformed() && record.value().get(1) instanceof Ecosystem eco
        && !record.topic().startsWith(EcoTopic.prefix(eco) + ".");
  }

  private static double share(final List<Generated> records, final Predicate<Generated> which) {
    return records.stream().filter(which).count() / (double) records.size();
  }
}

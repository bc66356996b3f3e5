package wxfunnel.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static wxfunnel.topics.Ledger.Outcome.ACCEPTED;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToIntFunction;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.avro.specific.SpecificRecord;
import wxfunnel.events.Conversion;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;
import wxfunnel.registry.InMemoryRegistry;
import wxfunnel.registry.SchemaRegistry;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topology.FunnelDriver.DeadLetter;

/** The laws of the topology, over generated traffic, on the real topology. */
class FunnelLawsTest {

  private static final Instant T0 = Instant.parse("2026-11-20T02:00:00Z");
  private static final List<String> CAMPAIGNS = Arrays.asList("A", "B", null);
  private static final SchemaRegistry registry = new InMemoryRegistry("FunnelLawsTest");

  /** One generated event: what, who, when (minutes after T0), which campaign, and how late it may arrive. */
  record Spec(int kind, int person, int minute, int campaign, int lateSeconds) {}

  @Provide
  Arbitrary<List<Spec>> traffic() {
    final Arbitrary<Spec> spec = Combinators.combine(
        Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 180),
        Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 599)).as(Spec::new);
    return spec.list().ofMinSize(1).ofMaxSize(30);
  }

  @Property(tries = 25)
  void anyArrivalOrderWithinGraceGivesTheSameFinalOutputs(@ForAll("traffic") final List<Spec> traffic) {
    final List<SpecificRecord> events = events(Ecosystem.WEIXIN, traffic, "");

    final Outputs inOrder = run(inEventTimeOrder(events, traffic));
    final Outputs shuffled = run(inArrivalOrder(events, traffic));

    assertThat(shuffled.conversions()).isEqualTo(inOrder.conversions());
    assertThat(shuffled.funnel()).isEqualTo(inOrder.funnel());
    assertThat(inOrder.deadLetters()).isEmpty();
    assertThat(shuffled.deadLetters()).isEmpty();
    assertThat(inOrder.conversions()).hasSize((int) traffic.stream().filter(s -> s.kind() == 3).count());
  }

  @Property(tries = 25)
  void anyNumberOfDuplicatesChangesNothing(@ForAll("traffic") final List<Spec> traffic,
      @ForAll("duplicates") final List<Integer> copies) {
    final List<SpecificRecord> events = inEventTimeOrder(events(Ecosystem.WEIXIN, traffic, ""), traffic);
    final List<SpecificRecord> withDuplicates = new ArrayList<>(events);
    for (final int copy : copies) {
      // Each duplicate arrives after its original, as a retried notification does.
      final SpecificRecord original = events.get(copy % events.size());
      final int after = withDuplicates.indexOf(original) + 1;
      withDuplicates.add(after + copy % (withDuplicates.size() - after + 1), original);
    }

    final Outputs once = run(events);
    final Outputs repeated = run(withDuplicates);

    assertThat(repeated.conversions()).isEqualTo(once.conversions());
    assertThat(repeated.funnel()).isEqualTo(once.funnel());
    assertThat(repeated.deadLetters()).isEmpty();
    assertThat(repeated.ledger().getOrDefault("total.duplicate", 0L)).isEqualTo(copies.size());
  }

  @Provide
  Arbitrary<List<Integer>> duplicates() {
    return Arbitraries.integers().between(0, 1000).list().ofMaxSize(20);
  }

  @Property(tries = 25)
  void theOtherEcosystemsEventsChangeNothingAndAllGoToTheDlq(@ForAll("traffic") final List<Spec> own,
      @ForAll("traffic") final List<Spec> foreign) {
    final List<SpecificRecord> ownEvents = inEventTimeOrder(events(Ecosystem.WEIXIN, own, ""), own);
    final List<SpecificRecord> spoofed = inEventTimeOrder(events(Ecosystem.WECHAT, foreign, "foreign-"), foreign);
    final List<SpecificRecord> mixed = new ArrayList<>(ownEvents);
    for (int i = 0; i < spoofed.size(); i++) {
      mixed.add((i * 7) % (mixed.size() + 1), spoofed.get(i));
    }

    final Outputs pure = run(ownEvents);
    final Outputs attacked = run(mixed);

    assertThat(attacked.conversions()).isEqualTo(pure.conversions());
    assertThat(attacked.funnel()).isEqualTo(pure.funnel());
    assertThat(attacked.deadLetters()).hasSize(spoofed.size()).allMatch(d -> d.reason().equals("WRONG_ECOSYSTEM"));
  }

  @Property(tries = 25)
  void everyInputRecordIsAccountedForInAnOutputOrTheDlq(@ForAll("traffic") final List<Spec> traffic,
      @ForAll("duplicates") final List<Integer> copies, @ForAll("garbage") final List<byte[]> garbage) {
    final List<SpecificRecord> events = inEventTimeOrder(events(Ecosystem.WEIXIN, traffic, ""), traffic);
    final List<SpecificRecord> inputs = new ArrayList<>(events);
    copies.forEach(copy -> inputs.add(events.get(copy % events.size())));

    try (FunnelDriver d = new FunnelDriver(Ecosystem.WEIXIN, FunnelConfig.defaults(Ecosystem.WEIXIN), registry)) {
      inputs.forEach(d::pipe);
      garbage.forEach(bytes -> d.pipeBytes(EcoTopic.PAYMENTS, null, bytes, T0));
      final Map<String, Long> ledger = ledger(d);
      final List<DeadLetter> deadLetters = d.deadLetters();
      final long payments = ledger.getOrDefault(ACCEPTED.key("PAYMENT"), 0L);

      assertThat(deadLetters.size() + ledger.get("total.duplicate") + ledger.get("total.accepted") + ledger.get("total.late"))
          .isEqualTo(inputs.size() + garbage.size());
      assertThat(deadLetters.stream().filter(l -> !l.reason().equals("LATE"))).hasSize(garbage.size());
      assertThat(d.conversions()).hasSize((int) payments);
    }
  }

  @Provide
  Arbitrary<List<byte[]>> garbage() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(40).list().ofMaxSize(10);
  }

  private record Outputs(Map<String, Conversion> conversions, Map<String, FunnelRow> funnel, List<DeadLetter> deadLetters,
      Map<String, Long> ledger) {}

  private static Outputs run(final List<SpecificRecord> events) {
    try (FunnelDriver d = new FunnelDriver(Ecosystem.WEIXIN, FunnelConfig.defaults(Ecosystem.WEIXIN), registry)) {
      events.forEach(d::pipe);
      return new Outputs(d.conversions(), d.funnel(), d.deadLetters(), ledger(d));
    }
  }

  /** The ledger, with totals per outcome added. */
  private static Map<String, Long> ledger(final FunnelDriver d) {
    final Map<String, Long> ledger = new TreeMap<>(d.ledger());
    for (final String outcome : List.of("accepted", "duplicate", "late")) {
      ledger.put("total." + outcome, ledger.entrySet().stream()
          .filter(e -> e.getKey().startsWith(outcome + ".")).mapToLong(Map.Entry::getValue).sum());
    }
    return ledger;
  }

  private static List<SpecificRecord> events(final Ecosystem ecosystem, final List<Spec> specs, final String idPrefix) {
    final Events events = new Events(ecosystem);
    final List<SpecificRecord> built = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      final Spec s = specs.get(i);
      final String id = idPrefix + "e" + i;
      final String person = "p" + s.person();
      final Instant at = T0.plus(Duration.ofMinutes(s.minute()));
      final String campaign = CAMPAIGNS.get(s.campaign());
      built.add(switch (s.kind()) {
        case 0 -> events.read(id, person, at, "100_" + s.campaign(), campaign);
        case 1 -> events.scan(id, person, at, campaign == null ? "C" : campaign);
        case 2 -> events.coupon(id, person, at, campaign, null);
        default -> events.payment(id, person, at, 100L * (i + 1), "CNY");
      });
    }
    return built;
  }

  private static List<SpecificRecord> inEventTimeOrder(final List<SpecificRecord> events, final List<Spec> specs) {
    return order(events, specs, s -> 0);
  }

  /** Each record arrives up to its lateSeconds (under the 10 min grace) after its event time. */
  private static List<SpecificRecord> inArrivalOrder(final List<SpecificRecord> events, final List<Spec> specs) {
    return order(events, specs, Spec::lateSeconds);
  }

  private static List<SpecificRecord> order(final List<SpecificRecord> events, final List<Spec> specs,
      final ToIntFunction<Spec> delaySeconds) {
    final List<Integer> indexes = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      indexes.add(i);
    }
    indexes.sort(Comparator.comparingLong((Integer i) -> specs.get(i).minute() * 60L + delaySeconds.applyAsInt(specs.get(i)))
        .thenComparing(i -> i));
    return indexes.stream().map(events::get).toList();
  }
}

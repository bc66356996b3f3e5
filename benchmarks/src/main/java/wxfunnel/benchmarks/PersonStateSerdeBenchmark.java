package wxfunnel.benchmarks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.Serde;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import wxfunnel.internal.EventKind;
import wxfunnel.internal.Journey;
import wxfunnel.internal.PaymentRef;
import wxfunnel.internal.PersonState;
import wxfunnel.internal.Touch;
import wxfunnel.topology.HotPaths;

/**
 * A person's state through the internal serde, as the persons store reads and writes it for
 * every event: a person with three touches, a payment, two journeys and four remembered ids.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PersonStateSerdeBenchmark {

  private static final long T0 = 1_795_000_000_000L;

  private final Serde<PersonState> serde = HotPaths.personStateSerde();
  private PersonState state;
  private byte[] bytes;

  @Setup
  public void setUp() {
    final List<Touch> touches = new ArrayList<>(List.of(
        new Touch(EventKind.READ, "read-3yyt96hU5hYLacgP", T0, "double11-2026", "2247483610_2", null, null),
        new Touch(EventKind.SCAN, "6b061939-gQfA29J6Arl-", T0 + 60_000, "double11-2026", null, "double11-2026", null),
        new Touch(EventKind.COUPON, "card-0IYpQprDjNWYWUjI", T0 + 90_000, "double11-2026", "2247483610_1", null, "pCwwCbJ7cPJWHaRtH7fMBHBqtOQw")));
    final List<PaymentRef> payments = new ArrayList<>(List.of(
        new PaymentRef("4200000000000979478240669332", T0 + 160_000, 13_390L, "CNY", true, false,
            new HashMap<>(Map.of("double11-2026", 13_390L)))));
    final List<Journey> journeys = new ArrayList<>(List.of(
        new Journey("double11-2026", T0, 20_778, true, true, new HashMap<>(Map.of("CNY", 13_390L))),
        new Journey("member-day", T0 + 30_000, 20_778, false, false, new HashMap<>())));
    state = new PersonState(touches, payments, journeys, new HashMap<>(Map.of("double11-2026", T0)), T0 + 7 * 86_400_000L,
        new HashMap<>(), 0L);
    bytes = serde.serializer().serialize("", state);
  }

  @Benchmark
  public byte[] serialize() {
    return serde.serializer().serialize("", state);
  }

  @Benchmark
  public PersonState deserialize() {
    return serde.deserializer().deserialize("", bytes);
  }
}

package wxfunnel.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import wxfunnel.events.Conversion;
import wxfunnel.events.Ecosystem;
import wxfunnel.internal.EventKind;
import wxfunnel.internal.PaymentRef;
import wxfunnel.internal.Touch;
import wxfunnel.topology.HotPaths;

/**
 * The attribution step for one payment: the person's touches inside the lookback, credited under
 * all four models. {@code touches} is how many the person has (half of them inside the lookback).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AttributionBenchmark {

  private static final long PAID_AT = 1_795_000_000_000L;
  private static final Duration LOOKBACK = Duration.ofDays(7);

  @Param({"1", "4", "16"})
  int touches;

  private PaymentRef payment;
  private List<Touch> history;

  @Setup
  public void setUp() {
    payment = new PaymentRef("4200000000001234567890123456", PAID_AT, 12_900L, "CNY", true, false, new HashMap<>());
    history = new ArrayList<>();
    final EventKind[] kinds = {EventKind.READ, EventKind.SCAN, EventKind.COUPON};
    for (int i = 0; i < touches; i++) {
      // Every other touch is older than the lookback; the rest fall inside it, newest last.
      final long age = i % 2 == 0 ? LOOKBACK.toMillis() / (i + 2) : LOOKBACK.toMillis() + i * 60_000L;
      history.add(new Touch(kinds[i % kinds.length], "event-" + i, PAID_AT - age, "campaign-" + (i % 3), "2247483610_" + i, null, null));
    }
  }

  @Benchmark
  public Conversion attributePayment() {
    return HotPaths.attribute(Ecosystem.WEIXIN, payment, history, LOOKBACK);
  }
}

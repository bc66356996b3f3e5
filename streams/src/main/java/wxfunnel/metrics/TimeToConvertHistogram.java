package wxfunnel.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * {@code wxfunnel_time_to_convert_seconds}, a Prometheus histogram ({@code _bucket}, {@code _count},
 * {@code _sum}) with one data point per ecosystem, each set from that ecosystem's committed
 * conversions as a whole: one observation per attributed conversion, its time to convert under
 * the {@code --model} attribution model. One collector serves every ecosystem of a registry.
 */
final class TimeToConvertHistogram implements Collector {

  static final String NAME = "wxfunnel_time_to_convert_seconds";
  private static final Map<PrometheusMeterRegistry, TimeToConvertHistogram> byRegistry = new WeakHashMap<>();

  /** Cumulative counts per bucket bound (then +Inf), and the sum of the observations. */
  record Buckets(long[] cumulative, double sum) {}

  private final Map<String, Buckets> byEcosystem = new ConcurrentSkipListMap<>();

  private TimeToConvertHistogram() {}

  /** The histogram of {@code registry}, registered with it on first use. */
  static synchronized TimeToConvertHistogram of(final PrometheusMeterRegistry registry) {
    return byRegistry.computeIfAbsent(registry, r -> {
      final TimeToConvertHistogram histogram = new TimeToConvertHistogram();
      r.getPrometheusRegistry().register(histogram);
      return histogram;
    });
  }

  void set(final String ecosystem, final Buckets buckets) {
    byEcosystem.put(ecosystem, buckets);
  }

  @Override
  public String getPrometheusName() {
    return NAME;
  }

  @Override
  public MetricSnapshot collect() {
    final HistogramSnapshot.Builder snapshot = HistogramSnapshot.builder().name(NAME)
        .help("Attributed payments by their time to convert under the --model attribution model: the credit-weighted time"
            + " of their credited touches before the payment");
    byEcosystem.forEach((ecosystem, buckets) -> snapshot.dataPoint(HistogramDataPointSnapshot.builder()
        .labels(Labels.of("ecosystem", ecosystem))
        .classicHistogramBuckets(ClassicHistogramBuckets.of(CommittedMetrics.TIME_TO_CONVERT_BOUNDS, perBucket(buckets.cumulative())))
        .sum(buckets.sum()).build()));
    return snapshot.build();
  }

  /** Prometheus's model takes each bucket's own count; the exposition format adds them up again. */
  private static long[] perBucket(final long[] cumulative) {
    final long[] counts = new long[cumulative.length];
    for (int i = 0; i < cumulative.length; i++) {
      counts[i] = cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]);
    }
    return counts;
  }
}

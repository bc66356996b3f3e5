package wxfunnel.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Counters of one name ({@code <name>_total} in Prometheus), one per label set, each set to a
 * total of the committed view at every publication: for what the view only ever adds to (dead
 * letters, the ledger's event counts). A label set that is no longer in the view is removed, so
 * Prometheus marks its series stale.
 */
final class CounterFamily {

  /** One counter's value; written by the publishing thread, read by scrapes. */
  private static final class Value {
    private volatile double total;
  }

  private final MeterRegistry meters;
  private final String name;
  private final Tags common;
  private final String description;
  private final Map<Tags, Value> values = new HashMap<>();
  private final Map<Tags, FunctionCounter> counters = new HashMap<>();

  CounterFamily(final MeterRegistry meters, final String name, final Tags common, final String description) {
    this.meters = meters;
    this.name = name;
    this.common = common;
    this.description = description;
  }

  /** Sets each label set's counter to its total; {@code names} name the labels of each key, in order. */
  void set(final Map<List<String>, Double> totals, final String... names) {
    final Map<Tags, Double> byTags = new HashMap<>();
    totals.forEach((labels, total) -> byTags.put(CommittedMetrics.tags(labels, names), total));
    for (final Iterator<Map.Entry<Tags, FunctionCounter>> it = counters.entrySet().iterator(); it.hasNext();) {
      final Map.Entry<Tags, FunctionCounter> counter = it.next();
      if (!byTags.containsKey(counter.getKey())) {
        meters.remove(counter.getValue());
        values.remove(counter.getKey());
        it.remove();
      }
    }
    byTags.forEach((tags, total) -> values.computeIfAbsent(tags, this::register).total = total);
  }

  private Value register(final Tags tags) {
    final Value value = new Value();
    counters.put(tags, FunctionCounter.builder(name, value, v -> v.total).tags(common.and(tags)).description(description)
        .register(meters));
    return value;
  }
}

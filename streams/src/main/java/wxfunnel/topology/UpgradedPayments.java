package wxfunnel.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The transactions whose enriched copy took another copy's place, with the time each was paid,
 * remembered for {@link #REMEMBER} of paid time and then forgotten (once per hour of it).
 */
final class UpgradedPayments {

  /** How long, in paid time, a replaced transaction is remembered: far beyond any task's lag. */
  private static final Duration REMEMBER = Duration.ofDays(8);
  private static final Duration FORGET_INTERVAL = Duration.ofHours(1);

  private final KeyValueStore<String, Long> store;
  private long latestPaid = Long.MIN_VALUE;
  private long nextForget = Long.MIN_VALUE;

  UpgradedPayments(final KeyValueStore<String, Long> store) {
    this.store = store;
  }

  void remember(final String transactionId, final long paid) {
    store.put(transactionId, paid);
  }

  boolean contains(final String transactionId) {
    return store.get(transactionId) != null;
  }

  /** A conversion paid at {@code paid} has passed: forgets what is older than it by {@link #REMEMBER}. */
  void passed(final long paid) {
    latestPaid = Math.max(latestPaid, paid);
    if (latestPaid >= nextForget) {
      forget(latestPaid - REMEMBER.toMillis());
      nextForget = latestPaid + FORGET_INTERVAL.toMillis();
    }
  }

  private void forget(final long before) {
    final List<String> old = new ArrayList<>();
    try (KeyValueIterator<String, Long> all = store.all()) {
      all.forEachRemaining((KeyValue<String, Long> kv) -> {
        if (kv.value < before) {
          old.add(kv.key);
        }
      });
    }
    old.forEach(store::delete);
  }
}

package wxfunnel.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import wxfunnel.internal.PaymentContent;
import wxfunnel.internal.PaymentRef;

/**
 * What each payment's last conversion credits to content rows, so that a revised conversion takes
 * it back: kept beside the person, one record per payment (a person's state would grow with every
 * payment times every credited row), by payment time first, and forgotten with the payment.
 */
final class PaymentContents {

  private final KeyValueStore<String, PaymentContent> store;

  PaymentContents(final KeyValueStore<String, PaymentContent> store) {
    this.store = store;
  }

  /** What {@code payment}'s last conversion credits, and its payer; no credits before its first. */
  PaymentContent of(final PaymentRef payment) {
    final PaymentContent kept = store.get(key(payment.getTime(), payment.getTransactionId()));
    return kept == null ? none(payment) : kept;
  }

  /** No credits of {@code payment}, by nobody. */
  static PaymentContent none(final PaymentRef payment) {
    return new PaymentContent(payment.getCurrency(), null, List.of());
  }

  void put(final PaymentRef payment, final PaymentContent credits) {
    final String key = key(payment.getTime(), payment.getTransactionId());
    if (credits.getCredits().isEmpty()) {
      store.delete(key);
    } else {
      store.put(key, credits);
    }
  }

  /** Forgets the payments made before {@code time}: their persons have forgotten them too. */
  void forgetBefore(final long time) {
    final List<String> old = new ArrayList<>();
    try (KeyValueIterator<String, PaymentContent> before = store.range(key(0, ""), key(time, ""))) {
      before.forEachRemaining((KeyValue<String, PaymentContent> entry) -> old.add(entry.key));
    }
    old.forEach(store::delete);
  }

  /** Payment time in digits that sort as they count, then the {@code transaction_id}. */
  private static String key(final long time, final String transactionId) {
    return String.format(Locale.ROOT, "%019d", Math.max(0, time)) + transactionId;
  }
}

package wxfunnel.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import wxfunnel.internal.FunnelDelta;

/**
 * The person task's changes to funnel rows since it last sent them, summed per row: one delta per
 * row and send, instead of one per event. They are kept in a logged store and sent and cleared by
 * the task itself, so each change is either still in the committed store or already sent in the
 * same transaction: exactly once holds across a crash.
 */
final class PendingDeltas {

  private final KeyValueStore<String, FunnelDelta> store;

  PendingDeltas(final KeyValueStore<String, FunnelDelta> store) {
    this.store = store;
  }

  /** Adds {@code delta} to what is pending for its row; a sum that changes nothing is not kept. */
  void add(final FunnelDelta delta) {
    final String row = Journeys.rowKey(delta.getCampaignId(), delta.getCohortDay());
    final FunnelDelta pending = store.get(row);
    if (pending == null) {
      store.put(row, delta);
      return;
    }
    Journeys.add(pending, delta);
    if (Journeys.changes(pending)) {
      store.put(row, pending);
    } else {
      store.delete(row);
    }
  }

  /** Hands each row's pending delta to {@code send}, in row order, and clears it. */
  void send(final BiConsumer<String, FunnelDelta> send) {
    final List<KeyValue<String, FunnelDelta>> pending = new ArrayList<>();
    try (KeyValueIterator<String, FunnelDelta> all = store.all()) {
      all.forEachRemaining(pending::add);
    }
    for (final KeyValue<String, FunnelDelta> row : pending) {
      send.accept(row.key, row.value);
      store.delete(row.key);
    }
  }
}

package wxfunnel.topology;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The clock of each upstream partition (or task) a step hears from, kept in a store so that a
 * restart or a move resumes it, and the smallest of them. Only non-negative keys are clocks: a
 * step may keep its own bookkeeping under a negative key of the same store.
 */
final class PartitionClocks {

  private final int partitions;
  private final KeyValueStore<Integer, Long> store;
  private final Map<Integer, Long> clocks = new HashMap<>();
  private long smallest;

  PartitionClocks(final int partitions, final KeyValueStore<Integer, Long> store) {
    this.partitions = partitions;
    this.store = store;
    try (KeyValueIterator<Integer, Long> saved = store.all()) {
      saved.forEachRemaining(kv -> {
        if (kv.key >= 0) {
          clocks.put(kv.key, kv.value);
        }
      });
    }
    this.smallest = computeSmallest();
  }

  /** Moves {@code partition}'s clock to {@code clock} if that is ahead of it; says whether it moved. */
  boolean advance(final int partition, final long clock) {
    final Long before = clocks.get(partition);
    if (before != null && clock <= before) {
      return false;
    }
    clocks.put(partition, clock);
    store.put(partition, clock);
    smallest = computeSmallest();
    return true;
  }

  /** Whether no partition has been heard from yet. */
  boolean unheard() {
    return clocks.isEmpty();
  }

  /** The smallest clock of every partition; {@link Long#MIN_VALUE} while one is unheard. */
  long smallest() {
    return smallest;
  }

  private long computeSmallest() {
    if (clocks.size() < partitions) {
      return Long.MIN_VALUE;
    }
    return clocks.values().stream().mapToLong(Long::longValue).min().orElse(Long.MIN_VALUE);
  }
}

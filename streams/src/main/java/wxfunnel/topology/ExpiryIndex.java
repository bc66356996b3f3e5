package wxfunnel.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * When each entry of a store stops mattering (a person's state, a payment's copy), in time order: a
 * key of the expiry time (big-endian, so a range scan walks the times in order) and the entry's key.
 */
final class ExpiryIndex {

  /** How much the watermark moves between two sweeps of an index. */
  private static final Duration SWEEP_INTERVAL = Duration.ofMinutes(1);

  private final KeyValueStore<Bytes, byte[]> store;
  private long nextSweep = Long.MIN_VALUE;

  ExpiryIndex(final KeyValueStore<Bytes, byte[]> store) {
    this.store = store;
  }

  /** {@code entry} now expires at {@code to} instead of {@code from} (0: not indexed yet). */
  void move(final String entry, final long from, final long to) {
    if (from > 0) {
      store.delete(key(from, entry));
    }
    store.put(key(to, entry), new byte[0]);
  }

  /**
   * Removes and returns the entries that expire at or before {@code time}, once per
   * {@link #SWEEP_INTERVAL} of it (between two sweeps, and while the time is unknown, none).
   */
  List<String> sweep(final long time) {
    if (time == Long.MIN_VALUE || time < nextSweep) {
      return List.of();
    }
    nextSweep = time + SWEEP_INTERVAL.toMillis();
    final List<Bytes> due = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> expired = store.range(key(0, ""), key(time + 1, ""))) {
      expired.forEachRemaining(entry -> due.add(entry.key));
    }
    final List<String> entries = new ArrayList<>();
    for (final Bytes key : due) {
      store.delete(key);
      entries.add(new String(key.get(), Long.BYTES, key.get().length - Long.BYTES, StandardCharsets.UTF_8));
    }
    return entries;
  }

  private static Bytes key(final long time, final String entry) {
    final byte[] entryBytes = entry.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(Long.BYTES + entryBytes.length).putLong(time).put(entryBytes).array());
  }
}

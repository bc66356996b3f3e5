package wxfunnel.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * When each entry of a store stops mattering (a person's state, a payment's copy), in time order: a
 * key of the expiry time (big-endian, so a range scan walks the times in order) and the entry's key.
 *
 * <p>The index has no changelog: each entry keeps its own expiry time, so the index is rebuilt from
 * the entries whenever its task opens, and a sweep removes an entry only when its own time has
 * passed. Nothing but the entries themselves needs to survive a crash.
 */
final class ExpiryIndex<V> {

  /** How much the watermark moves between two sweeps of an index. */
  private static final Duration SWEEP_INTERVAL = Duration.ofMinutes(1);
  private static final byte[] NOTHING = new byte[0];

  private final KeyValueStore<Bytes, byte[]> index;
  private final KeyValueStore<String, V> entries;
  private final ToLongFunction<V> expiresAt;
  private long nextSweep = Long.MIN_VALUE;

  /** An index of {@code entries} by {@code expiresAt} (0: not indexed), rebuilt from them. */
  ExpiryIndex(final KeyValueStore<Bytes, byte[]> index, final KeyValueStore<String, V> entries, final ToLongFunction<V> expiresAt) {
    this.index = index;
    this.entries = entries;
    this.expiresAt = expiresAt;
    rebuild();
  }

  /** {@code entry} now expires at {@code to} instead of {@code from} (0: not indexed yet). */
  void move(final String entry, final long from, final long to) {
    if (from > 0) {
      index.delete(key(from, entry));
    }
    index.put(key(to, entry), NOTHING);
  }

  /**
   * Removes the entries whose own time is at or before {@code time}, once per {@link #SWEEP_INTERVAL}
   * of it (between two sweeps, and while the time is unknown, none). Returns how many entries it let
   * go: those it removed, and those indexed but not found (their save failed, and the record went
   * to the DLQ).
   */
  int sweep(final long time) {
    if (time == Long.MIN_VALUE || time < nextSweep) {
      return 0;
    }
    nextSweep = time + SWEEP_INTERVAL.toMillis();
    int removed = 0;
    for (final Bytes key : keys(key(0, ""), key(time + 1, ""))) {
      index.delete(key);
      final String entry = new String(key.get(), Long.BYTES, key.get().length - Long.BYTES, StandardCharsets.UTF_8);
      final V value = entries.get(entry);
      if (value != null && expiresAt.applyAsLong(value) > time) {
        // The entry was kept longer than its index said: it stays, indexed at its own time.
        index.put(key(expiresAt.applyAsLong(value), entry), NOTHING);
      } else {
        entries.delete(entry);
        removed++;
      }
    }
    return removed;
  }

  private void rebuild() {
    keys(null, null).forEach(index::delete);
    try (KeyValueIterator<String, V> all = entries.all()) {
      all.forEachRemaining(entry -> {
        final long at = expiresAt.applyAsLong(entry.value);
        if (at > 0) {
          index.put(key(at, entry.key), NOTHING);
        }
      });
    }
  }

  /** The index's keys from {@code from} (inclusive) to {@code to} (exclusive); null: no bound. */
  private List<Bytes> keys(final Bytes from, final Bytes to) {
    final List<Bytes> keys = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> range = index.range(from, to)) {
      range.forEachRemaining(entry -> keys.add(entry.key));
    }
    return keys;
  }

  private static Bytes key(final long time, final String entry) {
    final byte[] entryBytes = entry.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(Long.BYTES + entryBytes.length).putLong(time).put(entryBytes).array());
  }
}

package wxfunnel.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The expiry index has no changelog: opened on entries that survived a crash (and on whatever the
 * index held before), it indexes exactly the entries, by their own times, and a sweep removes an
 * entry only once its own time has passed. Entries here are their own expiry times (0: none).
 */
class ExpiryIndexTest {

  private static final long MINUTE = 60_000;

  private final MockProcessorContext<Void, Void> context = new MockProcessorContext<>();
  private final KeyValueStore<String, Long> entries = store("entries", Serdes.String(), Serdes.Long());
  private final KeyValueStore<Bytes, byte[]> index = store("index", Serdes.Bytes(), Serdes.ByteArray());

  @Test
  void opensOnTheEntriesAloneAndSweepsByTheirOwnTimes() {
    entries.put("a", 10 * MINUTE);
    entries.put("b", 20 * MINUTE);
    entries.put("never", 0L);
    index.put(key(5 * MINUTE, "gone"), new byte[0]);
    index.put(key(5 * MINUTE, "b"), new byte[0]);

    final ExpiryIndex<Long> expiry = new ExpiryIndex<>(index, entries, Long::longValue);
    assertThat(indexed()).containsExactly("10:a", "20:b");

    assertThat(expiry.sweep(9 * MINUTE + MINUTE / 2)).isZero();
    assertThat(expiry.sweep(10 * MINUTE + MINUTE / 5)).as("a is due, but the last sweep is less than a minute behind").isZero();
    assertThat(entries.get("a")).isEqualTo(10 * MINUTE);
    assertThat(expiry.sweep(10 * MINUTE + MINUTE / 2)).isEqualTo(1);
    assertThat(entries.get("a")).isNull();
    assertThat(entries.get("b")).isEqualTo(20 * MINUTE);
    assertThat(entries.get("never")).isZero();
    assertThat(indexed()).containsExactly("20:b");
  }

  @Test
  void anEntryKeptLongerThanItsIndexSaysStaysAndIsIndexedAtItsOwnTime() {
    final ExpiryIndex<Long> expiry = new ExpiryIndex<>(index, entries, Long::longValue);
    entries.put("a", 10 * MINUTE);
    expiry.move("a", 0, 10 * MINUTE);
    entries.put("a", 30 * MINUTE);

    assertThat(expiry.sweep(12 * MINUTE)).isZero();
    assertThat(entries.get("a")).isEqualTo(30 * MINUTE);
    assertThat(indexed()).containsExactly("30:a");
    assertThat(expiry.sweep(30 * MINUTE)).isEqualTo(1);
    assertThat(entries.approximateNumEntries()).isZero();
    assertThat(indexed()).isEmpty();
  }

  @Test
  void movingAnEntryLeavesOneIndexKeyAtItsNewTime() {
    final ExpiryIndex<Long> expiry = new ExpiryIndex<>(index, entries, Long::longValue);
    expiry.move("a", 0, 10 * MINUTE);
    expiry.move("a", 10 * MINUTE, 12 * MINUTE);
    assertThat(indexed()).containsExactly("12:a");
  }

  private <K, V> KeyValueStore<K, V> store(final String name, final Serde<K> keys, final Serde<V> values) {
    final KeyValueStore<K, V> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), keys, values)
        .withLoggingDisabled().build();
    store.init(context.getStateStoreContext(), store);
    return store;
  }

  /** The index's keys as "minute:entry", in order. */
  private List<String> indexed() {
    final List<String> keys = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> all = index.all()) {
      all.forEachRemaining((KeyValue<Bytes, byte[]> kv) -> {
        final ByteBuffer key = ByteBuffer.wrap(kv.key.get());
        final long time = key.getLong();
        keys.add(time / MINUTE + ":" + StandardCharsets.UTF_8.decode(key));
      });
    }
    return keys;
  }

  private static Bytes key(final long time, final String entry) {
    final byte[] bytes = entry.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(Long.BYTES + bytes.length).putLong(time).put(bytes).array());
  }
}

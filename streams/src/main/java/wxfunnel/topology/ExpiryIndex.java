package wxfunnel.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * When each person's state stops mattering, in time order: a key of the expiry time (big-endian,
 * so a range scan walks the times in order) and the person key.
 */
final class ExpiryIndex {

  private final KeyValueStore<Bytes, byte[]> store;

  ExpiryIndex(final KeyValueStore<Bytes, byte[]> store) {
    this.store = store;
  }

  /** {@code person} now expires at {@code to} instead of {@code from} (0: not indexed yet). */
  void move(final String person, final long from, final long to) {
    if (from > 0) {
      store.delete(key(from, person));
    }
    store.put(key(to, person), new byte[0]);
  }

  /** Removes and returns the persons that expire at or before {@code time}. */
  List<String> takeDue(final long time) {
    final List<Bytes> due = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> expired = store.range(key(0, ""), key(time + 1, ""))) {
      expired.forEachRemaining(entry -> due.add(entry.key));
    }
    final List<String> persons = new ArrayList<>();
    for (final Bytes key : due) {
      store.delete(key);
      persons.add(new String(key.get(), Long.BYTES, key.get().length - Long.BYTES, StandardCharsets.UTF_8));
    }
    return persons;
  }

  private static Bytes key(final long time, final String person) {
    final byte[] personBytes = person.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(Long.BYTES + personBytes.length).putLong(time).put(personBytes).array());
  }
}

package wxfunnel.topology;

import java.time.LocalDate;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import wxfunnel.internal.PersonState;
import wxfunnel.internal.RowShare;
import wxfunnel.topics.Ledger;

/**
 * How long the person step keeps each person: until nothing of theirs can matter, that is their
 * last event is more than the retention behind the watermark (a touch exactly a lookback before a
 * payment still counts) and every row they are in is final. Each minute of the watermark, the
 * persons it has passed are removed. The ledger counts the persons held
 * ({@link Ledger#PERSONS_IN_STATE}): up on a person's first save, down when the sweep
 * removes them.
 */
final class PersonExpiry {

  private final FunnelConfig config;
  private final ExpiryIndex<PersonState> index;
  private final PersonCounts counts;

  PersonExpiry(final FunnelConfig config, final KeyValueStore<String, PersonState> persons,
      final KeyValueStore<Bytes, byte[]> index, final PersonCounts counts) {
    this.config = config;
    this.index = new ExpiryIndex<>(index, persons, PersonState::getExpiresAt);
    this.counts = counts;
  }

  /** Extends the person's {@code expiresAt} (and the index) to cover an event at {@code eventTime} and the rows they are in. */
  void extend(final String person, final PersonState state, final long eventTime) {
    long expiresAt = Math.max(state.getExpiresAt(), eventTime + config.retention().toMillis() + 1);
    for (final RowShare share : Journeys.shares(state).values()) {
      expiresAt = Math.max(expiresAt, config.rowClosesAt(LocalDate.ofEpochDay(share.getCohortDay())));
    }
    if (expiresAt > state.getExpiresAt()) {
      if (state.getExpiresAt() == 0) {
        counts.persons(1);
      }
      index.move(person, state.getExpiresAt(), expiresAt);
      state.setExpiresAt(expiresAt);
    }
  }

  /** Once per minute of the watermark, removes the persons whose state no longer matters. */
  void sweep(final long watermark) {
    final int swept = index.sweep(watermark);
    if (swept > 0) {
      counts.persons(-swept);
    }
  }
}

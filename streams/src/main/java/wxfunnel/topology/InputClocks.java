package wxfunnel.topology;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import wxfunnel.internal.EventKind;
import wxfunnel.internal.PersonEvent;
import wxfunnel.topics.Ledger;

/**
 * How far every input partition has been read, as the person step hears it: per partition and
 * input (reads, scans, coupon clicks), the largest event time accepted there; for payments, per
 * identity task, the smallest such clock of the payments partitions it relays
 * ({@link PaymentIdentityProcessor}). The
 * watermark is the smallest of them. A partition not yet heard from holds it at the very
 * beginning, so a quiet partition delays finalisation and never lets state go that a record it may
 * still send needs. That holds for an input a brand does not use at all: until each partition of it
 * has carried one record, nothing is final (whether an input is in use cannot be told from the
 * records before it, and a guess would let a replay decide otherwise than the first run).
 *
 * <p>A record accepted on a partition is at most the grace behind that partition's clock, so it is
 * never more than the grace behind the watermark: what is older than the watermark by more than
 * the lookback, the conversion window or the dedup horizon can be let go.
 *
 * <p>The clocks are kept in the ledger ({@code clock.<partition>.<kind>}, {@link Ledger#CLOCKS}), so a restart resumes them.
 */
final class InputClocks {

  private final int partitions;
  private final KeyValueStore<String, Long> ledger;
  private static final List<String> INPUTS = Input.ALL.stream().map(input -> input.kind().name()).toList();

  private final Map<String, Long> clocks = new HashMap<>();

  InputClocks(final int partitions, final KeyValueStore<String, Long> ledger) {
    this.partitions = partitions;
    this.ledger = ledger;
    try (KeyValueIterator<String, Long> saved = ledger.prefixScan(Ledger.CLOCKS, new StringSerializer())) {
      saved.forEachRemaining(kv -> clocks.put(kv.key.substring(Ledger.CLOCKS.length()), kv.value));
    }
  }

  /**
   * The record that tells every person partition how far one partition of {@code kind} has been
   * read: its {@code clock}, sent from task {@code partition}.
   */
  static PersonEvent tick(final String sourceTopic, final int partition, final EventKind kind, final long clock) {
    return PersonEvent.newBuilder()
        .setKind(EventKind.CLOCK)
        .setEventId("")
        .setEventTime(clock)
        .setHasUnionid(false)
        .setSourceTopic(sourceTopic)
        .setSourcePartition(partition)
        .setSourceOffset(-1)
        .setRawValue(ByteBuffer.allocate(0))
        .setSourceClock(clock)
        .setInputClocks(Map.of(kind.name(), clock))
        .build();
  }

  /** The clock of input {@code kind} on {@code partition} is at least {@code clock}. */
  void advance(final int partition, final String kind, final long clock) {
    final String key = partition + "." + kind;
    final Long before = clocks.get(key);
    if (before == null || clock > before) {
      clocks.put(key, clock);
      ledger.put(Ledger.CLOCKS + key, clock);
    }
  }

  /** The smallest clock of every partition of every input; {@link Long#MIN_VALUE} while one is unheard. */
  long watermark() {
    long min = Long.MAX_VALUE;
    for (final String kind : INPUTS) {
      for (int partition = 0; partition < partitions; partition++) {
        final Long clock = clocks.get(partition + "." + kind);
        if (clock == null) {
          return Long.MIN_VALUE;
        }
        min = Math.min(min, clock);
      }
    }
    return min;
  }
}

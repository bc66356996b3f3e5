package wxfunnel.topology;

import java.util.HashMap;
import org.apache.kafka.streams.state.KeyValueStore;
import wxfunnel.internal.EventKind;
import wxfunnel.internal.FunnelDelta;
import wxfunnel.internal.PersonEvent;
import wxfunnel.topics.Ledger;

/**
 * The person step's watermark of its upstream: the {@link InputClocks} it hears from the clocks
 * its records carry, and the smallest of them. When it moves, a tick tells the funnel rows, after
 * the changes made before it (the ledger keeps the watermark last told, so a settled processor
 * restarted with nothing new to read writes nothing).
 */
final class UpstreamWatermark {

  /** The watermark last told to the funnel rows; under the clocks' prefix, which no count is read under. */
  private static final String ANNOUNCED = Ledger.ANNOUNCED;

  private final InputClocks clocks;
  private final KeyValueStore<String, Long> ledger;
  private final int task;
  private long watermark;

  /** @param task the partition of the person task, which the funnel rows tell the watermarks apart by */
  UpstreamWatermark(final int partitions, final KeyValueStore<String, Long> ledger, final int task) {
    this.clocks = new InputClocks(partitions, ledger);
    this.ledger = ledger;
    this.task = task;
    this.watermark = clocks.watermark();
  }

  /**
   * Takes in the clocks an event carries: a clock record's, of every input it names; a touch's, of
   * its own input partition. A payment's clocks come relayed by its identity step, which has judged
   * it already. Returns the watermark.
   */
  long hear(final PersonEvent event) {
    if (event.getKind() == EventKind.CLOCK) {
      event.getInputClocks().forEach((kind, clock) -> clocks.advance(event.getSourcePartition(), kind, clock));
    } else if (event.getKind() != EventKind.PAYMENT) {
      clocks.advance(event.getSourcePartition(), event.getKind().name(), event.getSourceClock());
    }
    watermark = clocks.watermark();
    return watermark;
  }

  /** The smallest clock of every partition of every input; {@link Long#MIN_VALUE} while one is unheard. */
  long current() {
    return watermark;
  }

  /** Whether the watermark is known and has moved since the funnel rows were last told it. */
  boolean untold() {
    final Long announced = ledger.get(ANNOUNCED);
    return watermark != Long.MIN_VALUE && (announced == null || announced != watermark);
  }

  /** A change to no row that only tells the funnel rows the watermark. */
  FunnelDelta tick() {
    return FunnelDelta.newBuilder().setCampaignId("").setCohortDay(0).setTouched(0).setCoupon(0).setPaid(0)
        .setGmv(new HashMap<>()).setWatermark(watermark == Long.MIN_VALUE ? null : watermark).setSourceTask(task).build();
  }

  /** The funnel rows have been told the current watermark. */
  void told() {
    ledger.put(ANNOUNCED, watermark);
  }
}

package wxfunnel.topology;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wxfunnel.events.FunnelRow;
import wxfunnel.internal.FunnelDelta;
import wxfunnel.topics.Names;

/**
 * Sums the persons' shares, and their payments' credits, into one row per campaign and day, and upserts it. A row turns
 * {@code final} once every person task's watermark has passed the end of its cohort day plus the
 * conversion window and grace: no record any of them accepts can change it any more. It is then
 * released from the store; its final value stays on the compacted topic and never changes again.
 */
final class FunnelRowsProcessor extends EcosystemProcessor<String, FunnelDelta, String, FunnelRow> {

  private static final Logger log = LoggerFactory.getLogger(FunnelRowsProcessor.class);

  private KeyValueStore<String, FunnelRow> rows;
  /** Each person task's latest watermark. */
  private PartitionClocks watermarks;
  /** The earliest close of a row in the store (unknown after a restart: the first watermark looks). */
  private long nextClose = Long.MIN_VALUE;

  FunnelRowsProcessor(final FunnelConfig config, final Names names) {
    super(config, names);
  }

  @Override
  void open() {
    this.rows = store(Names.FUNNEL_ROWS);
    this.watermarks = new PartitionClocks(config.inputPartitions(), store(Names.FUNNEL_WATERMARKS));
  }

  @Override
  public void process(final Record<String, FunnelDelta> record) {
    final FunnelDelta delta = record.value();
    // The rows this watermark has passed are final already.
    final long closed = watermarks.smallest();
    if (delta.getWatermark() != null) {
      watermarks.advance(delta.getSourceTask(), delta.getWatermark());
    }
    if (!delta.getCampaignId().isEmpty()) {
      apply(record, delta, closed);
    }
    final long watermark = watermarks.smallest();
    if (watermark != Long.MIN_VALUE && watermark >= nextClose) {
      close(watermark, record.timestamp());
    }
  }

  private void apply(final Record<String, FunnelDelta> record, final FunnelDelta delta, final long closed) {
    if (config.rowClosesAt(LocalDate.ofEpochDay(delta.getCohortDay())) <= closed) {
      // Every person task has passed this row's end: no accepted record can reach it. Never expected.
      log.error("a change to the final row {} of {} arrived after it closed; it is not applied", record.key(), ecosystem);
      return;
    }
    final FunnelRow current = rows.get(record.key());
    final FunnelRow row = current != null ? current : empty(delta);
    row.setTouched(row.getTouched() + delta.getTouched());
    row.setCoupon(row.getCoupon() + delta.getCoupon());
    row.setPaid(row.getPaid() + delta.getPaid());
    final Map<String, Long> gmv = new TreeMap<>(row.getGmv());
    Journeys.addMoney(gmv, delta.getGmv(), 1);
    row.setGmv(gmv);
    final Map<String, Long> payers = new TreeMap<>(row.getPayers());
    Journeys.addMoney(payers, delta.getPayers(), 1);
    row.setPayers(payers);
    final Map<String, Long> attributed = new TreeMap<>(row.getAttributedGmv());
    Journeys.addMoney(attributed, delta.getAttributedGmv(), 1);
    row.setAttributedGmv(attributed);
    if (row.getTouched() == 0 && row.getCoupon() == 0 && row.getPaid() == 0 && gmv.isEmpty() && payers.isEmpty() && attributed.isEmpty()) {
      rows.delete(record.key());
      context.forward(new Record<String, FunnelRow>(record.key(), null, record.timestamp(), new RecordHeaders()));
    } else {
      rows.put(record.key(), row);
      nextClose = Math.min(nextClose, config.rowClosesAt(row.getCohortDay()));
      context.forward(new Record<>(record.key(), row, record.timestamp(), new RecordHeaders()));
    }
  }

  /** Marks final, and releases, the rows the watermark has passed; notes when the next one closes. */
  private void close(final long watermark, final long timestamp) {
    final List<KeyValue<String, FunnelRow>> all = new ArrayList<>();
    try (KeyValueIterator<String, FunnelRow> iterator = rows.all()) {
      iterator.forEachRemaining(all::add);
    }
    nextClose = Long.MAX_VALUE;
    for (final KeyValue<String, FunnelRow> entry : all) {
      final long closesAt = config.rowClosesAt(entry.value.getCohortDay());
      if (closesAt <= watermark) {
        entry.value.setFinal$(true);
        rows.delete(entry.key);
        context.forward(new Record<>(entry.key, entry.value, timestamp, new RecordHeaders()));
      } else {
        nextClose = Math.min(nextClose, closesAt);
      }
    }
  }

  private FunnelRow empty(final FunnelDelta delta) {
    return FunnelRow.newBuilder()
        .setEcosystem(ecosystem)
        .setCampaignId(delta.getCampaignId())
        .setCohortDay(LocalDate.ofEpochDay(delta.getCohortDay()))
        .setTimeZone(config.timeZone().getId())
        .setTouched(0)
        .setCoupon(0)
        .setPaid(0)
        .setGmv(new HashMap<>())
        .setPayers(new HashMap<>())
        .setAttributedGmv(new HashMap<>())
        .setFinal$(false)
        .build();
  }
}

package wxfunnel.topology;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;
import wxfunnel.internal.FunnelDelta;

/**
 * Sums the persons' funnel changes into one row per campaign and cohort day, and upserts it. A
 * row turns {@code final} once event time (as carried by the changes) passes the end of its cohort day plus the conversion
 * window and grace: no accepted record can change it any more. A final row is kept one more day
 * (so that a straggling partition's change still lands on the full row), then released.
 */
final class FunnelRowsProcessor implements Processor<String, Routed, String, FunnelRow> {

  static final long KEEP_FINAL_MS = 24 * 3600 * 1000L;

  private final Ecosystem ecosystem;
  private final FunnelConfig config;
  private final String storeName;
  private ProcessorContext<String, FunnelRow> context;
  private KeyValueStore<String, FunnelRow> rows;
  private long clock = Long.MIN_VALUE;
  private long nextClose = Long.MIN_VALUE;

  FunnelRowsProcessor(final Ecosystem ecosystem, final FunnelConfig config, final String storeName) {
    this.ecosystem = ecosystem;
    this.config = config;
    this.storeName = storeName;
  }

  @Override
  public void init(final ProcessorContext<String, FunnelRow> context) {
    this.context = context;
    this.rows = context.getStateStore(storeName);
  }

  @Override
  public void process(final Record<String, Routed> record) {
    final FunnelDelta delta = ((Routed.Changed) record.value()).delta();
    final FunnelRow current = rows.get(record.key());
    final FunnelRow row = current != null ? current : empty(delta);
    row.setTouched(row.getTouched() + delta.getTouched());
    row.setCoupon(row.getCoupon() + delta.getCoupon());
    row.setPaid(row.getPaid() + delta.getPaid());
    final Map<String, Long> gmv = new TreeMap<>(row.getGmv());
    delta.getGmv().forEach((currency, amount) -> gmv.merge(currency, amount, (a, b) -> a + b == 0 ? null : a + b));
    row.setGmv(gmv);
    if (row.getTouched() == 0 && row.getCoupon() == 0 && row.getPaid() == 0 && gmv.isEmpty()) {
      rows.delete(record.key());
      context.forward(new Record<String, FunnelRow>(record.key(), null, record.timestamp(), new RecordHeaders()));
    } else {
      rows.put(record.key(), row);
      context.forward(new Record<>(record.key(), row, record.timestamp(), new RecordHeaders()));
    }
    // The clock is the persons' event time carried by the changes; each minute of it, close what can close.
    clock = Math.max(clock, record.timestamp());
    if (clock >= nextClose) {
      close(clock);
      nextClose = clock + PersonProcessor.SWEEP_INTERVAL.toMillis();
    }
  }

  /** Marks rows final once they can no longer change; releases them a day later. */
  private void close(final long streamTime) {
    final List<KeyValue<String, FunnelRow>> all = new ArrayList<>();
    try (KeyValueIterator<String, FunnelRow> iterator = rows.all()) {
      iterator.forEachRemaining(all::add);
    }
    for (final KeyValue<String, FunnelRow> entry : all) {
      final FunnelRow row = entry.value;
      final long closesAt = closesAt(row);
      if (!row.getFinal$() && streamTime >= closesAt) {
        row.setFinal$(true);
        rows.put(entry.key, row);
        context.forward(new Record<>(entry.key, row, streamTime, new RecordHeaders()));
      } else if (row.getFinal$() && streamTime >= closesAt + KEEP_FINAL_MS) {
        rows.delete(entry.key);
      }
    }
  }

  private long closesAt(final FunnelRow row) {
    final long dayEnd = row.getCohortDay().plusDays(1).atStartOfDay(config.timeZone()).toInstant().toEpochMilli();
    return dayEnd + config.conversionWindow().toMillis() + config.grace().toMillis();
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
        .setFinal$(false)
        .build();
  }
}

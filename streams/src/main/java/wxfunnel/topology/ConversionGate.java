package wxfunnel.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import wxfunnel.events.Conversion;
import wxfunnel.topics.Names;

/**
 * The last step of the conversions of payments whose copy had no unionid, and of the copies with
 * one that took their place: two persons, in two tasks, may write the same transaction's
 * conversion. Once the enriched copy's conversion has passed, the replaced copy's (made before its
 * person gave the payment up) is dropped, so the enriched copy decides whatever the timing.
 */
final class ConversionGate implements Processor<String, Conversion, String, Conversion> {

  /** The header that marks a conversion of a copy that took another's place. */
  static final String UPGRADED = "wxfunnel.payment.upgraded";
  /** How long, in paid time, a replaced transaction is remembered: far beyond any task's lag. */
  private static final Duration REMEMBER = Duration.ofDays(8);

  private final Names names;
  private ProcessorContext<String, Conversion> context;
  private KeyValueStore<String, Long> upgraded;
  private long latestPaid = Long.MIN_VALUE;
  private long nextForget = Long.MIN_VALUE;

  ConversionGate(final Names names) {
    this.names = names;
  }

  @Override
  public void init(final ProcessorContext<String, Conversion> context) {
    this.context = context;
    this.upgraded = context.getStateStore(names.of(Names.UPGRADED_PAYMENTS));
  }

  @Override
  public void process(final Record<String, Conversion> record) {
    final long paid = record.value().getPaidAt().toEpochMilli();
    if (record.headers().lastHeader(UPGRADED) != null) {
      upgraded.put(record.key(), paid);
    } else if (upgraded.get(record.key()) != null) {
      return;
    }
    context.forward(new Record<>(record.key(), record.value(), record.timestamp(), new RecordHeaders()));
    latestPaid = Math.max(latestPaid, paid);
    if (latestPaid >= nextForget) {
      forget(latestPaid - REMEMBER.toMillis());
      nextForget = latestPaid + Duration.ofHours(1).toMillis();
    }
  }

  private void forget(final long before) {
    final List<String> old = new ArrayList<>();
    try (KeyValueIterator<String, Long> all = upgraded.all()) {
      all.forEachRemaining((KeyValue<String, Long> kv) -> {
        if (kv.value < before) {
          old.add(kv.key);
        }
      });
    }
    old.forEach(upgraded::delete);
  }
}

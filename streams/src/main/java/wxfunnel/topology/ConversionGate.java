package wxfunnel.topology;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;
import wxfunnel.events.Conversion;
import wxfunnel.topics.Names;

/**
 * The last step of the conversions of payments whose copy had no unionid, and of the copies with
 * one that took their place: two persons, in two tasks, may write the same transaction's
 * conversion. Once the enriched copy's conversion has passed, the replaced copy's (made before its
 * person gave the payment up) is dropped, so the enriched copy decides whatever the timing.
 */
final class ConversionGate extends EcosystemProcessor<String, Conversion, String, Conversion> {

  /** The header that marks a conversion of a copy that took another's place. */
  static final String UPGRADED = "wxfunnel.payment.upgraded";
  private UpgradedPayments upgraded;

  ConversionGate(final FunnelConfig config, final Names names) {
    super(config, names);
  }

  @Override
  void open() {
    this.upgraded = new UpgradedPayments(store(Names.UPGRADED_PAYMENTS));
  }

  @Override
  public void process(final Record<String, Conversion> record) {
    final long paid = record.value().getPaidAt().toEpochMilli();
    if (record.headers().lastHeader(UPGRADED) != null) {
      upgraded.remember(record.key(), paid);
    } else if (upgraded.contains(record.key())) {
      return;
    }
    context.forward(new Record<>(record.key(), record.value(), record.timestamp(), new RecordHeaders()));
    upgraded.passed(paid);
  }
}

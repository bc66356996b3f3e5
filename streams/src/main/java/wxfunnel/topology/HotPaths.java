package wxfunnel.topology;

import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import wxfunnel.events.Conversion;
import wxfunnel.events.Ecosystem;
import wxfunnel.internal.PaymentRef;
import wxfunnel.internal.PersonState;
import wxfunnel.internal.Touch;

/**
 * The topology's steps that run for every record, callable on their own so that the JMH
 * benchmarks ({@code benchmarks/}) measure the very code the processors run, and nothing else
 * of the package has to be public.
 */
public final class HotPaths {

  private HotPaths() {}

  /** The attribution of {@code payment} to the person's {@code history}, under every model, as the person step makes it. */
  public static Conversion attribute(final Ecosystem ecosystem, final PaymentRef payment, final List<Touch> history,
      final Duration lookback) {
    return Attribution.convert(ecosystem, payment, history, lookback, 0);
  }

  /** The serde of the persons store, which reads and writes a person's state for every event. */
  public static Serde<PersonState> personStateSerde() {
    return InternalSerde.of(PersonState.class);
  }
}

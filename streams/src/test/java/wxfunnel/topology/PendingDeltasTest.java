package wxfunnel.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import wxfunnel.internal.FunnelDelta;

/** Changes to funnel rows are summed per row until sent: one delta per row and send. */
class PendingDeltasTest {

  private static final int DAY = (int) LocalDate.parse("2026-11-20").toEpochDay();

  private final KeyValueStore<String, FunnelDelta> store = store();
  private final PendingDeltas pending = new PendingDeltas(store);
  private final List<String> sent = new ArrayList<>();

  @Test
  void changesToOneRowAreSentAsTheirSumOnceThenNothingIsPending() {
    pending.add(delta("A", 1, 0, 0, Map.of()));
    pending.add(delta("B", 1, 1, 0, Map.of()));
    pending.add(delta("A", 1, 1, 1, Map.of("CNY", 19_900L)));
    pending.add(delta("A", -1, 0, 0, Map.of()));
    pending.add(delta("A", 0, 0, 1, Map.of("CNY", 5_000L, "USD", 300L)));

    pending.send((row, delta) -> sent.add(row + " " + delta.getTouched() + "/" + delta.getCoupon() + "/" + delta.getPaid()
        + " " + new TreeMap<>(delta.getGmv())));
    assertThat(sent).containsExactly("A|2026-11-20 1/1/2 {CNY=24900, USD=300}", "B|2026-11-20 1/1/0 {}");
    assertThat(store.approximateNumEntries()).isZero();

    sent.clear();
    pending.send((row, delta) -> sent.add(row));
    assertThat(sent).isEmpty();
  }

  @Test
  void changesThatCancelOutLeaveNothingToSend() {
    pending.add(delta("A", 1, 0, 1, Map.of("CNY", 100L)));
    pending.add(delta("A", -1, 0, -1, Map.of("CNY", -100L)));
    pending.send((row, delta) -> sent.add(row));
    assertThat(sent).isEmpty();
  }

  private static FunnelDelta delta(final String campaign, final long touched, final long coupon, final long paid,
      final Map<String, Long> gmv) {
    return FunnelDelta.newBuilder().setCampaignId(campaign).setCohortDay(DAY).setTouched(touched).setCoupon(coupon)
        .setPaid(paid).setGmv(new HashMap<>(gmv)).setAttributedGmv(new HashMap<>()).build();
  }

  private static KeyValueStore<String, FunnelDelta> store() {
    final KeyValueStore<String, FunnelDelta> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("pending"),
        Serdes.String(), InternalSerde.of(FunnelDelta.class)).withLoggingDisabled().build();
    store.init(new MockProcessorContext<>().getStateStoreContext(), store);
    return store;
  }
}

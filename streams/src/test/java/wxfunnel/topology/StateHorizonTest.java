package wxfunnel.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static wxfunnel.topics.Ledger.Outcome.ACCEPTED;
import static wxfunnel.topics.Ledger.Outcome.LATE;
import static wxfunnel.topology.Expected.row;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;
import wxfunnel.topics.Names;

/** State is released once its horizon passes, not only output produced; rows turn final on time. */
class StateHorizonTest {

  private static final Instant T0 = Instant.parse("2026-11-20T02:00:00Z");
  @RegisterExtension
  final Drivers drivers = new Drivers("StateHorizonTest");
  private final Events weixin = new Events(Ecosystem.WEIXIN);
  private final FunnelConfig config = FunnelConfig.defaults(Ecosystem.WEIXIN);

  @Test
  void dedupPersonAndFunnelStoresEmptyOnceTheirHorizonsPass() {
    try (FunnelDriver d = drivers.open(Ecosystem.WEIXIN, config)) {
      // 1. One person's whole funnel on day 1.
      d.pipe(weixin.read("r1", "u1", T0, "100_1", "A"),
          weixin.coupon("c1", "u1", T0.plus(Duration.ofHours(1)), "A", null),
          weixin.payment("tx1", "u1", T0.plus(Duration.ofHours(2)), 5_000, "CNY"));
      assertThat(d.<String, Object>store(Names.PERSONS)).containsOnlyKeys("u:u1");
      assertThat(d.personsInState()).isEqualTo(1);
      assertThat(d.dedupKeys()).containsExactlyInAnyOrder("READ:r1", "COUPON:c1", "PAYMENT:tx1");

      // 2. Others' reads and payments move their partitions' clocks past the dedup horizon: the event
      //    ids are released, so a retry of tx1 now is not a duplicate but a LATE record.
      final Instant dayTwo = T0.plus(config.dedupHorizon()).plus(Duration.ofHours(12));
      d.pipe(weixin.read("z1", "other-1", dayTwo, "900_1", "Z"));
      d.pipe(weixin.read("z2", "other-2", dayTwo.plus(config.dedupHorizon()), "900_1", "Z"),
          weixin.payment("tx-z", "other-2", dayTwo.plus(config.dedupHorizon()), 100, "CNY"));
      d.pipe(weixin.payment("tx1", "u1", T0.plus(Duration.ofHours(2)), 5_000, "CNY"));
      assertThat(d.deadLetters()).extracting(FunnelDriver.DeadLetter::reason).containsExactly("LATE");

      // 3. Once every input in use is past the cohort day's end + conversion window + grace, row A is
      //    final, and u1, past her horizon, is forgotten.
      final Instant closed = Instant.parse("2026-11-21T00:00:00+08:00").plus(config.conversionWindow()).plus(config.grace());
      everyInputAt(d, closed, "3");
      final Map<String, FunnelRow> rows = d.funnel();
      assertThat(rows.get("A|2026-11-20")).isEqualTo(row(Ecosystem.WEIXIN, "A", "2026-11-20", "Asia/Shanghai",
          1, 1, 1, Map.of("CNY", 5_000L), Map.of("CNY", 5_000L), true));
      assertThat(d.<String, Object>store(Names.PERSONS)).containsOnlyKeys("u:other-1", "u:other-2", "u:other-3");
      assertThat(d.personsInState()).isEqualTo(3);

      // 4. Past every horizon, only the latest person's state is left; the final row is released.
      final Instant much = closed.plus(config.retention()).plus(Duration.ofDays(2));
      everyInputAt(d, much, "4");
      assertThat(d.<String, Object>store(Names.PERSONS)).containsOnlyKeys("u:other-4");
      assertThat(d.personsInState()).isEqualTo(1);
      assertThat(d.<Object, Object>store(Names.PERSON_EXPIRY)).hasSize(1);
      assertThat(d.dedupKeys()).containsExactlyInAnyOrder("READ:z4", "SCAN:s-z4", "COUPON:c-z4", "PAYMENT:tx-z4");
      assertThat(d.<String, Object>store(Names.FUNNEL_ROWS)).doesNotContainKey("A|2026-11-20");
      assertThat(d.ledger())
          .isEqualTo(Map.of(ACCEPTED.key("READ"), 5L, ACCEPTED.key("SCAN"), 2L, ACCEPTED.key("COUPON"), 3L, ACCEPTED.key("PAYMENT"), 4L, LATE.key("PAYMENT"), 1L));
    }
  }

  /**
   * Changes wait up to half a second to be sent to their rows, summed per row: one made just
   * before every input moves past its row's close still reaches the row, and the row is final with
   * it. Here B's read is pending when reads, scans and coupon clicks (payments are there already)
   * move half a day past B's close, and row A (sent first, as rows go in key order) changes too.
   */
  @Test
  void aChangePendingWhenTheWatermarkPassesItsRowIsInTheFinalRow() {
    try (FunnelDriver d = drivers.open(Ecosystem.WEIXIN, config)) {
      everyInputAt(d, T0, "1");
      final Instant closed = Instant.parse("2026-11-21T00:00:00+08:00").plus(config.conversionWindow()).plus(config.grace());
      final Instant later = closed.plus(Duration.ofHours(12));
      d.pipe(weixin.payment("tx-later", "later", later, 100, "CNY"));
      d.pipeTogether(weixin.read("b1", "reader-b", T0.plus(Duration.ofMinutes(1)), "700_1", "B"),
          weixin.read("a1", "reader-a", later, "600_1", "A"), weixin.scan("s-a1", "reader-a", later, "A"),
          weixin.coupon("c-a1", "reader-a", later, "A", null));

      final Map<String, FunnelRow> rows = d.funnel();
      assertThat(rows.get("B|2026-11-20")).isEqualTo(row(Ecosystem.WEIXIN, "B", "2026-11-20", "Asia/Shanghai",
          1, 0, 0, Map.of(), Map.of(), true));
      assertThat(rows.get("A|2026-11-28").getTouched()).isEqualTo(1);
      assertThat(rows.get("A|2026-11-28").getFinal$()).isFalse();
    }
  }

  /** Another person reads, scans, takes a coupon and pays at {@code at}: every input partition moves there. */
  private void everyInputAt(final FunnelDriver d, final Instant at, final String n) {
    d.pipe(weixin.read("z" + n, "other-" + n, at, "900_1", "Z"), weixin.scan("s-z" + n, "other-" + n, at, "Z"),
        weixin.coupon("c-z" + n, "other-" + n, at, "Z", null), weixin.payment("tx-z" + n, "other-" + n, at, 100, "CNY"));
  }
}

package wxfunnel.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.LongSerializer;
import org.junit.jupiter.api.Test;
import wxfunnel.events.Conversion;
import wxfunnel.events.ConversionStatus;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;
import wxfunnel.registry.InMemoryRegistry;
import wxfunnel.serde.AvroSerdes;
import wxfunnel.topics.DeadLetters;
import wxfunnel.topics.DlqReason;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Ledger;
import wxfunnel.topics.Names;

/** The one read of a processor's committed outputs, record by record, against values worked out by hand. */
class CommittedViewTest {

  private static final Names WEIXIN = new Names(Ecosystem.WEIXIN);
  private static final long T0 = Instant.parse("2026-11-20T10:00:00Z").toEpochMilli();

  private final AvroSerdes serdes = new AvroSerdes(new InMemoryRegistry("committed-view-test"), true);
  private final CommittedView<String> view = new CommittedView<>(WEIXIN, serdes.registry(), c -> c.getStatus().name());

  @Test
  void theLatestValueOfEachKeyCountsAndATombstoneRemovesIt() {
    view.apply(output(EcoTopic.CONVERSIONS, 0, "tx1", conversion("tx1", ConversionStatus.UNATTRIBUTED), T0));
    view.apply(output(EcoTopic.CONVERSIONS, 1, "tx2", conversion("tx2", ConversionStatus.ATTRIBUTED), T0));
    view.apply(output(EcoTopic.CONVERSIONS, 0, "tx1", conversion("tx1", ConversionStatus.ATTRIBUTED), T0 + 1));
    view.apply(output(EcoTopic.FUNNEL, 0, "double11|2026-11-20", row(5, 1), T0));
    view.apply(output(EcoTopic.FUNNEL, 0, "double11|2026-11-20", row(7, 2), T0 + 2));
    view.apply(output(EcoTopic.FUNNEL, 2, "member-day|2026-11-20", row(3, 0), T0));
    view.apply(output(EcoTopic.FUNNEL, 2, "member-day|2026-11-20", null, T0 + 3));

    assertThat(view.conversions()).isEqualTo(Map.of("tx1", "ATTRIBUTED", "tx2", "ATTRIBUTED"));
    assertThat(view.funnel()).containsOnlyKeys("double11|2026-11-20");
    assertThat(view.funnel().get("double11|2026-11-20").getTouched()).isEqualTo(7);
    assertThat(view.newestOutputMillis()).isEqualTo(T0 + 3);
  }

  @Test
  void deadLettersAreCountedByTheirReasonHeader() {
    view.apply(deadLetter(DlqReason.UNDECODABLE));
    view.apply(deadLetter(DlqReason.LATE));
    view.apply(deadLetter(DlqReason.UNDECODABLE));
    view.apply(deadLetter(null));

    assertThat(view.deadLetters()).isEqualTo(Map.of("UNDECODABLE", 2L, "LATE", 1L, CommittedView.NO_REASON, 1L));
  }

  @Test
  void theLedgerSumsEachTasksLatestCount() {
    final String accepted = Ledger.Outcome.ACCEPTED.key("READ");
    view.apply(ledger(0, accepted, 4L));
    view.apply(ledger(0, accepted, 6L));
    view.apply(ledger(1, accepted, 5L));
    view.apply(ledger(0, Ledger.PERSONS_IN_STATE, 3L));
    view.apply(ledger(1, Ledger.PERSONS_IN_STATE, 2L));
    view.apply(ledger(1, Ledger.PERSONS_IN_STATE, null));

    assertThat(view.ledger()).isEqualTo(Map.of(accepted, 11L, Ledger.PERSONS_IN_STATE, 3L));
    assertThat(view.personsInState()).isEqualTo(3);
    assertThat(view.newestOutputMillis()).as("the ledger is not an output").isZero();
  }

  @Test
  void anOutputStampedAheadOfTheClockIsNewestAsOfNowAndNoLater() {
    final long before = System.currentTimeMillis();
    view.apply(output(EcoTopic.FUNNEL, 0, "double11|2026-11-20", row(1, 0), before + 3_600_000));

    assertThat(view.newestOutputMillis()).isBetween(before, System.currentTimeMillis());
  }

  @Test
  void aTopicOfAnotherProcessorIsRefused() {
    final Names shadow = new Names(Ecosystem.WEIXIN, "fix");
    assertThatThrownBy(() -> view.apply(record(shadow.topic(EcoTopic.FUNNEL), 0, "k", null, T0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(shadow.topic(EcoTopic.FUNNEL));
    assertThat(CommittedView.topics(WEIXIN)).containsExactly(WEIXIN.topic(EcoTopic.CONVERSIONS), WEIXIN.topic(EcoTopic.FUNNEL),
        WEIXIN.topic(EcoTopic.CONTENT_PERFORMANCE), WEIXIN.topic(EcoTopic.DLQ), WEIXIN.changelog(Names.LEDGER));
  }

  private ConsumerRecord<String, byte[]> output(final EcoTopic topic, final int partition, final String key, final Object value,
      final long timestamp) {
    final String name = WEIXIN.topic(topic);
    byte[] bytes = null;
    if (value instanceof Conversion conversion) {
      bytes = serdes.value(Conversion.class).serializer().serialize(name, conversion);
    } else if (value instanceof FunnelRow row) {
      bytes = serdes.value(FunnelRow.class).serializer().serialize(name, row);
    }
    return record(name, partition, key, bytes, timestamp);
  }

  private static ConsumerRecord<String, byte[]> deadLetter(final DlqReason reason) {
    final RecordHeaders headers = new RecordHeaders();
    if (reason != null) {
      headers.add(DeadLetters.REASON, reason.name().getBytes(StandardCharsets.UTF_8));
    }
    return new ConsumerRecord<>(WEIXIN.topic(EcoTopic.DLQ), 0, 0, T0, TimestampType.LOG_APPEND_TIME, 0, 0, null,
        new byte[] {1}, headers, Optional.empty());
  }

  private static ConsumerRecord<String, byte[]> ledger(final int task, final String key, final Long count) {
    final String changelog = WEIXIN.changelog(Names.LEDGER);
    return record(changelog, task, key, count == null ? null : new LongSerializer().serialize(changelog, count), T0);
  }

  private static ConsumerRecord<String, byte[]> record(final String topic, final int partition, final String key,
      final byte[] value, final long timestamp) {
    return new ConsumerRecord<>(topic, partition, 0, timestamp, TimestampType.CREATE_TIME, 0, 0, key, value, new RecordHeaders(),
        Optional.empty());
  }

  private static Conversion conversion(final String transactionId, final ConversionStatus status) {
    return Conversion.newBuilder().setTransactionId(transactionId).setEcosystem(Ecosystem.WEIXIN).setAmount(100).setCurrency("CNY")
        .setPaidAt(Instant.ofEpochMilli(T0)).setStatus(status).setUnattributedReason(null).setTouchesNotConsidered(0)
        .setAttributions(List.of()).build();
  }

  private static FunnelRow row(final long touched, final long paid) {
    return FunnelRow.newBuilder().setEcosystem(Ecosystem.WEIXIN).setCampaignId("double11").setCohortDay(LocalDate.of(2026, 11, 20))
        .setTimeZone("Asia/Shanghai").setTouched(touched).setCoupon(0).setPaid(paid).setGmv(Map.of()).setAttributedGmv(Map.of())
        .setFinal$(false).build();
  }
}

package wxfunnel.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import wxfunnel.events.ArticleRead;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.Payment;
import wxfunnel.serde.AvroSerializer;
import wxfunnel.topics.DeadLetters;
import wxfunnel.topics.DlqReason;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topology.FunnelDriver.DeadLetter;

/** Every DLQ reason: the record goes to its ecosystem's DLQ as it came, with why and where from. */
class DeadLetterTest {

  private static final Instant AT = Instant.parse("2026-11-20T02:00:00Z");
  @RegisterExtension
  final Drivers drivers = new Drivers("DeadLetterTest");
  private final Events weixin = new Events(Ecosystem.WEIXIN);

  @Test
  void eachBadRecordLandsInTheDlqWithItsReasonAndOriginalBytes() {
    try (FunnelDriver d = drivers.open(Ecosystem.WEIXIN, FunnelConfig.defaults(Ecosystem.WEIXIN))) {
      final byte[] key = "k".getBytes(StandardCharsets.UTF_8);
      final List<Case> cases = List.of(
          new Case("UNDECODABLE", EcoTopic.READS, new byte[] {1, 2, 3}),
          new Case("UNDECODABLE", EcoTopic.READS, new byte[] {0, 0, 0, 0}),
          new Case("UNDECODABLE", EcoTopic.PAYMENTS, d.bytesOf(EcoTopic.READS, weixin.read("r", "u", AT, "1", "A"))),
          new Case("UNKNOWN_SCHEMA", EcoTopic.READS, new byte[] {0, 0, 0, 0x7f, 0x7f, 2}),
          new Case("MISSING_FIELD", EcoTopic.READS, readWithoutMsgId()),
          new Case("MISSING_FIELD", EcoTopic.READS, d.bytesOf(EcoTopic.READS,
              ArticleRead.newBuilder(weixin.read("x", "u", AT, "1", "A")).setEventId(" ").build())),
          new Case("WRONG_ECOSYSTEM", EcoTopic.READS, d.bytesOf(EcoTopic.READS,
              new Events(Ecosystem.WECHAT).read("r", "u", AT, "1", "A"))),
          new Case("INVALID_AMOUNT", EcoTopic.PAYMENTS, d.bytesOf(EcoTopic.PAYMENTS, weixin.payment("t1", "u", AT, -1, "CNY"))),
          new Case("INVALID_AMOUNT", EcoTopic.PAYMENTS, d.bytesOf(EcoTopic.PAYMENTS,
              weixin.payment("t2", "u", AT, FunnelConfig.DEFAULT_MAX_AMOUNT + 1, "CNY"))),
          new Case("INVALID_FIELD", EcoTopic.PAYMENTS, d.bytesOf(EcoTopic.PAYMENTS, weixin.payment("t3", "u", AT, 100, "yuan"))),
          new Case("INVALID_TIMESTAMP", EcoTopic.PAYMENTS, d.bytesOf(EcoTopic.PAYMENTS,
              weixin.payment("t4", "u", FunnelDriver.WALL_CLOCK.plusSeconds(2 * 86_400), 100, "CNY"))),
          new Case("INVALID_TIMESTAMP", EcoTopic.SCANS, d.bytesOf(EcoTopic.SCANS,
              weixin.scan("s1", "u", Instant.parse("2001-01-01T00:00:00Z"), "A"))),
          new Case("INVALID_FIELD", EcoTopic.SCANS, d.bytesOf(EcoTopic.SCANS, weixin.scan("s2", "u", AT, "x".repeat(65)))),
          new Case("NULL_VALUE", EcoTopic.COUPON_CLICKS, null));

      for (final Case c : cases) {
        d.pipeBytes(c.topic(), key, c.value(), AT);
      }

      final List<DeadLetter> letters = d.deadLetters();
      assertThat(letters).extracting(DeadLetter::reason).containsExactlyElementsOf(cases.stream().map(Case::reason).toList());
      for (int i = 0; i < cases.size(); i++) {
        assertThat(letters.get(i).sourceTopic()).isEqualTo(d.names.topic(cases.get(i).topic()));
        assertThat(letters.get(i).key()).isEqualTo(key);
        assertThat(letters.get(i).value()).isEqualTo(cases.get(i).value());
      }
      assertThat(d.conversions()).isEmpty();
      assertThat(d.funnel()).isEmpty();
    }
  }

  @Test
  void dlqHeadersNameTheSourceOffsetAndNoUserId() {
    try (FunnelDriver d = drivers.open(Ecosystem.WEIXIN, FunnelConfig.defaults(Ecosystem.WEIXIN))) {
      final Payment spoofed = new Events(Ecosystem.WECHAT).payment("t", "unionid-secret", AT, 100, "USD");
      d.pipe(EcoTopic.PAYMENTS, spoofed);
      d.pipe(EcoTopic.PAYMENTS, weixin.payment("t-neg", "unionid-secret", AT, -5, "CNY"));

      final String payments = EcoTopic.PAYMENTS.topic(Ecosystem.WEIXIN);
      assertThat(d.deadLetterHeaders()).containsExactly(
          headers(DlqReason.WRONG_ECOSYSTEM, "ecosystem WECHAT on a " + payments + " topic", payments, 0),
          headers(DlqReason.INVALID_AMOUNT, "total -5 is negative", payments, 1));
    }
  }

  /** The headers of a dead letter from partition 0, as {@link FunnelDriver#deadLetterHeaders()} prints them. */
  private static String headers(final DlqReason reason, final String error, final String topic, final long offset) {
    return DeadLetters.REASON + "=" + reason + " " + DeadLetters.ERROR + "=" + error + " " + DeadLetters.SOURCE_TOPIC + "=" + topic
        + " " + DeadLetters.SOURCE_PARTITION + "=0 " + DeadLetters.SOURCE_OFFSET + "=" + offset;
  }

  private byte[] readWithoutMsgId() {
    final Schema older = SchemaBuilder.record("ArticleRead").namespace("wxfunnel.events").fields()
        .requiredString("event_id").name("ecosystem").type(ArticleRead.getClassSchema().getField("ecosystem").schema()).noDefault()
        .requiredString("app_id").requiredString("openid").optionalString("unionid").requiredLong("event_time")
        .requiredString("account_id").endRecord();
    final GenericRecord record = new GenericData.Record(older);
    record.put("event_id", "e");
    record.put("ecosystem", new GenericData.EnumSymbol(older.getField("ecosystem").schema(), "WEIXIN"));
    record.put("app_id", "wx-oa");
    record.put("openid", "o");
    record.put("unionid", null);
    record.put("event_time", AT.toEpochMilli());
    record.put("account_id", "gh");
    return new AvroSerializer<GenericRecord>(drivers.registry(), false, true).serialize("legacy.reads", record);
  }

  private record Case(String reason, EcoTopic topic, byte[] value) {}
}

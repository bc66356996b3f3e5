package wxfunnel.topology;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import wxfunnel.events.ArticleRead;
import wxfunnel.events.CouponClick;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.Payment;
import wxfunnel.events.QrScan;
import wxfunnel.internal.EventKind;
import wxfunnel.internal.PersonEvent;
import wxfunnel.topics.DlqReason;
import wxfunnel.topics.EcoTopic;

/**
 * One event input: its topic, its class, the checks beyond its schema, and what of it the
 * person's state keeps. The four event schemas share their first six fields (event_id,
 * ecosystem, app_id, openid, unionid, event_time), which {@link #common} reads by position.
 */
public record Input<T extends SpecificRecord>(EventKind kind, EcoTopic topic, Class<T> type, Checks<T> checks, Fields<T> fields) {

  /** A problem of a decoded event, or null. */
  interface Checks<T> {
    Problem check(T event, FunnelConfig config);
  }

  /** The kind-specific fields of the person's event. */
  interface Fields<T> {
    void copy(T event, PersonEvent.Builder into);
  }

  /** Why an event is refused. */
  record Problem(DlqReason reason, String message) {}

  /** The fields every event carries. */
  public record Common(String eventId, Ecosystem ecosystem, String appId, String openid, String unionid, Instant eventTime) {

    /** Person key: unionid when present, else app_id + openid (openids are per app). */
    public String personKey() {
      return hasUnionid() ? "u:" + unionid : "o:" + appId + ":" + openid;
    }

    public boolean hasUnionid() {
      return unionid != null && !unionid.isBlank();
    }

    /** Sets these fields on {@code event}, one of the four events, and returns it. */
    public <T extends SpecificRecord> T writeTo(final T event) {
      event.put(0, eventId);
      event.put(1, ecosystem);
      event.put(2, appId);
      event.put(3, openid);
      event.put(4, unionid);
      event.put(5, eventTime);
      return event;
    }
  }

  /** DESIGN 5a: ids at most 256 characters, {@code attach} 127 bytes (WeChat Pay's own limit), free text 1,024 characters. */
  static final int MAX_ID_LENGTH = 256;
  static final int MAX_ATTACH_BYTES = 127;
  static final int MAX_TEXT_LENGTH = 1024;
  /**
   * A record this large cannot be a real event (they are under 2 KiB): it would carry megabytes
   * of fields the schema does not know through the repartition topic.
   */
  static final int MAX_RECORD_BYTES = 64 << 10;
  private static final List<String> COMMON_FIELDS = List.of("event_id", "ecosystem", "app_id", "openid", "unionid", "event_time");
  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

  static final Input<ArticleRead> READS = new Input<>(EventKind.READ, EcoTopic.READS, ArticleRead.class,
      (e, c) -> firstOf(required("msg_id", e.getMsgId()), required("account_id", e.getAccountId())),
      (e, into) -> into.setCampaignId(blankToNull(e.getCampaignId())).setMsgId(e.getMsgId()));

  static final Input<QrScan> SCANS = new Input<>(EventKind.SCAN, EcoTopic.SCANS, QrScan.class,
      (e, c) -> firstOf(required("scene_str", e.getSceneStr()), required("ticket", e.getTicket()),
          e.getSceneStr().length() > 64 ? new Problem(DlqReason.INVALID_FIELD, "scene_str longer than 64 characters") : null),
      (e, into) -> into.setCampaignId(e.getSceneStr()).setSceneStr(e.getSceneStr()));

  static final Input<CouponClick> COUPON_CLICKS = new Input<>(EventKind.COUPON, EcoTopic.COUPON_CLICKS, CouponClick.class,
      (e, c) -> required("card_id", e.getCardId()),
      (e, into) -> into.setCampaignId(blankToNull(e.getOuterStr())).setMsgId(blankToNull(e.getMsgId())).setCardId(e.getCardId()));

  static final Input<Payment> PAYMENTS = new Input<>(EventKind.PAYMENT, EcoTopic.PAYMENTS, Payment.class,
      (e, c) -> firstOf(required("transaction_id", e.getTransactionId()),
          e.getTotal() < 0 ? new Problem(DlqReason.INVALID_AMOUNT, "total " + e.getTotal() + " is negative") : null,
          e.getTotal() > c.maxAmount() ? new Problem(DlqReason.INVALID_AMOUNT, "total " + e.getTotal() + " exceeds " + c.maxAmount()) : null,
          CURRENCY.matcher(e.getCurrency()).matches() ? null : new Problem(DlqReason.INVALID_FIELD, "currency is not an ISO 4217 code"),
          e.getAttach() != null && e.getAttach().getBytes(StandardCharsets.UTF_8).length > MAX_ATTACH_BYTES
              ? new Problem(DlqReason.INVALID_FIELD, "attach is longer than " + MAX_ATTACH_BYTES + " bytes") : null),
      // A payment is its transaction_id (DESIGN 5a), whatever event_id its notification carries.
      (e, into) -> into.setEventId(e.getTransactionId()).setAmount(e.getTotal()).setCurrency(e.getCurrency()));

  public static final List<Input<?>> ALL = List.of(READS, SCANS, COUPON_CLICKS, PAYMENTS);

  public Input {
    final Schema schema = SpecificData.get().getSchema(type);
    for (int i = 0; i < COMMON_FIELDS.size(); i++) {
      if (!schema.getFields().get(i).name().equals(COMMON_FIELDS.get(i))) {
        throw new IllegalStateException(type.getSimpleName() + " field " + i + " is not " + COMMON_FIELDS.get(i));
      }
    }
  }

  /** The common fields of any of the four events. */
  public static Common common(final SpecificRecord event) {
    return new Common((String) event.get(0), (Ecosystem) event.get(1), (String) event.get(2), (String) event.get(3),
        (String) event.get(4), (Instant) event.get(5));
  }

  /**
   * The checks every event gets, then the input's own; a common id missing is found before any
   * id too long. Each depends on the record alone (its bytes and its Kafka timestamp), so a replay
   * decides exactly as the first run did.
   */
  Problem check(final T event, final Common common, final Ecosystem expected, final FunnelConfig config, final long recordTimestamp) {
    if (common.ecosystem() != expected) {
      return new Problem(DlqReason.WRONG_ECOSYSTEM, "ecosystem " + common.ecosystem() + " on a " + topic.topic(expected) + " topic");
    }
    final Problem problem = firstOf(required("event_id", common.eventId()), required("app_id", common.appId()),
        required("openid", common.openid()), idsWithinLimit(event));
    if (problem != null) {
      return problem;
    }
    final long time = common.eventTime().toEpochMilli();
    if (time < config.earliest().toEpochMilli()) {
      return new Problem(DlqReason.INVALID_TIMESTAMP, "event_time " + common.eventTime() + " is before " + config.earliest());
    }
    if (time > recordTimestamp + config.maxFuture().toMillis()) {
      return new Problem(DlqReason.INVALID_TIMESTAMP, "event_time " + common.eventTime() + " is more than "
          + config.maxFuture() + " after its record's timestamp " + Instant.ofEpochMilli(recordTimestamp));
    }
    return checks.check(event, config);
  }

  /** Every string of the event but {@code attach} (checked in bytes) is an id: at most 256 characters. */
  private static Problem idsWithinLimit(final SpecificRecord event) {
    for (final Schema.Field field : event.getSchema().getFields()) {
      if (event.get(field.pos()) instanceof String value && !field.name().equals("attach") && value.length() > MAX_ID_LENGTH) {
        return new Problem(DlqReason.INVALID_FIELD, field.name() + " is longer than " + MAX_ID_LENGTH + " characters");
      }
    }
    return null;
  }

  /** A record whose value or key is over {@link #MAX_RECORD_BYTES} is {@code INVALID_FIELD}, before it is decoded. */
  static Problem sizeProblem(final byte[] key, final byte[] value) {
    final int keyBytes = key == null ? 0 : key.length;
    return value.length > MAX_RECORD_BYTES || keyBytes > MAX_RECORD_BYTES
        ? new Problem(DlqReason.INVALID_FIELD, "a record of " + value.length + " bytes with a key of " + keyBytes
            + "; at most " + MAX_RECORD_BYTES + " each are accepted")
        : null;
  }

  private static Problem required(final String field, final String value) {
    return value == null || value.isBlank() ? new Problem(DlqReason.MISSING_FIELD, field + " is empty") : null;
  }

  private static Problem firstOf(final Problem... problems) {
    for (final Problem problem : problems) {
      if (problem != null) {
        return problem;
      }
    }
    return null;
  }

  private static String blankToNull(final String value) {
    return value == null || value.isBlank() ? null : value;
  }
}

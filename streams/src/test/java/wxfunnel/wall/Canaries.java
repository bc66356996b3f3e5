package wxfunnel.wall;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.avro.specific.SpecificRecord;
import wxfunnel.events.ArticleRead;
import wxfunnel.events.CouponClick;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.Payment;
import wxfunnel.events.QrScan;
import wxfunnel.events.ReadSource;
import wxfunnel.events.TradeType;
import wxfunnel.generator.Generated;
import wxfunnel.topics.EcoTopic;

/**
 * User-level values of two planted persons of one ecosystem, random but for their shape (an
 * openid's leading {@code o}, a transaction id's digits), so that none of them, nor any 8
 * characters of either end of one, occurs anywhere by chance. Person A reads, clicks a coupon and
 * pays, the payment retried under a new notification id; person B (no unionid) scans and pays.
 */
record Canaries(String unionid, String openidOfficialAccount, String openidMiniProgram, String openidOnly,
    String transactionId, String otherTransactionId, String attach, String userCardCode, String eventIdPrefix) {

  private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  /** How many characters of either end count as the value: more for digits, of which logs hold many. */
  private static final int ENDS = 8;
  private static final int DIGIT_ENDS = 16;
  static final String CAMPAIGN = "canary-campaign";

  static Canaries of(final long seed) {
    final Random random = new Random(seed);
    return new Canaries("o" + text(random, 27), "o" + text(random, 27), "o" + text(random, 27), "o" + text(random, 27),
        "4200" + digits(random, 24), "4200" + digits(random, 24), "order=" + text(random, 24), digits(random, 20),
        "ev-" + text(random, 20));
  }

  /** The planted records, their events up to two minutes before {@code now}. */
  List<Generated> records(final Ecosystem eco, final Instant now) {
    final List<Generated> records = new ArrayList<>();
    final Instant read = now.minus(Duration.ofMinutes(2));
    final Instant click = now.minus(Duration.ofMinutes(1));
    records.add(record(EcoTopic.READS, eco, openidOfficialAccount, read, ArticleRead.newBuilder().setEventId(eventIdPrefix + "-1")
        .setEcosystem(eco).setAppId("wx-canary-oa").setOpenid(openidOfficialAccount).setUnionid(unionid).setEventTime(read)
        .setAccountId("gh_canary").setMsgId("2650000001_1").setReadSource(ReadSource.SESSION).setCampaignId(CAMPAIGN).build()));
    records.add(record(EcoTopic.COUPON_CLICKS, eco, openidOfficialAccount, click, CouponClick.newBuilder()
        .setEventId(eventIdPrefix + "-2").setEcosystem(eco).setAppId("wx-canary-oa").setOpenid(openidOfficialAccount)
        .setUnionid(unionid).setEventTime(click).setCardId("pCanaryCard").setUserCardCode(userCardCode).setOuterStr(CAMPAIGN)
        .setMsgId("2650000001_1").build()));
    final Payment paid = payment(eco, eventIdPrefix + "-3", openidMiniProgram, unionid, transactionId, attach, now);
    records.add(record(EcoTopic.PAYMENTS, eco, openidMiniProgram, now, paid));
    // The same payment notified again, under a new notification id.
    records.add(record(EcoTopic.PAYMENTS, eco, openidMiniProgram, now, Payment.newBuilder(paid).setEventId(eventIdPrefix + "-4")
        .build()));
    records.add(record(EcoTopic.SCANS, eco, openidOnly, read, QrScan.newBuilder().setEventId(eventIdPrefix + "-5").setEcosystem(eco)
        .setAppId("wx-canary-oa").setOpenid(openidOnly).setUnionid(null).setEventTime(read).setSceneStr(CAMPAIGN)
        .setTicket("gQCanaryTicket").setNewFollower(true).setStoreId(null).build()));
    records.add(record(EcoTopic.PAYMENTS, eco, openidOnly, now,
        payment(eco, eventIdPrefix + "-6", openidOnly, null, otherTransactionId, null, now)));
    // Refused by the intake: an attach longer than WeChat Pay allows.
    records.add(record(EcoTopic.PAYMENTS, eco, openidOnly, now, payment(eco, eventIdPrefix + "-7", openidOnly, null,
        otherTransactionId + "7", attach + "x".repeat(128), now)));
    // Not Avro at all: the producer sent JSON.
    final String json = "{\"openid\":\"" + openidOnly + "\",\"transaction_id\":\"" + otherTransactionId + "\"}";
    records.add(new Generated(EcoTopic.PAYMENTS.topic(eco), openidOnly, null, json.getBytes(StandardCharsets.UTF_8),
        now.toEpochMilli(), now.toEpochMilli()));
    return records;
  }

  /**
   * What would betray a planted value, each under a name that says which value and how encoded: the
   * value whole; its first or last 8 characters (16 of digits); its SHA-256, SHA-1 or MD5 in hex
   * (either case, whole or its first 16 digits); in Base64 or URL-safe Base64, at any alignment.
   */
  Map<String, String> needles() {
    final Map<String, String> needles = new LinkedHashMap<>();
    values().forEach((name, value) -> encodings(value).forEach((encoding, encoded) ->
        needles.put(name + " (" + encoding + ")", encoded)));
    return needles;
  }

  /** The names of the {@code needles} that occur in {@code text}. */
  static List<String> found(final Map<String, String> needles, final String text) {
    return needles.entrySet().stream().filter(needle -> text.contains(needle.getValue())).map(Map.Entry::getKey).toList();
  }

  Map<String, String> values() {
    final Map<String, String> values = new LinkedHashMap<>();
    values.put("unionid", unionid);
    values.put("openid (Official Account)", openidOfficialAccount);
    values.put("openid (Mini Program)", openidMiniProgram);
    values.put("openid (no unionid)", openidOnly);
    values.put("transaction_id", transactionId);
    values.put("transaction_id (no unionid)", otherTransactionId);
    values.put("attach", attach);
    values.put("user_card_code", userCardCode);
    values.put("event_id", eventIdPrefix);
    // The person keys: their SHA-256, first 16 hex digits, is the conversions' payer pseudonym.
    values.put("person key (unionid)", "u:" + unionid);
    values.put("person key (no unionid, Official Account)", "o:wx-canary-oa:" + openidOnly);
    values.put("person key (no unionid, Mini Program)", "o:wx-canary-mini:" + openidOnly);
    return values;
  }

  static Map<String, String> encodings(final String value) {
    final Map<String, String> encodings = new LinkedHashMap<>();
    encodings.put("plain", value);
    final int ends = value.chars().allMatch(Character::isDigit) ? DIGIT_ENDS : ENDS;
    encodings.put("first " + ends, value.substring(0, ends));
    encodings.put("last " + ends, value.substring(value.length() - ends));
    for (final String algorithm : List.of("SHA-256", "SHA-1", "MD5")) {
      final String hex = HexFormat.of().formatHex(digest(algorithm, value));
      encodings.put(algorithm, hex);
      encodings.put(algorithm + " upper case", hex.toUpperCase(Locale.ROOT));
      encodings.put(algorithm + " first 16", hex.substring(0, 16));
    }
    // In Base64 the value may start at any byte of a 3-byte group: the characters of its own bytes only.
    for (int shift = 0; shift < 3; shift++) {
      final byte[] shifted = ("xx".substring(0, shift) + value).getBytes(StandardCharsets.UTF_8);
      final String standard = Base64.getEncoder().withoutPadding().encodeToString(shifted);
      final String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(shifted);
      final int from = shift == 0 ? 0 : 4;
      encodings.put("Base64, from byte " + shift, standard.substring(from, standard.length() - 4));
      encodings.put("URL-safe Base64, from byte " + shift, urlSafe.substring(from, urlSafe.length() - 4));
    }
    return encodings;
  }

  private static Payment payment(final Ecosystem eco, final String eventId, final String openid, final String unionid,
      final String transactionId, final String attach, final Instant at) {
    return Payment.newBuilder().setEventId(eventId).setEcosystem(eco).setAppId("wx-canary-mini").setOpenid(openid)
        .setUnionid(unionid).setEventTime(at).setTransactionId(transactionId).setOutTradeNo("canary-order")
        .setMchId("1900000109").setTradeType(TradeType.JSAPI).setTotal(8_800).setCurrency("CNY").setAttach(attach)
        .setCouponCardId(null).build();
  }

  private static Generated record(final EcoTopic topic, final Ecosystem eco, final String key, final Instant at,
      final SpecificRecord value) {
    return new Generated(topic.topic(eco), key, value, null, at.toEpochMilli(), Instant.now().toEpochMilli());
  }

  private static byte[] digest(final String algorithm, final String value) {
    try {
      return MessageDigest.getInstance(algorithm).digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String text(final Random random, final int length) {
    final StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      text.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return text.toString();
  }

  private static String digits(final Random random, final int length) {
    final StringBuilder digits = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      digits.append(random.nextInt(10));
    }
    return digits.toString();
  }
}

package wxfunnel.reference;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import wxfunnel.events.Article;
import wxfunnel.events.ArticleRead;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.Conversion;
import wxfunnel.events.ContentKind;
import wxfunnel.events.ContentModelCredit;
import wxfunnel.events.ContentPerformance;
import wxfunnel.events.ConversionStatus;
import wxfunnel.events.CouponClick;
import wxfunnel.events.CreditedTouch;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;
import wxfunnel.events.ModelAttribution;
import wxfunnel.events.Payment;
import wxfunnel.events.QrScan;
import wxfunnel.events.TouchType;
import wxfunnel.events.UnattributedReason;
import wxfunnel.topics.Ledger;
import wxfunnel.topology.FunnelConfig;

/**
 * DESIGN sections 5 and 5a as a fold over the input records of one ecosystem: what its outputs,
 * dead letters and ledger must end up as. No Kafka, no stores, no watermark bookkeeping: every
 * record is decided from the records before it, and the funnel is computed once, from everything
 * accepted. It shares nothing with the processors but the generated event classes and the
 * semantics' knobs.
 *
 * <p>Read it top to bottom: {@link #run} orders the records as a replay reads them, {@link #take}
 * decides each one, {@link #conversion} credits a payment, {@link #funnel} sums the rows.
 */
public final class ReferenceModel {

  /** An input record as it sits on its topic. */
  public record InputRecord(String topic, int partition, long offset, byte[] key, byte[] value, long timestamp) {}

  /** A dead letter: why, and where the record came from. */
  public record DeadLetter(String reason, String topic, int partition, long offset) {}

  /** What the processor of one ecosystem must end up with. */
  public record Outputs(Map<String, Conversion> conversions, Map<String, FunnelRow> funnel,
      Map<String, ContentPerformance> content, Set<DeadLetter> deadLetters, Map<String, Long> ledger) {}

  // Field limits (DESIGN 5a).
  private static final int MAX_ID = 256;
  private static final int MAX_TEXT = 1024;
  private static final int MAX_ATTACH_BYTES = 127;
  private static final int MAX_RECORD_BYTES = 64 << 10;

  private final Ecosystem ecosystem;
  private final FunnelConfig config;
  private final IntFunction<Schema> schemas;

  // What the fold has seen so far.
  private final Map<String, Long> clocks = new HashMap<>();
  private final Map<String, TreeMap<Long, Version>> catalog = new HashMap<>();
  private final Map<String, Person> persons = new HashMap<>();
  /** By transaction_id: the copy of each payment that counts. */
  private final Map<String, Copy> copies = new HashMap<>();
  private final Map<String, Conversion> conversions = new TreeMap<>();
  /** By transaction_id: what its current conversion credits to each campaign under the configured model. */
  private final Map<String, Map<String, Long>> credits = new HashMap<>();
  /** By transaction_id: what its current conversion credits to each content row, per model. */
  private final Map<String, List<ContentCredit>> contentCredits = new HashMap<>();
  /** Every touch accepted, in the order accepted (the cap drops touches from persons, not from here). */
  private final List<Accepted> acceptedTouches = new ArrayList<>();
  private final Set<DeadLetter> deadLetters = new HashSet<>();
  private final Map<String, Long> ledger = new TreeMap<>();

  /** A valid event, as the contract reads it. */
  private record Event(String kind, String id, String person, boolean unionid, long time, String campaign, String msgId,
      String scene, String card, long amount, String currency) {}

  private record Touch(String kind, String id, long time, String campaign, String msgId, String scene, String card) {}

  /** An article in the catalog from its publication on. */
  private record Version(String campaign, String title) {}

  /** A touch accepted: its content row, who, and the campaign and title it was touched under. */
  private record Accepted(String row, String person, long time, String campaign, String title) {}

  /** What one payment credits to one content row under one model: money and each credited touch's time to convert. */
  private record ContentCredit(String row, AttributionModel model, long amount, List<Long> times) {}

  private record Pay(String transactionId, long time, long amount, String currency, boolean unionid) {}

  private record Copy(String person, boolean unionid, long time) {}

  /** One person's accepted touches (at most --max-touches: the first and the most recent) and payments. */
  private static final class Person {
    /** DESIGN 6a: the conversions' pseudonym of the person, the first 8 bytes of SHA-256 of the person key, in hex. */
    final String payer;
    final List<Touch> touches = new ArrayList<>();
    final List<Pay> payments = new ArrayList<>();
    long capped;

    Person(final String key) {
      try {
        payer = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)), 0, 8);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private ReferenceModel(final Ecosystem ecosystem, final FunnelConfig config, final IntFunction<Schema> schemas) {
    this.ecosystem = ecosystem;
    this.config = config;
    this.schemas = schemas;
  }

  /**
   * The outputs of {@code records} (every input topic of one ecosystem, the catalog included), in
   * the order the processor reads them (see {@link #readOrder}). {@code schemas} gives a writer
   * schema by its registry id, or null for an unknown id.
   */
  public static Outputs run(final Ecosystem ecosystem, final FunnelConfig config, final List<InputRecord> records,
      final IntFunction<Schema> schemas) {
    final ReferenceModel model = new ReferenceModel(ecosystem, config, schemas);
    for (final InputRecord record : records) {
      model.take(record);
    }
    return new Outputs(model.conversions, model.funnel(), model.content(), model.deadLetters, model.ledger);
  }

  /**
   * Each partition in offset order; across partitions, the one whose next record has the oldest
   * timestamp goes first (how Kafka Streams reads a task's partitions when all are available). Only
   * the order within a partition is fixed; traffic whose outputs depend on the order across
   * partitions (copies of one event on two partitions, an article and its touches racing) has no
   * single right answer.
   */
  public static List<InputRecord> readOrder(final List<InputRecord> records) {
    final Map<String, List<InputRecord>> byPartition = new TreeMap<>();
    for (final InputRecord record : records) {
      byPartition.computeIfAbsent(record.topic() + "-" + record.partition(), k -> new ArrayList<>()).add(record);
    }
    byPartition.values().forEach(list -> list.sort(Comparator.comparingLong(InputRecord::offset)));
    final List<InputRecord> order = new ArrayList<>();
    final Map<String, Integer> next = new HashMap<>();
    while (order.size() < records.size()) {
      String pick = null;
      for (final Map.Entry<String, List<InputRecord>> partition : byPartition.entrySet()) {
        final int i = next.getOrDefault(partition.getKey(), 0);
        if (i < partition.getValue().size() && (pick == null
            || partition.getValue().get(i).timestamp() < byPartition.get(pick).get(next.getOrDefault(pick, 0)).timestamp())) {
          pick = partition.getKey();
        }
      }
      final int i = next.getOrDefault(pick, 0);
      order.add(byPartition.get(pick).get(i));
      next.put(pick, i + 1);
    }
    return order;
  }

  // ---------------------------------------------------------------------------------------------
  // Each record

  private void take(final InputRecord record) {
    final String kind = kindOf(record.topic());
    if (kind.equals("ARTICLE")) {
      takeArticle(record);
      return;
    }
    final Object decoded = decode(record, typeOf(kind));
    if (decoded instanceof String reason) {
      deadLetter(reason, record);
      return;
    }
    final SpecificRecord value = (SpecificRecord) decoded;
    final String problem = problem(kind, value, record.timestamp());
    if (problem != null) {
      deadLetter(problem, record);
      return;
    }
    final Event event = event(kind, value);
    // The clock of the record's own partition decides lateness and the dedup horizon.
    final String partition = record.partition() + "." + kind;
    final long clock = Math.max(clocks.getOrDefault(partition, Long.MIN_VALUE), event.time());
    clocks.put(partition, clock);
    final Person person = persons.computeIfAbsent(event.person(), Person::new);
    final boolean late = event.time() < clock - config.grace().toMillis();
    final Copy counted = kind.equals("PAYMENT") ? copies.get(event.id()) : null;
    if (counted != null && counted.time() >= clock - config.dedupHorizon().toMillis() - config.grace().toMillis()) {
      count(Ledger.Outcome.DUPLICATE, kind);
      final long onTime = clock - config.grace().toMillis();
      if (!counted.unionid() && event.unionid() && event.time() >= onTime && counted.time() >= onTime) {
        // A copy with a unionid decides, when both copies are within the grace: it takes the place of the one without.
        persons.get(counted.person()).payments.removeIf(pay -> pay.transactionId().equals(event.id()));
        copies.put(event.id(), new Copy(event.person(), true, event.time()));
        accept(person, event);
      }
    } else if (isDuplicate(person, event, clock)) {
      count(Ledger.Outcome.DUPLICATE, kind);
    } else if (late) {
      count(Ledger.Outcome.LATE, kind);
      deadLetter("LATE", record);
    } else {
      count(Ledger.Outcome.ACCEPTED, kind);
      if (kind.equals("PAYMENT")) {
        copies.put(event.id(), new Copy(event.person(), event.unionid(), event.time()));
      }
      accept(person, event);
    }
  }

  /**
   * The catalog is read whole before the events; each version of an article counts from its
   * publication. A catalog record is checked like an event and counted: a valid article of the
   * ecosystem adds a version; anything else is dead-lettered. A tombstone (an article withdrawn)
   * changes nothing.
   */
  private void takeArticle(final InputRecord record) {
    if (record.value() == null) {
      return;
    }
    final Object decoded = decode(record, Article.class);
    final String problem = decoded instanceof String reason ? reason : articleProblem((Article) decoded);
    if (problem != null) {
      deadLetter(problem, record);
      return;
    }
    final Article article = (Article) decoded;
    count(Ledger.Outcome.ACCEPTED, "ARTICLE");
    catalog.computeIfAbsent(article.getMsgId(), m -> new TreeMap<>())
        .put(article.getPublishedAt().toEpochMilli(), new Version(blank(article.getCampaignId()) ? "" : article.getCampaignId(),
            article.getTitle()));
  }

  private String articleProblem(final Article article) {
    if (article.getEcosystem() != ecosystem) {
      return "WRONG_ECOSYSTEM";
    }
    if (blank(article.getMsgId())) {
      return "MISSING_FIELD";
    }
    return tooLong(article.getMsgId()) || tooLong(article.getAccountId()) || tooLong(article.getCampaignId())
        || article.getTitle().length() > MAX_TEXT ? "INVALID_FIELD" : null;
  }

  /** The decoded record, or the dead-letter reason of bytes that are not one. */
  private Object decode(final InputRecord record, final Class<? extends SpecificRecord> type) {
    final byte[] bytes = record.value();
    if (bytes == null) {
      return "NULL_VALUE";
    }
    if (bytes.length > MAX_RECORD_BYTES || (record.key() != null && record.key().length > MAX_RECORD_BYTES)) {
      return "INVALID_FIELD";
    }
    if (bytes.length < 5 || bytes[0] != 0) {
      return "UNDECODABLE";
    }
    final Schema writer = schemas.apply(ByteBuffer.wrap(bytes, 1, 4).getInt());
    if (writer == null) {
      return "UNKNOWN_SCHEMA";
    }
    final Schema reader = SpecificData.get().getSchema(type);
    if (!writer.getFullName().equals(reader.getFullName())) {
      return "UNDECODABLE";
    }
    try {
      final BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null);
      final Object value = new SpecificDatumReader<>(writer, reader).read(null, decoder);
      return decoder.isEnd() ? value : "UNDECODABLE";
    } catch (Exception e) {
      return String.valueOf(e.getMessage()).contains("missing required field") ? "MISSING_FIELD" : "UNDECODABLE";
    }
  }

  /** The first thing wrong with a decoded event, or null: the order in which a reader would notice. */
  private String problem(final String kind, final SpecificRecord e, final long recordTimestamp) {
    if (e.get(1) != ecosystem) {
      return "WRONG_ECOSYSTEM";
    }
    if (blank((String) e.get(0)) || blank((String) e.get(2)) || blank((String) e.get(3))) {
      return "MISSING_FIELD";
    }
    for (final Schema.Field field : e.getSchema().getFields()) {
      if (e.get(field.pos()) instanceof String text && !field.name().equals("attach") && text.length() > MAX_ID) {
        return "INVALID_FIELD";
      }
    }
    final long time = ((Instant) e.get(5)).toEpochMilli();
    if (time < config.earliest().toEpochMilli() || time > recordTimestamp + config.maxFuture().toMillis()) {
      return "INVALID_TIMESTAMP";
    }
    return switch (kind) {
      case "READ" -> blank(((ArticleRead) e).getMsgId()) || blank(((ArticleRead) e).getAccountId()) ? "MISSING_FIELD" : null;
      case "SCAN" -> blank(((QrScan) e).getSceneStr()) || blank(((QrScan) e).getTicket()) ? "MISSING_FIELD"
          : ((QrScan) e).getSceneStr().length() > 64 ? "INVALID_FIELD" : null;
      case "COUPON" -> blank(((CouponClick) e).getCardId()) ? "MISSING_FIELD" : null;
      default -> paymentProblem((Payment) e);
    };
  }

  private String paymentProblem(final Payment p) {
    if (blank(p.getTransactionId())) {
      return "MISSING_FIELD";
    }
    if (p.getTotal() < 0 || p.getTotal() > config.maxAmount()) {
      return "INVALID_AMOUNT";
    }
    if (!p.getCurrency().matches("[A-Z]{3}")
        || (p.getAttach() != null && p.getAttach().getBytes(StandardCharsets.UTF_8).length > MAX_ATTACH_BYTES)) {
      return "INVALID_FIELD";
    }
    return null;
  }

  /** The contract's reading of a valid event: person key, idempotency key, own campaign. */
  private static Event event(final String kind, final SpecificRecord e) {
    final String unionid = (String) e.get(4);
    final boolean hasUnionid = !blank(unionid);
    final String person = hasUnionid ? "u:" + unionid : "o:" + e.get(2) + ":" + e.get(3);
    final long time = ((Instant) e.get(5)).toEpochMilli();
    return switch (kind) {
      case "READ" -> new Event(kind, (String) e.get(0), person, hasUnionid, time, orNull(((ArticleRead) e).getCampaignId()),
          ((ArticleRead) e).getMsgId(), null, null, 0, null);
      case "SCAN" -> new Event(kind, (String) e.get(0), person, hasUnionid, time, ((QrScan) e).getSceneStr(), null,
          ((QrScan) e).getSceneStr(), null, 0, null);
      case "COUPON" -> new Event(kind, (String) e.get(0), person, hasUnionid, time, orNull(((CouponClick) e).getOuterStr()),
          orNull(((CouponClick) e).getMsgId()), null, ((CouponClick) e).getCardId(), 0, null);
      // A payment is its transaction_id, whatever event id its notification carries.
      default -> new Event(kind, ((Payment) e).getTransactionId(), person, hasUnionid, time, null, null, null, null,
          ((Payment) e).getTotal(), ((Payment) e).getCurrency());
    };
  }

  /** The same touch, still remembered by its person and within the dedup horizon of the partition's clock. */
  private boolean isDuplicate(final Person person, final Event event, final long clock) {
    final long since = clock - config.dedupHorizon().toMillis() - config.grace().toMillis();
    return person.touches.stream().anyMatch(t -> t.kind().equals(event.kind()) && t.id().equals(event.id()) && t.time() >= since);
  }

  private void accept(final Person person, final Event event) {
    if (event.kind().equals("PAYMENT")) {
      final Pay pay = new Pay(event.id(), event.time(), event.amount(), event.currency(), event.unionid());
      person.payments.add(pay);
      conversions.put(pay.transactionId(), conversion(person, pay));
      return;
    }
    final Touch touch = new Touch(event.kind(), event.id(), event.time(), campaignOf(event), event.msgId(), event.scene(), event.card());
    person.touches.add(touch);
    acceptedTouches.add(new Accepted(rowOf(touch), person.payer, touch.time(), touch.campaign(),
        touch.kind().equals("READ") ? titleOf(touch.msgId(), touch.time()) : null));
    person.touches.sort(TOUCH_ORDER);
    if (person.touches.size() > config.maxTouches()) {
      count(Ledger.Outcome.CAPPED, person.touches.remove(1).kind());
      person.capped++;
    }
    // A touch changes the credit of every payment whose lookback it falls in.
    for (final Pay pay : person.payments) {
      if (pay.time() >= event.time() && pay.time() <= event.time() + config.lookback().toMillis()) {
        conversions.put(pay.transactionId(), conversion(person, pay));
      }
    }
  }

  /** Own campaign, else the campaign of the article as published at or before the touch. */
  private String campaignOf(final Event event) {
    if (event.campaign() != null || event.msgId() == null || !catalog.containsKey(event.msgId())) {
      return event.campaign();
    }
    final Map.Entry<Long, Version> version = catalog.get(event.msgId()).floorEntry(event.time());
    return version == null || version.getValue().campaign().isEmpty() ? null : version.getValue().campaign();
  }

  /** The title of the article as published at or before {@code time}; null when it was not in the catalog then. */
  private String titleOf(final String msgId, final long time) {
    final Map.Entry<Long, Version> version = catalog.containsKey(msgId) ? catalog.get(msgId).floorEntry(time) : null;
    return version == null ? null : version.getValue().title();
  }

  // ---------------------------------------------------------------------------------------------
  // Attribution

  private static final Comparator<Touch> TOUCH_ORDER = Comparator.comparingLong(Touch::time).thenComparing(Touch::id);

  private Conversion conversion(final Person person, final Pay pay) {
    final List<Touch> inLookback = person.touches.stream()
        .filter(t -> t.time() <= pay.time() && t.time() >= pay.time() - config.lookback().toMillis())
        .sorted(TOUCH_ORDER).toList();
    final List<ModelAttribution> models = new ArrayList<>();
    for (final AttributionModel model : AttributionModel.values()) {
      final List<CreditedTouch> credited = new ArrayList<>();
      for (int i = 0; i < inLookback.size(); i++) {
        final double weight = weight(model, i, inLookback.size());
        if (weight > 0) {
          final Touch t = inLookback.get(i);
          credited.add(new CreditedTouch(TouchType.valueOf(t.kind()), t.id(), t.campaign(), t.msgId(), t.scene(),
              Instant.ofEpochMilli(t.time()), weight, pay.time() - t.time()));
        }
      }
      models.add(new ModelAttribution(model, credited));
    }
    credits.put(pay.transactionId(), split(config.model(), pay.amount(), inLookback, Touch::campaign));
    contentCredits.put(pay.transactionId(), contentCredits(pay, inLookback));
    final boolean attributed = !inLookback.isEmpty();
    return new Conversion(pay.transactionId(), ecosystem, pay.amount(), pay.currency(), Instant.ofEpochMilli(pay.time()),
        attributed ? ConversionStatus.ATTRIBUTED : ConversionStatus.UNATTRIBUTED,
        attributed ? null : pay.unionid() ? UnattributedReason.NO_TOUCH : UnattributedReason.NO_UNIONID, models, person.payer,
        person.capped);
  }

  /** DESIGN 5a: linear shares equally; position-based 100%, 50/50, or 40/20/40 with the middle 20% shared. */
  private static double weight(final AttributionModel model, final int i, final int n) {
    return switch (model) {
      case LAST_TOUCH -> i == n - 1 ? 1 : 0;
      case FIRST_TOUCH -> i == 0 ? 1 : 0;
      case LINEAR -> 1.0 / n;
      case POSITION_BASED -> n == 1 ? 1 : n == 2 ? 0.5 : i == 0 || i == n - 1 ? 0.4 : 0.2 / (n - 2);
    };
  }

  /**
   * DESIGN 5a: the amount credited to each campaign under the configured model, in whole minor
   * units that add up to the amount: each exact share rounded down, then one unit each to the
   * largest remainders, ties to the campaign id that sorts first. Touches without a campaign form
   * one more share (sorting before every campaign), which no campaign gets.
   */
  private static Map<String, Long> split(final AttributionModel model, final long amount, final List<Touch> touches,
      final Function<Touch, String> of) {
    if (touches.isEmpty()) {
      return Map.of();
    }
    final Map<String, BigInteger[]> weights = new TreeMap<>();
    for (int i = 0; i < touches.size(); i++) {
      final BigInteger[] w = exactWeight(model, i, touches.size());
      final String campaign = of.apply(touches.get(i)) == null ? "" : of.apply(touches.get(i));
      weights.merge(campaign, w, (a, b) -> new BigInteger[] {a[0].multiply(b[1]).add(b[0].multiply(a[1])), a[1].multiply(b[1])});
    }
    final Map<String, Long> shares = new TreeMap<>();
    final Map<String, BigInteger[]> remainders = new HashMap<>();
    long given = 0;
    for (final Map.Entry<String, BigInteger[]> w : weights.entrySet()) {
      final BigInteger[] exact = BigInteger.valueOf(amount).multiply(w.getValue()[0]).divideAndRemainder(w.getValue()[1]);
      shares.put(w.getKey(), exact[0].longValueExact());
      remainders.put(w.getKey(), new BigInteger[] {exact[1], w.getValue()[1]});
      given += exact[0].longValueExact();
    }
    final List<String> order = new ArrayList<>(shares.keySet());
    // Largest remainder first (r1/d1 > r2/d2 when r1*d2 > r2*d1); the sort is stable, so ties keep the ids' order.
    order.sort((a, b) -> remainders.get(b)[0].multiply(remainders.get(a)[1])
        .compareTo(remainders.get(a)[0].multiply(remainders.get(b)[1])));
    for (int i = 0; i < amount - given; i++) {
      shares.merge(order.get(i), 1L, Long::sum);
    }
    shares.remove("");
    shares.values().removeIf(v -> v == 0);
    return shares;
  }

  /** {@link #weight} as a fraction {numerator, denominator}. */
  private static BigInteger[] exactWeight(final AttributionModel model, final int i, final int n) {
    final long[] w = switch (model) {
      case LAST_TOUCH -> new long[] {i == n - 1 ? 1 : 0, 1};
      case FIRST_TOUCH -> new long[] {i == 0 ? 1 : 0, 1};
      case LINEAR -> new long[] {1, n};
      case POSITION_BASED -> n == 1 ? new long[] {1, 1} : n == 2 ? new long[] {1, 2}
          : i == 0 || i == n - 1 ? new long[] {2, 5} : new long[] {1, 5L * (n - 2)};
    };
    return new BigInteger[] {BigInteger.valueOf(w[0]), BigInteger.valueOf(w[1])};
  }

  // ---------------------------------------------------------------------------------------------
  // Content performance

  /** A touch's content row: a read's article, a scan's scene, a click's card, on the touch's day in the reporting zone. */
  private String rowOf(final Touch touch) {
    final String kind = switch (touch.kind()) {
      case "READ" -> "ARTICLE";
      case "SCAN" -> "SCENE";
      default -> "COUPON";
    };
    final String id = switch (touch.kind()) {
      case "READ" -> touch.msgId();
      case "SCAN" -> touch.scene();
      default -> touch.card();
    };
    return kind + "|" + id + "|" + LocalDate.ofInstant(Instant.ofEpochMilli(touch.time()), config.timeZone());
  }

  /** Per model, per content row of the credited touches: the amount split over the rows, and each credited touch's time to convert. */
  private List<ContentCredit> contentCredits(final Pay pay, final List<Touch> inLookback) {
    final List<ContentCredit> all = new ArrayList<>();
    for (final AttributionModel model : AttributionModel.values()) {
      final Map<String, Long> amounts = split(model, pay.amount(), inLookback, this::rowOf);
      final Map<String, List<Long>> times = new TreeMap<>();
      for (int i = 0; i < inLookback.size(); i++) {
        if (weight(model, i, inLookback.size()) > 0) {
          times.computeIfAbsent(rowOf(inLookback.get(i)), r -> new ArrayList<>()).add(pay.time() - inLookback.get(i).time());
        }
      }
      times.forEach((row, rowTimes) -> all.add(new ContentCredit(row, model, amounts.getOrDefault(row, 0L), rowTimes)));
    }
    return all;
  }

  /**
   * Per content row: its touches, its distinct persons, the title and campaign of its earliest touch
   * (ties: the campaign, then the title, that sorts first, none first), and per model the payments
   * crediting it, their money per currency, and the lower median of the credited touches' times to
   * convert. Final once every input partition has passed the day's end plus the lookback and grace.
   */
  private Map<String, ContentPerformance> content() {
    final Comparator<String> byName = Comparator.nullsFirst(Comparator.naturalOrder());
    final Map<String, List<Accepted>> touchesByRow = new TreeMap<>();
    acceptedTouches.forEach(touch -> touchesByRow.computeIfAbsent(touch.row(), r -> new ArrayList<>()).add(touch));
    final long watermark = watermark();
    final Map<String, ContentPerformance> rows = new TreeMap<>();
    touchesByRow.forEach((row, touches) -> {
      final Accepted first = touches.stream().min(Comparator.comparingLong(Accepted::time)
          .thenComparing(Accepted::campaign, byName).thenComparing(Accepted::title, byName)).orElseThrow();
      final List<ContentModelCredit> models = new ArrayList<>();
      for (final AttributionModel model : AttributionModel.values()) {
        final Map<String, Long> gmv = new TreeMap<>();
        final Map<String, Set<String>> payers = new TreeMap<>();
        final List<Long> times = new ArrayList<>();
        long conversions = 0;
        for (final Map.Entry<String, List<ContentCredit>> payment : contentCredits.entrySet()) {
          final Conversion conversion = this.conversions.get(payment.getKey());
          for (final ContentCredit credit : payment.getValue()) {
            if (credit.row().equals(row) && credit.model() == model) {
              conversions++;
              gmv.merge(conversion.getCurrency(), credit.amount(), Long::sum);
              if (credit.amount() != 0) {
                payers.computeIfAbsent(conversion.getCurrency(), c -> new HashSet<>()).add(conversion.getPayer());
              }
              times.addAll(credit.times());
            }
          }
        }
        gmv.values().removeIf(amount -> amount == 0);
        final Map<String, Long> payerCounts = new TreeMap<>();
        payers.forEach((currency, persons) -> payerCounts.put(currency, (long) persons.size()));
        times.sort(Comparator.naturalOrder());
        models.add(new ContentModelCredit(model, conversions, gmv, payerCounts,
            times.isEmpty() ? null : times.get((times.size() - 1) / 2)));
      }
      final String[] parts = {row.substring(0, row.indexOf('|')), row.substring(row.indexOf('|') + 1, row.length() - 11),
          row.substring(row.length() - 10)};
      final LocalDate day = LocalDate.parse(parts[2]);
      final long closesAt = day.plusDays(1).atStartOfDay(config.timeZone()).toInstant().toEpochMilli()
          + config.lookback().toMillis() + config.grace().toMillis();
      rows.put(row, new ContentPerformance(ecosystem, ContentKind.valueOf(parts[0]), parts[1], day, config.timeZone().getId(),
          first.title(), first.campaign(), Instant.ofEpochMilli(first.time()), (long) touches.size(),
          touches.stream().map(Accepted::person).distinct().count(), models, closesAt <= watermark));
    });
    return rows;
  }

  // ---------------------------------------------------------------------------------------------
  // The funnel

  /** One person's place in one row: touched, and whether any journey of hers in it took a coupon, paid, and how much. */
  private static final class Share {
    boolean coupon;
    boolean paid;
    final Map<String, Long> gmv = new TreeMap<>();
  }

  /**
   * Per campaign and person: a read or scan starts a journey of the conversion window; the next
   * one after it ends starts the next. A coupon of the campaign in the journey is its coupon step;
   * a payment after that coupon and in the journey is its paid step and its money. A person counts
   * once per row (campaign, cohort day of the journey's start). A row is final once every
   * partition of every input has passed its close.
   */
  private Map<String, FunnelRow> funnel() {
    final Map<String, Map<String, Share>> rows = new TreeMap<>();
    persons.forEach((key, person) -> {
      final Map<String, List<Long>> starts = new TreeMap<>();
      for (final Touch t : person.touches) {
        if (!t.kind().equals("COUPON") && t.campaign() != null) {
          starts.computeIfAbsent(t.campaign(), c -> new ArrayList<>()).add(t.time());
        }
      }
      starts.forEach((campaign, times) -> {
        long end = Long.MIN_VALUE;
        for (final long start : times.stream().sorted().toList()) {
          if (start <= end) {
            continue;
          }
          end = start + config.conversionWindow().toMillis();
          final long journeyEnd = end;
          final long coupon = person.touches.stream()
              .filter(t -> t.kind().equals("COUPON") && campaign.equals(t.campaign()) && t.time() >= start && t.time() <= journeyEnd)
              .mapToLong(Touch::time).min().orElse(Long.MAX_VALUE);
          final LocalDate day = LocalDate.ofInstant(Instant.ofEpochMilli(start), config.timeZone());
          final Share share = rows.computeIfAbsent(campaign + "|" + day, r -> new LinkedHashMap<>())
              .computeIfAbsent(key, p -> new Share());
          share.coupon |= coupon != Long.MAX_VALUE;
          for (final Pay pay : person.payments) {
            if (pay.time() >= coupon && pay.time() <= journeyEnd) {
              share.paid = true;
              share.gmv.merge(pay.currency(), pay.amount(), Long::sum);
            }
          }
        }
      });
    });
    // Credits are booked on the row of their campaign and the day paid, whoever was touched that day.
    final Map<String, Map<String, Long>> attributed = new TreeMap<>();
    credits.forEach((transactionId, byCampaign) -> {
      final Conversion conversion = conversions.get(transactionId);
      final LocalDate day = LocalDate.ofInstant(conversion.getPaidAt(), config.timeZone());
      byCampaign.forEach((campaign, amount) -> {
        rows.computeIfAbsent(campaign + "|" + day, r -> new LinkedHashMap<>());
        attributed.computeIfAbsent(campaign + "|" + day, r -> new TreeMap<>()).merge(conversion.getCurrency(), amount, Long::sum);
      });
    });
    final long watermark = watermark();
    final Map<String, FunnelRow> funnel = new TreeMap<>();
    rows.forEach((rowKey, shares) -> {
      final String campaign = rowKey.substring(0, rowKey.lastIndexOf('|'));
      final LocalDate day = LocalDate.parse(rowKey.substring(rowKey.lastIndexOf('|') + 1));
      final Map<String, Long> gmv = new TreeMap<>();
      shares.values().forEach(s -> s.gmv.forEach((currency, amount) -> gmv.merge(currency, amount, Long::sum)));
      gmv.values().removeIf(amount -> amount == 0);
      // The persons behind each currency's money: the paid users with money in it.
      final Map<String, Long> payers = new TreeMap<>();
      shares.values().forEach(s -> s.gmv.forEach((currency, amount) -> payers.merge(currency, amount == 0 ? 0L : 1L, Long::sum)));
      payers.values().removeIf(n -> n == 0);
      funnel.put(rowKey, new FunnelRow(ecosystem, campaign, day, config.timeZone().getId(), (long) shares.size(),
          shares.values().stream().filter(s -> s.coupon).count(), shares.values().stream().filter(s -> s.paid).count(), gmv,
          payers, attributed.getOrDefault(rowKey, Map.of()), config.rowClosesAt(day) <= watermark));
    });
    return funnel;
  }

  /** The smallest clock of every partition of every input (reads, scans, coupons, payments); none while one is unheard. */
  private long watermark() {
    long min = Long.MAX_VALUE;
    for (final String kind : List.of("READ", "SCAN", "COUPON", "PAYMENT")) {
      for (int p = 0; p < config.inputPartitions(); p++) {
        min = Math.min(min, clocks.getOrDefault(p + "." + kind, Long.MIN_VALUE));
      }
    }
    return min;
  }

  // ---------------------------------------------------------------------------------------------
  // Small things

  private void deadLetter(final String reason, final InputRecord record) {
    deadLetters.add(new DeadLetter(reason, record.topic(), record.partition(), record.offset()));
  }

  private void count(final Ledger.Outcome outcome, final String kind) {
    ledger.merge(outcome.key(kind), 1L, Long::sum);
  }

  private static String kindOf(final String topic) {
    final String suffix = topic.substring(topic.indexOf('.') + 1);
    return switch (suffix) {
      case "reads" -> "READ";
      case "scans" -> "SCAN";
      case "coupon-clicks" -> "COUPON";
      case "payments" -> "PAYMENT";
      case "content" -> "ARTICLE";
      default -> throw new IllegalArgumentException("not an input topic: " + topic);
    };
  }

  private static Class<? extends SpecificRecord> typeOf(final String kind) {
    return switch (kind) {
      case "READ" -> ArticleRead.class;
      case "SCAN" -> QrScan.class;
      case "COUPON" -> CouponClick.class;
      default -> Payment.class;
    };
  }

  private static boolean blank(final String value) {
    return value == null || value.isBlank();
  }

  private static boolean tooLong(final String value) {
    return value != null && value.length() > MAX_ID;
  }

  private static String orNull(final String value) {
    return blank(value) ? null : value;
  }
}

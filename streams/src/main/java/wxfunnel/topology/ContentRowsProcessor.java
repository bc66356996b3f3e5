package wxfunnel.topology;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.ContentModelCredit;
import wxfunnel.events.ContentPerformance;
import wxfunnel.internal.ContentCredit;
import wxfunnel.internal.ContentDelta;
import wxfunnel.topics.Names;

/**
 * Sums the persons' touches and their payments' credits into one row per content and day of
 * touch, and upserts it: each row changed is sent every {@link PersonProcessor#SEND_INTERVAL}. Its distinct persons and its times to convert (for the medians) are kept
 * beside it until the row is final: once every person task's watermark has passed the day's end
 * plus the lookback and grace, no accepted record can change it. It is then marked final and
 * released with everything kept for it.
 */
final class ContentRowsProcessor extends EcosystemProcessor<String, ContentDelta, String, ContentPerformance> {

  private static final Logger log = LoggerFactory.getLogger(ContentRowsProcessor.class);
  /** Between a row (or a model) and what is kept for it in the persons' and times' stores. */
  private static final char UNDER = '\u0000';
  private static final StringSerializer KEYS = new StringSerializer();
  private static final Comparator<String> BY_NAME = Comparator.nullsFirst(Comparator.naturalOrder());

  private KeyValueStore<String, ContentPerformance> rows;
  /** The rows changed since they were last sent: kept with them, so a crash loses no send. */
  private KeyValueStore<String, Long> pending;
  /** The row's distinct persons; and, after a NUL, its payers per model and currency, each with their payments crediting it money. */
  private KeyValueStore<String, Long> persons;
  /** Per row and model, each time to convert and how many credited touches took that long. */
  private KeyValueStore<String, Long> times;
  private PartitionClocks watermarks;
  /** The earliest close of a row in the store (unknown after a restart: the first watermark looks). */
  private long nextClose = Long.MIN_VALUE;

  ContentRowsProcessor(final FunnelConfig config, final Names names) {
    super(config, names);
  }

  @Override
  void open() {
    this.rows = store(Names.CONTENT_ROWS);
    this.pending = store(Names.CONTENT_PENDING);
    context.schedule(PersonProcessor.SEND_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::send);
    this.persons = store(Names.CONTENT_PERSONS);
    this.times = store(Names.CONTENT_TIMES);
    this.watermarks = new PartitionClocks(config.inputPartitions(), store(Names.CONTENT_WATERMARKS));
  }

  @Override
  public void process(final Record<String, ContentDelta> record) {
    final ContentDelta delta = record.value();
    final long closed = watermarks.smallest();
    if (delta.getWatermark() != null) {
      watermarks.advance(delta.getSourceTask(), delta.getWatermark());
    }
    if (!delta.getRow().isEmpty()) {
      apply(delta, closed, record.timestamp());
    }
    final long watermark = watermarks.smallest();
    if (watermark != Long.MIN_VALUE && watermark >= nextClose) {
      close(watermark, record.timestamp());
    }
  }

  private void apply(final ContentDelta delta, final long closed, final long timestamp) {
    final String key = delta.getRow();
    if (config.contentRowClosesAt(Content.day(key)) <= closed) {
      // Every person task has passed this row's end: no accepted record can reach it. Never expected.
      log.error("a change to the final content row of {} {} arrived after it closed; it is not applied", Content.kind(key), ecosystem);
      return;
    }
    final ContentPerformance current = rows.get(key);
    final ContentPerformance row = current != null ? current : empty(key);
    if (delta.getTouches() != 0) {
      touched(row, delta);
    }
    if (!delta.getCredits().isEmpty()) {
      credited(row, delta);
    }
    rows.put(key, row);
    pending.put(key, timestamp);
    nextClose = Math.min(nextClose, config.contentRowClosesAt(row.getDay()));
  }

  /** Sends each row changed since its last send, once: a busy row is one record per send, not one per touch. */
  private void send(final long now) {
    final List<String> changed = new ArrayList<>();
    try (KeyValueIterator<String, Long> all = pending.all()) {
      all.forEachRemaining(entry -> changed.add(entry.key));
    }
    for (final String key : changed) {
      pending.delete(key);
      final ContentPerformance row = rows.get(key);
      if (row != null) {
        context.forward(new Record<>(key, row, now, new RecordHeaders()));
      }
    }
  }

  /** A touch: counted, its person counted once, and the row takes the title and campaign of its earliest touch. */
  private void touched(final ContentPerformance row, final ContentDelta delta) {
    row.setTouches(row.getTouches() + delta.getTouches());
    final String person = under(delta.getRow()) + delta.getPerson();
    if (persons.get(person) == null) {
      persons.put(person, 1L);
      row.setPersons(row.getPersons() + 1);
    }
    if (isEarlier(delta, row)) {
      row.setFirstTouchAt(Instant.ofEpochMilli(delta.getTouchTime()));
      row.setCampaignId(delta.getCampaignId());
      row.setTitle(delta.getTitle());
    }
  }

  /** Whether the touch comes before the row's earliest so far: by time, then by campaign and title, so any order of arrival agrees. */
  private static boolean isEarlier(final ContentDelta touch, final ContentPerformance row) {
    if (row.getFirstTouchAt() == null || touch.getTouchTime() != row.getFirstTouchAt().toEpochMilli()) {
      return row.getFirstTouchAt() == null || touch.getTouchTime() < row.getFirstTouchAt().toEpochMilli();
    }
    return BY_NAME.compare(touch.getCampaignId(), row.getCampaignId()) < 0
        || (Objects.equals(touch.getCampaignId(), row.getCampaignId()) && BY_NAME.compare(touch.getTitle(), row.getTitle()) < 0);
  }

  /** One payment's credits, added or taken back, with its payer; each model's median follows its times. */
  private void credited(final ContentPerformance row, final ContentDelta delta) {
    final int sign = delta.getSign();
    for (final ContentCredit credit : delta.getCredits()) {
      final ContentModelCredit model = row.getCredits().get(credit.getModel().ordinal());
      model.setConversions(model.getConversions() + sign);
      if (credit.getAmount() != 0) {
        final Map<String, Long> gmv = new TreeMap<>(model.getGmv());
        Journeys.addMoney(gmv, Map.of(delta.getCurrency(), credit.getAmount()), sign);
        model.setGmv(gmv);
        paid(delta, credit.getModel(), model, sign);
      }
      final String prefix = timesOf(delta.getRow(), credit.getModel());
      for (final long time : credit.getTimes()) {
        final String entry = prefix + String.format(Locale.ROOT, "%019d", time);
        final long count = (times.get(entry) == null ? 0 : times.get(entry)) + sign;
        if (count == 0) {
          times.delete(entry);
        } else {
          times.put(entry, count);
        }
      }
      model.setMedianTimeToConvertMs(median(prefix));
    }
  }

  /**
   * Counts the payer of money credited under {@code credit}'s model in or out of the row's payers
   * in its currency: once per person, however many of their payments credit the row. Credits kept
   * before payers were counted have no payer, and were never counted in.
   */
  private void paid(final ContentDelta delta, final AttributionModel model, final ContentModelCredit credit, final int sign) {
    if (delta.getPerson() == null) {
      return;
    }
    final String key = under(delta.getRow()) + UNDER + model.name() + UNDER + delta.getCurrency() + UNDER + delta.getPerson();
    final Long kept = persons.get(key);
    final long payments = (kept == null ? 0 : kept) + sign;
    if (payments < 0) {
      return;
    }
    if (payments == 0) {
      persons.delete(key);
    } else {
      persons.put(key, payments);
    }
    if (payments == (sign > 0 ? 1 : 0)) {
      final Map<String, Long> payers = new TreeMap<>(credit.getPayers());
      Journeys.addMoney(payers, Map.of(delta.getCurrency(), 1L), sign);
      credit.setPayers(payers);
    }
  }

  /** The lower median of the times kept under {@code prefix}; null when there are none. */
  private Long median(final String prefix) {
    final List<KeyValue<String, Long>> counted = new ArrayList<>();
    try (KeyValueIterator<String, Long> all = times.prefixScan(prefix, KEYS)) {
      all.forEachRemaining(counted::add);
    }
    final long n = counted.stream().mapToLong(kv -> kv.value).sum();
    long before = 0;
    for (final KeyValue<String, Long> time : counted) {
      before += time.value;
      if (before > (n - 1) / 2) {
        return Long.parseLong(time.key.substring(prefix.length()));
      }
    }
    return null;
  }

  private static String timesOf(final String row, final AttributionModel model) {
    return under(row) + model.name() + UNDER;
  }

  /**
   * The prefix of what is kept for {@code row}: its length first, so that no other row's prefix
   * starts with it whatever characters ids hold.
   */
  private static String under(final String row) {
    return row.length() + ":" + row + UNDER;
  }

  /** Marks final, and releases with what is kept for them, the rows the watermark has passed; notes when the next one closes. */
  private void close(final long watermark, final long timestamp) {
    final List<KeyValue<String, ContentPerformance>> all = new ArrayList<>();
    try (KeyValueIterator<String, ContentPerformance> iterator = rows.all()) {
      iterator.forEachRemaining(all::add);
    }
    nextClose = Long.MAX_VALUE;
    for (final KeyValue<String, ContentPerformance> entry : all) {
      final long closesAt = config.contentRowClosesAt(entry.value.getDay());
      if (closesAt <= watermark) {
        entry.value.setFinal$(true);
        rows.delete(entry.key);
        pending.delete(entry.key);
        release(persons, entry.key);
        release(times, entry.key);
        context.forward(new Record<>(entry.key, entry.value, timestamp, new RecordHeaders()));
      } else {
        nextClose = Math.min(nextClose, closesAt);
      }
    }
  }

  private static void release(final KeyValueStore<String, Long> store, final String row) {
    final List<String> keys = new ArrayList<>();
    try (KeyValueIterator<String, Long> kept = store.prefixScan(under(row), KEYS)) {
      kept.forEachRemaining(kv -> keys.add(kv.key));
    }
    keys.forEach(store::delete);
  }

  private ContentPerformance empty(final String key) {
    final List<ContentModelCredit> credits = new ArrayList<>();
    for (final AttributionModel model : AttributionModel.values()) {
      credits.add(new ContentModelCredit(model, 0L, new TreeMap<>(), new TreeMap<>(), null));
    }
    return ContentPerformance.newBuilder()
        .setEcosystem(ecosystem)
        .setContentKind(Content.kind(key))
        .setContentId(Content.id(key))
        .setDay(Content.day(key))
        .setTimeZone(config.timeZone().getId())
        .setTitle(null)
        .setCampaignId(null)
        .setFirstTouchAt(null)
        .setTouches(0)
        .setPersons(0)
        .setCredits(credits)
        .setFinal$(false)
        .build();
  }
}

package wxfunnel.topology;

import java.util.Locale;
import java.util.stream.Stream;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wxfunnel.events.Article;
import wxfunnel.serde.AvroDeserializer;
import wxfunnel.serde.UndecodableRecordException;
import wxfunnel.topics.DlqReason;
import wxfunnel.topics.Names;

/**
 * Keeps the content catalog that every task reads to resolve a touch's campaign: each version of
 * an article from its {@code published_at} on, so that a touch takes the campaign its article had
 * when it was touched, never a later one. A global store: Kafka Streams reads the whole catalog
 * before it processes any event, so a replay resolves exactly as the first run did when the
 * catalog was there before the events.
 *
 * <p>A catalog record is checked like an event: one that is not a valid Article of this
 * ecosystem becomes no version; its verdict, kept beside the articles, takes it to the DLQ with
 * its reason ({@link CatalogVerdicts}). A tombstone (an article withdrawn) changes nothing:
 * touches keep the campaign their article had.
 */
final class CatalogUpdater extends EcosystemProcessor<byte[], byte[], Void, Void> {

  private static final Logger log = LoggerFactory.getLogger(CatalogUpdater.class);

  /** Starts a version kept with its title (see {@link #version}). */
  private static final String VERSION = "\u0001";

  private final AvroDeserializer<Article> deserializer;
  private KeyValueStore<String, String> catalog;

  CatalogUpdater(final FunnelConfig config, final Names names, final AvroDeserializer<Article> deserializer) {
    super(config, names);
    this.deserializer = deserializer;
  }

  @Override
  void open() {
    this.catalog = store(Names.CATALOG);
  }

  @Override
  public void process(final Record<byte[], byte[]> record) {
    if (record.value() == null) {
      return;
    }
    final RecordMetadata source = context.recordMetadata().orElseThrow();
    final Article article = decode(record, source);
    if (article == null) {
      return;
    }
    final Input.Problem problem = check(article);
    if (problem != null) {
      reject(record, source, problem.reason(), problem.message(), record.value());
      return;
    }
    final String campaign = article.getCampaignId();
    catalog.put(key(article.getMsgId(), article.getPublishedAt().toEpochMilli()),
        version(campaign == null || campaign.isBlank() ? "" : campaign, article.getTitle()));
    catalog.put(CatalogVerdicts.key(source.partition(), source.offset()), CatalogVerdicts.accepted());
  }

  /** The article, or null when the record is rejected for its bytes (too many of them, or no Article). */
  private Article decode(final Record<byte[], byte[]> record, final RecordMetadata source) {
    final Input.Problem tooLarge = Input.sizeProblem(record.key(), record.value());
    if (tooLarge != null) {
      reject(record, source, tooLarge.reason(), tooLarge.message() + " (its bytes are not kept)", null);
      return null;
    }
    try {
      return deserializer.deserialize(source.topic(), record.value());
    } catch (UndecodableRecordException e) {
      reject(record, source, IntakeProcessor.reason(e.problem()), e.getMessage(), record.value());
      return null;
    }
  }

  private Input.Problem check(final Article article) {
    if (article.getEcosystem() != ecosystem) {
      return new Input.Problem(DlqReason.WRONG_ECOSYSTEM, "ecosystem " + article.getEcosystem() + " in the " + ecosystem + " catalog");
    }
    if (article.getMsgId().isBlank()) {
      return new Input.Problem(DlqReason.MISSING_FIELD, "msg_id is empty");
    }
    if (Stream.of(article.getMsgId(), article.getAccountId(), article.getCampaignId())
        .anyMatch(id -> id != null && id.length() > Input.MAX_ID_LENGTH)) {
      return new Input.Problem(DlqReason.INVALID_FIELD, "an id is longer than " + Input.MAX_ID_LENGTH + " characters");
    }
    return article.getTitle().length() > Input.MAX_TEXT_LENGTH
        ? new Input.Problem(DlqReason.INVALID_FIELD, "title is longer than " + Input.MAX_TEXT_LENGTH + " characters") : null;
  }

  private void reject(final Record<byte[], byte[]> record, final RecordMetadata source, final DlqReason reason, final String error,
      final byte[] value) {
    catalog.put(CatalogVerdicts.key(source.partition(), source.offset()),
        CatalogVerdicts.rejected(reason, error, source.topic(), record.timestamp(), value == null ? null : record.key(), value));
    log.warn("rejected catalog record {}-{}@{} ({}): {}", source.topic(), source.partition(), source.offset(), reason, error);
  }

  /** The campaign of {@code msgId} as published at or before {@code time}; null for none. */
  static String campaignAt(final ReadOnlyKeyValueStore<String, String> catalog, final String msgId, final long time) {
    final String campaign = part(versionAt(catalog, msgId, time), true);
    return campaign == null || campaign.isEmpty() ? null : campaign;
  }

  /** The title of {@code msgId} as published at or before {@code time}; null when not in the catalog then. */
  static String titleAt(final ReadOnlyKeyValueStore<String, String> catalog, final String msgId, final long time) {
    return part(versionAt(catalog, msgId, time), false);
  }

  /** The version of {@code msgId} in force at {@code time}; null for none. */
  private static String versionAt(final ReadOnlyKeyValueStore<String, String> catalog, final String msgId, final long time) {
    try (KeyValueIterator<String, String> versions = catalog.reverseRange(key(msgId, 0), key(msgId, time))) {
      return versions.hasNext() ? versions.next().value : null;
    }
  }

  /**
   * A version as kept: the marker, the campaign's length, a colon, the campaign (empty for none),
   * the title. A version kept before titles were has its campaign alone, and no title.
   */
  private static String version(final String campaign, final String title) {
    return VERSION + campaign.length() + ":" + campaign + title;
  }

  /** The campaign ({@code campaign} true) or the title of a kept version; null for none. */
  private static String part(final String version, final boolean campaign) {
    if (version == null || !version.startsWith(VERSION)) {
      return campaign ? version : null;
    }
    final int colon = version.indexOf(':');
    final int end = colon + 1 + Integer.parseInt(version.substring(1, colon));
    return campaign ? version.substring(colon + 1, end) : version.substring(end);
  }

  /** An article's version: its msg_id, then its publication time in digits that sort as they count. */
  private static String key(final String msgId, final long publishedAt) {
    return msgId + '\u0000' + String.format(Locale.ROOT, "%019d", Math.max(0, publishedAt));
  }
}

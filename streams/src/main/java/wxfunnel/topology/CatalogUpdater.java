package wxfunnel.topology;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wxfunnel.events.Article;
import wxfunnel.events.Ecosystem;
import wxfunnel.serde.AvroDeserializer;
import wxfunnel.serde.UndecodableRecordException;

/**
 * Keeps the content catalog that every task reads to resolve a touch's campaign: each version of
 * an article from its {@code published_at} on, so that a touch takes the campaign its article had
 * when it was touched, never a later one. A global store: Kafka Streams reads the whole catalog
 * before it processes any event, so a replay resolves exactly as the first run did when the
 * catalog was there before the events.
 *
 * <p>A catalog record that is not a valid Article of this ecosystem is skipped with a warning
 * naming its offset and reason: a global store has no way to the DLQ. A tombstone (an article
 * withdrawn) changes nothing: touches keep the campaign their article had.
 */
final class CatalogUpdater implements Processor<byte[], byte[], Void, Void> {

  private static final Logger log = LoggerFactory.getLogger(CatalogUpdater.class);

  private final String storeName;
  private final Ecosystem ecosystem;
  private final AvroDeserializer<Article> deserializer;
  private ProcessorContext<Void, Void> context;
  private KeyValueStore<String, String> catalog;

  CatalogUpdater(final String storeName, final Ecosystem ecosystem, final AvroDeserializer<Article> deserializer) {
    this.storeName = storeName;
    this.ecosystem = ecosystem;
    this.deserializer = deserializer;
  }

  @Override
  public void init(final ProcessorContext<Void, Void> context) {
    this.context = context;
    this.catalog = context.getStateStore(storeName);
  }

  @Override
  public void process(final Record<byte[], byte[]> record) {
    if (record.value() == null) {
      return;
    }
    final RecordMetadata source = context.recordMetadata().orElseThrow();
    final Article article;
    try {
      article = deserializer.deserialize(source.topic(), record.value());
    } catch (UndecodableRecordException e) {
      skip(source, e.getMessage());
      return;
    }
    if (article.getEcosystem() != ecosystem) {
      skip(source, "ecosystem " + article.getEcosystem() + " in the " + ecosystem + " catalog");
    } else if (article.getMsgId().isBlank() || article.getMsgId().length() > Input.MAX_ID_LENGTH
        || (article.getCampaignId() != null && article.getCampaignId().length() > Input.MAX_ID_LENGTH)) {
      skip(source, "msg_id empty, or an id longer than " + Input.MAX_ID_LENGTH + " characters");
    } else {
      final String campaign = article.getCampaignId();
      catalog.put(key(article.getMsgId(), article.getPublishedAt().toEpochMilli()), campaign == null || campaign.isBlank() ? "" : campaign);
    }
  }

  /** The campaign of {@code msgId} as published at or before {@code time}; null for none. */
  static String campaignAt(final ReadOnlyKeyValueStore<String, String> catalog, final String msgId, final long time) {
    try (KeyValueIterator<String, String> versions = catalog.reverseRange(key(msgId, 0), key(msgId, time))) {
      final String campaign = versions.hasNext() ? versions.next().value : "";
      return campaign.isEmpty() ? null : campaign;
    }
  }

  /** An article's version: its msg_id, then its publication time in digits that sort as they count. */
  private static String key(final String msgId, final long publishedAt) {
    return msgId + '\u0000' + String.format(Locale.ROOT, "%019d", Math.max(0, publishedAt));
  }

  private static void skip(final RecordMetadata source, final String why) {
    log.warn("skipped catalog record {}-{}@{}: {}", source.topic(), source.partition(), source.offset(), why);
  }
}

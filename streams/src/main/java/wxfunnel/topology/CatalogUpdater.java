package wxfunnel.topology;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wxfunnel.events.Article;
import wxfunnel.events.Ecosystem;
import wxfunnel.serde.AvroDeserializer;
import wxfunnel.serde.UndecodableRecordException;

/**
 * Keeps the content catalog (msg_id to campaign) that every task reads to resolve a touch's
 * campaign. A catalog record that is not a valid Article of this ecosystem is skipped with a
 * warning naming its offset and reason: a global store has no way to the DLQ.
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
    final RecordMetadata source = context.recordMetadata().orElseThrow();
    if (record.key() == null) {
      skip(source, "no msg_id key");
      return;
    }
    final String msgId = new String(record.key(), StandardCharsets.UTF_8);
    if (record.value() == null) {
      catalog.delete(msgId);
      return;
    }
    final Article article;
    try {
      article = deserializer.deserialize(source.topic(), record.value());
    } catch (UndecodableRecordException e) {
      skip(source, e.getMessage());
      return;
    }
    if (article.getEcosystem() != ecosystem) {
      skip(source, "ecosystem " + article.getEcosystem() + " in the " + ecosystem + " catalog");
    } else if (article.getCampaignId() == null || article.getCampaignId().isBlank()) {
      catalog.delete(article.getMsgId());
    } else {
      catalog.put(article.getMsgId(), article.getCampaignId());
    }
  }

  private static void skip(final RecordMetadata source, final String why) {
    log.warn("skipped catalog record {}-{}@{}: {}", source.topic(), source.partition(), source.offset(), why);
  }
}

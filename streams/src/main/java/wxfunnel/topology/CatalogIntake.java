package wxfunnel.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import wxfunnel.events.Article;
import wxfunnel.events.Ecosystem;
import wxfunnel.internal.EventKind;
import wxfunnel.internal.PersonEvent;
import wxfunnel.serde.AvroDeserializer;
import wxfunnel.serde.UndecodableRecordException;

/**
 * The door of the content catalog: an article is an input like any event. What is not a valid
 * Article of this ecosystem goes to the DLQ with its reason; a valid one goes to every person
 * partition, where it resolves the campaign of the touches that name its {@code msg_id} from its
 * {@code published_at} on. A tombstone (an article withdrawn) is counted and changes nothing: a
 * touch keeps the campaign its article had when it was touched.
 */
final class CatalogIntake implements Processor<byte[], byte[], String, Routed> {

  /** DESIGN 5a: free text at most 1,024 characters. */
  static final int MAX_TEXT_LENGTH = 1_024;

  private final Ecosystem ecosystem;
  private final FunnelConfig config;
  private final AvroDeserializer<Article> deserializer;
  private ProcessorContext<String, Routed> context;

  CatalogIntake(final Ecosystem ecosystem, final FunnelConfig config, final AvroDeserializer<Article> deserializer) {
    this.ecosystem = ecosystem;
    this.config = config;
    this.deserializer = deserializer;
  }

  @Override
  public void init(final ProcessorContext<String, Routed> context) {
    this.context = context;
  }

  @Override
  public void process(final Record<byte[], byte[]> record) {
    final RecordMetadata source = context.recordMetadata().orElseThrow();
    if (record.value() == null) {
      forward(record, source, null);
      return;
    }
    if (record.value().length > Input.MAX_RECORD_BYTES) {
      reject(record, source, DlqReason.INVALID_FIELD, "a record of " + record.value().length + " bytes; at most "
          + Input.MAX_RECORD_BYTES + " are accepted");
      return;
    }
    final Article article;
    try {
      article = deserializer.deserialize(source.topic(), record.value());
    } catch (UndecodableRecordException e) {
      reject(record, source, IntakeProcessor.reason(e.problem()), e.getMessage());
      return;
    }
    final Input.Problem problem = check(article);
    if (problem != null) {
      reject(record, source, problem.reason(), problem.message());
      return;
    }
    forward(record, source, article);
  }

  private Input.Problem check(final Article article) {
    if (article.getEcosystem() != ecosystem) {
      return new Input.Problem(DlqReason.WRONG_ECOSYSTEM, "ecosystem " + article.getEcosystem() + " in the " + ecosystem + " catalog");
    }
    for (final String required : new String[] {article.getMsgId(), article.getAccountId()}) {
      if (required == null || required.isBlank()) {
        return new Input.Problem(DlqReason.MISSING_FIELD, "msg_id and account_id are required");
      }
    }
    if (article.getMsgId().length() > Input.MAX_ID_LENGTH || article.getAccountId().length() > Input.MAX_ID_LENGTH
        || (article.getCampaignId() != null && article.getCampaignId().length() > Input.MAX_ID_LENGTH)) {
      return new Input.Problem(DlqReason.INVALID_FIELD, "an id is longer than " + Input.MAX_ID_LENGTH + " characters");
    }
    if (article.getTitle().length() > MAX_TEXT_LENGTH) {
      return new Input.Problem(DlqReason.INVALID_FIELD, "title is longer than " + MAX_TEXT_LENGTH + " characters");
    }
    if (article.getPublishedAt().isBefore(config.earliest())) {
      return new Input.Problem(DlqReason.INVALID_TIMESTAMP, "published_at is before " + config.earliest());
    }
    return null;
  }

  /** An article (or, when null, a tombstone) on its way to every person partition. */
  private void forward(final Record<byte[], byte[]> record, final RecordMetadata source, final Article article) {
    final PersonEvent.Builder entry = PersonEvent.newBuilder()
        .setKind(EventKind.ARTICLE)
        .setEventId(article == null ? "" : article.getMsgId())
        .setEventTime(article == null ? 0 : article.getPublishedAt().toEpochMilli())
        .setHasUnionid(false)
        .setMsgId(article == null ? null : article.getMsgId())
        .setCampaignId(article == null || article.getCampaignId() == null || article.getCampaignId().isBlank()
            ? null : article.getCampaignId())
        .setSourceTopic(source.topic())
        .setSourcePartition(source.partition())
        .setSourceOffset(source.offset())
        .setRawValue(ByteBuffer.allocate(0));
    final String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
    context.forward(new Record<String, Routed>(key, new Routed.Accepted(entry.build()), record.timestamp(), new RecordHeaders()));
  }

  private void reject(final Record<byte[], byte[]> record, final RecordMetadata source, final DlqReason reason, final String error) {
    context.forward(new Record<String, Routed>(null, new Routed.Rejected(record.key(), record.value()), record.timestamp(),
        DeadLetters.headers(reason, error, source.topic(), source.partition(), source.offset())));
  }
}

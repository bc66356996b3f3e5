package wxfunnel.topics;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** The headers of a dead-letter record: why, and where the original bytes came from. */
public final class DeadLetters {

  public static final String REASON = "wxfunnel.reason";
  public static final String ERROR = "wxfunnel.error";
  public static final String SOURCE_TOPIC = "wxfunnel.source.topic";
  public static final String SOURCE_PARTITION = "wxfunnel.source.partition";
  public static final String SOURCE_OFFSET = "wxfunnel.source.offset";
  private static final int MAX_ERROR_LENGTH = 500;

  private DeadLetters() {}

  /**
   * Headers for a rejected record. {@code error} says what is wrong in words that never quote
   * the record's content, so no user id reaches the DLQ headers or a log.
   */
  public static Headers headers(final DlqReason reason, final String error, final String topic,
      final int partition, final long offset) {
    final String message = error == null ? reason.name() : error;
    return new RecordHeaders()
        .add(REASON, bytes(reason.name()))
        .add(ERROR, bytes(message.length() > MAX_ERROR_LENGTH ? message.substring(0, MAX_ERROR_LENGTH) : message))
        .add(SOURCE_TOPIC, bytes(topic))
        .add(SOURCE_PARTITION, bytes(Integer.toString(partition)))
        .add(SOURCE_OFFSET, bytes(Long.toString(offset)));
  }

  /** The bytes of an input record carried in a buffer, to dead-letter as they came; null stays null. */
  public static byte[] copyOf(final ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    final byte[] copy = new byte[buffer.remaining()];
    buffer.duplicate().get(copy);
    return copy;
  }

  private static byte[] bytes(final String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}

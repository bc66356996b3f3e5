package wxfunnel.topology;

import java.util.Base64;
import java.util.Locale;
import java.util.function.Consumer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import wxfunnel.topics.DeadLetters;
import wxfunnel.topics.DlqReason;
import wxfunnel.topics.Ledger;

/**
 * The catalog's verdict on each of its input records, and the audit that gives the catalog what
 * every other input gets: its accepted records counted in the ledger, each rejected one in the
 * DLQ with its reason.
 *
 * <p>The global store that reads the catalog cannot write to a topic, so it writes its verdicts
 * beside the articles, keyed by the record's partition and offset ({@code \0} and digits: no
 * article's key looks like that). Each second the person task of partition 0 audits the verdicts
 * it has not seen yet, within its own transaction, and keeps in the ledger how far it has got in
 * each catalog partition; a restart or a replay audits each record exactly once, as for events.
 */
final class CatalogVerdicts {

  /** Ledger key: the catalog records accepted. */
  private static final String ACCEPTED = Ledger.Outcome.ACCEPTED.key(Ledger.ARTICLE);
  private static final String FIRST_KEY = "\u0000";
  private static final String PAST_LAST_KEY = "\u0001";
  private static final int KEY_LENGTH = 1 + 10 + 19;
  private static final String SEPARATOR = "\u0000";
  private static final String NO_BYTES = "-";

  private CatalogVerdicts() {}

  /** Where the verdict on the record at {@code partition} and {@code offset} is kept. */
  static String key(final int partition, final long offset) {
    return String.format(Locale.ROOT, "\u0000%010d%019d", partition, offset);
  }

  /** The verdict on a record that became a version of its article. */
  static String accepted() {
    return "";
  }

  /** The verdict on a record to dead-letter: everything its DLQ record needs. */
  static String rejected(final DlqReason reason, final String error, final String topic, final long timestamp,
      final byte[] key, final byte[] value) {
    return String.join(SEPARATOR, reason.name(), topic, Long.toString(timestamp), encode(key), encode(value), error);
  }

  /**
   * Counts or dead-letters each verdict past the ledger's mark of its partition, in offset order,
   * and moves the marks.
   */
  static void audit(final ReadOnlyKeyValueStore<String, String> catalog, final KeyValueStore<String, Long> ledger,
      final Consumer<Record<String, Routed>> deadLetters) {
    Integer partition = nextPartition(catalog, FIRST_KEY);
    while (partition != null) {
      final Long mark = ledger.get(Ledger.audited(partition));
      long audited = mark == null ? -1 : mark;
      try (KeyValueIterator<String, String> verdicts = catalog.range(key(partition, audited + 1), key(partition, Long.MAX_VALUE))) {
        while (verdicts.hasNext()) {
          final KeyValue<String, String> verdict = verdicts.next();
          if (isVerdictKey(verdict.key)) {
            audited = Long.parseLong(verdict.key.substring(11));
            take(partition, audited, verdict.value, ledger, deadLetters);
          }
        }
      }
      if (mark == null || audited != mark) {
        ledger.put(Ledger.audited(partition), audited);
      }
      partition = partition == Integer.MAX_VALUE ? null : nextPartition(catalog, key(partition + 1, 0));
    }
  }

  private static void take(final int partition, final long offset, final String verdict, final KeyValueStore<String, Long> ledger,
      final Consumer<Record<String, Routed>> deadLetters) {
    if (verdict.isEmpty()) {
      final Long count = ledger.get(ACCEPTED);
      ledger.put(ACCEPTED, count == null ? 1 : count + 1);
      return;
    }
    final String[] parts = verdict.split(SEPARATOR, 6);
    deadLetters.accept(new Record<>(null, new Routed.Rejected(decode(parts[3]), decode(parts[4])), Long.parseLong(parts[2]),
        DeadLetters.headers(DlqReason.valueOf(parts[0]), parts[5], parts[1], partition, offset)));
  }

  /** The partition of the first verdict at or after {@code from}; null when there is none. */
  private static Integer nextPartition(final ReadOnlyKeyValueStore<String, String> catalog, final String from) {
    try (KeyValueIterator<String, String> keys = catalog.range(from, PAST_LAST_KEY)) {
      while (keys.hasNext()) {
        final String key = keys.next().key;
        if (isVerdictKey(key)) {
          return Integer.parseInt(key.substring(1, 11));
        }
      }
    }
    return null;
  }

  /** Whether {@code key} is a verdict's, not an article's whose msg_id happens to start with {@code \0}. */
  private static boolean isVerdictKey(final String key) {
    return key.length() == KEY_LENGTH && key.charAt(0) == '\u0000' && key.chars().skip(1).allMatch(c -> c >= '0' && c <= '9');
  }

  private static String encode(final byte[] bytes) {
    return bytes == null ? NO_BYTES : Base64.getEncoder().encodeToString(bytes);
  }

  private static byte[] decode(final String text) {
    return text.equals(NO_BYTES) ? null : Base64.getDecoder().decode(text);
  }
}

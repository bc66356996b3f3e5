package wxfunnel.topology;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;
import wxfunnel.internal.EventKind;
import wxfunnel.internal.PersonEvent;

/**
 * The partition a person's events are processed in: where Kafka's default partitioner puts a
 * record keyed by the person key, in the by-person topic as in an input topic (they have as many
 * partitions). A producer that keys its records by person key lands each on that partition.
 */
final class PersonPartition {

  private PersonPartition() {}

  static int of(final String person, final int partitions) {
    return Utils.toPositive(Utils.murmur2(person.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  /**
   * Whether an accepted touch was read from its person's partition, so the task that read it is
   * the task that holds its person. A clock goes to every person partition, never only here.
   */
  static boolean isHere(final String person, final PersonEvent event, final int partitions) {
    return event.getKind() != EventKind.CLOCK && event.getSourcePartition() == of(person, partitions);
  }
}

package wxfunnel.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import wxfunnel.events.Ecosystem;
import wxfunnel.topics.Names;
import wxfunnel.topology.Input;

/** How far an ecosystem's processor is behind the end of everything it reads. */
public final class ProcessorLag {

  private static final long TIMEOUT_SECONDS = 30;
  private static final long POLL_MS = 250;

  /** How long nothing may move before a processor with no lag is settled: twice a clock interval and a commit. */
  static final Duration QUIET = Duration.ofSeconds(3);

  private ProcessorLag() {}

  /**
   * Records not yet processed and committed, over every partition of its input and repartition
   * topics. Streams writes repartition topics in transactions, so their last offset may be a
   * commit marker rather than a record: that one is not lag.
   */
  public static long of(final Admin admin, final Ecosystem ecosystem) throws Exception {
    return of(admin, new Names(ecosystem));
  }

  /** The same for the processor named by {@code names}, a shadow perhaps. */
  public static long of(final Admin admin, final Names names) throws Exception {
    return remaining(admin, names, inputEnds(admin, names)).total();
  }

  /** Records left: of the inputs, and of the repartition topics in between. */
  public record Remaining(long inputs, long internal) {
    public long total() {
      return inputs + internal;
    }
  }

  /** The end offset of every partition of the processor's inputs, now. */
  public static Map<TopicPartition, Long> inputEnds(final Admin admin, final Names names) throws Exception {
    return ends(admin, partitions(admin, Input.ALL.stream().map(input -> names.topic(input.topic())).toList()));
  }

  /**
   * What is left before the processor has committed its inputs up to {@code inputTargets} and
   * everything it repartitioned on the way.
   */
  public static Remaining remaining(final Admin admin, final Names names, final Map<TopicPartition, Long> inputTargets)
      throws Exception {
    return positions(admin, names).remaining(inputTargets);
  }

  /** {@link #awaitSettled(Admin, Names, Duration)} for an ecosystem's processor. */
  public static void awaitSettled(final Admin admin, final Ecosystem ecosystem, final Duration timeout) throws Exception {
    awaitSettled(admin, new Names(ecosystem), timeout);
  }

  /** {@link #awaitSettled(Admin, Names, Duration)} for each of {@code processors}, in turn. */
  public static void awaitSettled(final Admin admin, final List<Names> processors, final Duration timeout) throws Exception {
    for (final Names names : processors) {
      awaitSettled(admin, names, timeout);
    }
  }

  /** Waits until the processor has settled on its inputs as they end now; fails if it has not within {@code timeout}. */
  public static void awaitSettled(final Admin admin, final Names names, final Duration timeout) throws Exception {
    if (!settles(admin, names, inputEnds(admin, names), timeout)) {
      throw new IllegalStateException(names.applicationId() + " did not settle within " + timeout + ": "
          + positions(admin, names).remaining(inputEnds(admin, names)).total() + " records left, or its offsets still moving");
    }
  }

  /**
   * Waits until the processor has settled on its inputs up to {@code inputTargets}: no lag, and
   * neither its committed offsets nor its internal topics moved for {@link #QUIET}. With no lag,
   * what is left is what its punctuators still have to tell: summed funnel changes, clocks,
   * watermarks. Each is sent within a second and committed within a commit interval more, so a
   * processor still holding one moves within that time (unless its thread stalls for longer).
   * Returns whether it settled within {@code timeout}; one whose inputs keep growing does not.
   */
  public static boolean settles(final Admin admin, final Names names, final Map<TopicPartition, Long> inputTargets,
      final Duration timeout) throws Exception {
    final long deadline = System.nanoTime() + timeout.toNanos();
    Positions last = null;
    long quietSince = System.nanoTime();
    while (System.nanoTime() < deadline) {
      final Positions now = positions(admin, names);
      if (now.remaining(inputTargets).total() > 0 || !now.equals(last)) {
        last = now;
        quietSince = System.nanoTime();
      } else if (System.nanoTime() - quietSince >= QUIET.toNanos()) {
        return true;
      }
      Thread.sleep(POLL_MS);
    }
    return false;
  }

  /** Where the processor's group has committed, and where its internal topics end. */
  private record Positions(Map<TopicPartition, OffsetAndMetadata> committed, Map<TopicPartition, Long> internalEnds) {

    Remaining remaining(final Map<TopicPartition, Long> inputTargets) {
      long inputs = 0;
      for (final Map.Entry<TopicPartition, Long> target : inputTargets.entrySet()) {
        inputs += Math.max(0, target.getValue() - offset(committed.get(target.getKey())));
      }
      long internal = 0;
      for (final Map.Entry<TopicPartition, Long> end : internalEnds.entrySet()) {
        internal += Math.max(0, end.getValue() - offset(committed.get(end.getKey())) - 1);
      }
      return new Remaining(inputs, internal);
    }
  }

  private static Positions positions(final Admin admin, final Names names) throws Exception {
    return new Positions(admin.listConsumerGroupOffsets(names.applicationId()).partitionsToOffsetAndMetadata()
        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS), ends(admin, partitions(admin, names.repartitionTopics())));
  }

  private static long offset(final OffsetAndMetadata committed) {
    return committed == null ? 0 : committed.offset();
  }

  /** The partitions of those of {@code topics} that exist (a processor creates its internal topics when it starts). */
  private static List<TopicPartition> partitions(final Admin admin, final List<String> topics) throws Exception {
    final Set<String> existing = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    final List<String> present = topics.stream().filter(existing::contains).toList();
    final List<TopicPartition> partitions = new ArrayList<>();
    for (final TopicDescription topic : admin.describeTopics(present).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS).values()) {
      topic.partitions().forEach(p -> partitions.add(new TopicPartition(topic.name(), p.partition())));
    }
    return partitions;
  }

  private static Map<TopicPartition, Long> ends(final Admin admin, final List<TopicPartition> partitions) throws Exception {
    final Map<TopicPartition, Long> ends = new HashMap<>();
    admin.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())))
        .all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS).forEach((partition, info) -> ends.put(partition, info.offset()));
    return ends;
  }
}

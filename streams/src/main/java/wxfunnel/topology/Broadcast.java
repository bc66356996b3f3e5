package wxfunnel.topology;

import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * Partitions a repartition topic by key, as Kafka Streams does, except the clock records it
 * selects, which go to every partition (KIP-837): each downstream task must hear every upstream
 * task's clock, whether or not any of its keys passed through it.
 */
final class Broadcast {

  private Broadcast() {}

  static <V> StreamPartitioner<String, V> of(final Predicate<V> isClock) {
    return (topic, key, value, partitions) -> isClock.test(value)
        ? Optional.of(IntStream.range(0, partitions).boxed().collect(Collectors.toSet()))
        : Optional.<Set<Integer>>empty();
  }
}

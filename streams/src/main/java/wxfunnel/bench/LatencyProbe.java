package wxfunnel.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.Payment;
import wxfunnel.generator.Generated;
import wxfunnel.generator.Generator;
import wxfunnel.generator.TrafficModel;
import wxfunnel.generator.TrafficSender;
import wxfunnel.registry.SchemaRegistry;
import wxfunnel.topics.EcoTopic;

/**
 * Event-to-output latency: live traffic at a fixed rate into running processors, and for each
 * payment the time from handing it to the producer to its conversion being readable by a
 * {@code read_committed} consumer (so exactly-once's commit interval is part of it). The traffic is
 * that of a generator already running for {@link #WARM_UP}, so payments come at their steady share.
 */
final class LatencyProbe {

  /** Percentiles of the payments whose conversion came out while the probe listened. */
  record Latency(double rate, int payments, long p50Ms, long p99Ms, long maxMs) {}

  private static final Duration DRAIN = Duration.ofSeconds(15);
  /** How long the traffic has flowed, in event time, when the window opens; what it sent before is skipped. */
  private static final Duration WARM_UP = Duration.ofMinutes(3);

  private LatencyProbe() {}

  static Latency measure(final Map<String, Object> kafka, final SchemaRegistry registry, final double rate,
      final Duration duration, final long seed, final PrintStream progress) throws Exception {
    final Map<String, Long> sentAt = new ConcurrentHashMap<>();
    final Collector collector = new Collector(outputs(kafka), sentAt);
    final Thread collecting = new Thread(collector, "wxfunnel-bench-latency");
    collecting.start();
    try (TrafficSender sender = new TrafficSender(kafka, registry)) {
      final long start = System.currentTimeMillis();
      final long end = start + duration.toMillis();
      // Traffic that has been flowing for a while: people who arrived before the window pay within it.
      final Generator traffic = new Generator(Generator.Settings.of(seed, Long.MAX_VALUE)
          .withPersonsPerSecond(rate / TrafficModel.EVENTS_PER_PERSON).withoutDailyRhythm()
          .withStart(Instant.ofEpochMilli(start).minus(WARM_UP)));
      Generated record = traffic.next();
      while (record.deliverAt() < start) {
        record = traffic.next();
      }
      long sent = 0;
      for (; record.deliverAt() <= end; record = traffic.next()) {
        final long wait = record.deliverAt() - System.currentTimeMillis();
        if (wait > 0) {
          Thread.sleep(wait);
        }
        // A copy spoofed as the other ecosystem's goes to the DLQ: its conversion is the genuine one's.
        if (record.value() instanceof Payment payment && record.topic().equals(EcoTopic.PAYMENTS.topic(payment.getEcosystem()))) {
          sentAt.putIfAbsent(payment.getTransactionId(), System.currentTimeMillis());
        }
        sender.send(record);
        if (++sent % 100_000 == 0) {
          progress.printf("latency: %,d events sent at %,.0f/s%n", sent, rate);
        }
      }
      sender.flush();
      Thread.sleep(DRAIN.toMillis());
    } finally {
      collector.stop();
      collecting.join();
    }
    final List<Long> sorted = new ArrayList<>(collector.latencies.values());
    Collections.sort(sorted);
    if (sorted.isEmpty()) {
      throw new IllegalStateException("no conversion came out within " + DRAIN.toSeconds() + " s of the last payment");
    }
    return new Latency(rate, sorted.size(), percentile(sorted, 0.50), percentile(sorted, 0.99), sorted.get(sorted.size() - 1));
  }

  /** Notes when the first conversion of each payment sent becomes readable; revisions and retries do not count. */
  private static final class Collector implements Runnable {

    private final KafkaConsumer<String, byte[]> outputs;
    private final Map<String, Long> sentAt;
    private final Map<String, Long> latencies = new ConcurrentHashMap<>();
    private volatile boolean stopping;

    Collector(final KafkaConsumer<String, byte[]> outputs, final Map<String, Long> sentAt) {
      this.outputs = outputs;
      this.sentAt = sentAt;
    }

    @Override
    public void run() {
      try (outputs) {
        while (!stopping) {
          for (final ConsumerRecord<String, byte[]> conversion : outputs.poll(Duration.ofMillis(50))) {
            final Long sent = sentAt.get(conversion.key());
            if (sent != null) {
              latencies.putIfAbsent(conversion.key(), System.currentTimeMillis() - sent);
            }
          }
        }
      }
    }

    void stop() {
      stopping = true;
    }
  }

  /** Reads committed conversions from the end of the topics on, from now. */
  private static KafkaConsumer<String, byte[]> outputs(final Map<String, Object> kafka) {
    final Map<String, Object> config = new HashMap<>(kafka);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    final KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    final List<TopicPartition> partitions = new ArrayList<>();
    for (final Ecosystem eco : Ecosystem.values()) {
      consumer.partitionsFor(EcoTopic.CONVERSIONS.topic(eco))
          .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position);
    return consumer;
  }

  private static long percentile(final List<Long> sorted, final double p) {
    return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1));
  }
}

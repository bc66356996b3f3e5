package wxfunnel.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.Payment;
import wxfunnel.events.QrScan;
import wxfunnel.generator.Generated;
import wxfunnel.generator.TrafficSender;
import wxfunnel.registry.SchemaRegistry;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;
import wxfunnel.topology.Input.Common;

/**
 * Event-to-output latency: live traffic at a fixed rate into running processors, and for each
 * payment the time from handing it to the producer to its conversion being readable by a
 * {@code read_committed} consumer (so exactly-once's commit interval is part of it). For the funnel rows, a
 * probe scan every {@link #PROBE_EVERY}, of a campaign of its own by a person of its own, among the
 * traffic: the time from handing it to the producer to its row being readable.
 */
final class LatencyProbe {

  /**
   * The rate asked of the traffic and the rate it was sent at; percentiles of the payments whose
   * conversion, and of the probes whose funnel row, came out while the probe listened.
   */
  record Latency(double rate, double sentPerSecond, int payments, long p50Ms, long p99Ms, long maxMs, int probes, long rowP50Ms, long rowP99Ms,
      long rowMaxMs) {}

  private static final String PROBE = "bench-probe-";
  private static final Duration PROBE_EVERY = Duration.ofMillis(200);

  private static final Duration DRAIN = Duration.ofSeconds(15);

  private LatencyProbe() {}

  /** Measures the processors named {@code pipeline}, reading their outputs. */
  static Latency measure(final Map<String, Object> kafka, final SchemaRegistry registry, final List<Names> pipeline,
      final double rate, final Duration duration, final long seed) throws Exception {
    final Map<String, Long> sentAt = new ConcurrentHashMap<>();
    final Map<String, Long> probeSentAt = new ConcurrentHashMap<>();
    final Set<String> funnels = pipeline.stream().map(names -> names.topic(EcoTopic.FUNNEL)).collect(Collectors.toSet());
    final Collector collector = new Collector(outputs(kafka, pipeline), funnels, sentAt, probeSentAt);
    final Thread collecting = new Thread(collector, "wxfunnel-bench-latency");
    collecting.start();
    final long sent;
    try (TrafficSender sender = new TrafficSender(kafka, registry)) {
      final LiveTraffic traffic = new LiveTraffic(rate, duration, seed);
      final long start = System.currentTimeMillis();
      final long probes = duration.toMillis() / PROBE_EVERY.toMillis();
      sent = traffic.send(sender, record -> {
        sendProbes(sender, probeSentAt, Math.min(probes, 1 + (System.currentTimeMillis() - start) / PROBE_EVERY.toMillis()));
        // A copy spoofed as the other ecosystem's goes to the DLQ: its conversion is the genuine one's.
        if (record.value() instanceof Payment payment && record.topic().equals(EcoTopic.PAYMENTS.topic(payment.getEcosystem()))) {
          sentAt.putIfAbsent(payment.getTransactionId(), System.currentTimeMillis());
        }
      });
      sendProbes(sender, probeSentAt, probes);
      sender.flush();
      Thread.sleep(DRAIN.toMillis());
    } finally {
      collector.stop();
      collecting.join();
    }
    final List<Long> conversions = sorted(collector.latencies, "conversion");
    final List<Long> rows = sorted(collector.rowLatencies, "probe's funnel row");
    return new Latency(rate, sent / (double) duration.toSeconds(), conversions.size(), percentile(conversions, 0.50), percentile(conversions, 0.99), max(conversions),
        rows.size(), percentile(rows, 0.50), percentile(rows, 0.99), max(rows));
  }

  /** Sends probes until {@code count} have been sent, noting when. */
  private static void sendProbes(final TrafficSender sender, final Map<String, Long> sentAt, final long count) {
    for (int n = sentAt.size(); n < count; n++) {
      final long now = System.currentTimeMillis();
      sentAt.put(PROBE + n, now);
      sender.send(probe(n, now));
    }
  }

  /**
   * A scan of a campaign of its own by a person of its own, in {@code n}'s ecosystem (alternating):
   * its funnel row is new, so the row's first record is this scan's.
   */
  private static Generated probe(final int n, final long now) {
    final Ecosystem eco = Ecosystem.values()[n % Ecosystem.values().length];
    final QrScan scan = new Common(PROBE + n, eco, "wxbenchprobe", PROBE + n, null, Instant.ofEpochMilli(now)).writeTo(new QrScan());
    scan.setSceneStr(PROBE + n);
    scan.setTicket(PROBE + n);
    scan.setNewFollower(false);
    return new Generated(EcoTopic.SCANS.topic(eco), PROBE + n, scan, null, now, now);
  }

  private static List<Long> sorted(final Map<String, Long> latencies, final String what) {
    final List<Long> sorted = new ArrayList<>(latencies.values());
    Collections.sort(sorted);
    if (sorted.isEmpty()) {
      throw new IllegalStateException("no " + what + " came out within " + DRAIN.toSeconds() + " s of the last record sent");
    }
    return sorted;
  }

  private static long max(final List<Long> sorted) {
    return sorted.get(sorted.size() - 1);
  }

  /**
   * Notes when the first conversion of each payment sent, and the first funnel row of each probe,
   * becomes readable; revisions and retries do not count.
   */
  private static final class Collector implements Runnable {

    private final KafkaConsumer<String, byte[]> outputs;
    private final Set<String> funnels;
    private final Map<String, Long> sentAt;
    private final Map<String, Long> probeSentAt;
    private final Map<String, Long> latencies = new ConcurrentHashMap<>();
    private final Map<String, Long> rowLatencies = new ConcurrentHashMap<>();
    private volatile boolean stopping;

    Collector(final KafkaConsumer<String, byte[]> outputs, final Set<String> funnels, final Map<String, Long> sentAt,
        final Map<String, Long> probeSentAt) {
      this.outputs = outputs;
      this.funnels = funnels;
      this.sentAt = sentAt;
      this.probeSentAt = probeSentAt;
    }

    @Override
    public void run() {
      try (outputs) {
        while (!stopping) {
          for (final ConsumerRecord<String, byte[]> output : outputs.poll(Duration.ofMillis(50))) {
            final long now = System.currentTimeMillis();
            // A funnel row's key is its campaign, '|', its cohort day.
            final boolean row = funnels.contains(output.topic());
            final String key = row ? output.key().substring(0, Math.max(0, output.key().indexOf('|'))) : output.key();
            final Long sent = (row ? probeSentAt : sentAt).get(key);
            if (sent != null) {
              (row ? rowLatencies : latencies).putIfAbsent(key, now - sent);
            }
          }
        }
      }
    }

    void stop() {
      stopping = true;
    }
  }

  /** Reads committed conversions and funnel rows from the end of the topics on, from now. */
  private static KafkaConsumer<String, byte[]> outputs(final Map<String, Object> kafka, final List<Names> pipeline) {
    final Map<String, Object> config = new HashMap<>(kafka);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    final KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    final List<TopicPartition> partitions = new ArrayList<>();
    for (final Names names : pipeline) {
      for (final EcoTopic topic : List.of(EcoTopic.CONVERSIONS, EcoTopic.FUNNEL)) {
        consumer.partitionsFor(names.topic(topic)).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
      }
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

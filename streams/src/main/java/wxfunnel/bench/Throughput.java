package wxfunnel.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Metric;
import org.apache.kafka.streams.KafkaStreams;
import wxfunnel.runtime.ProcessorLag;
import wxfunnel.topics.Names;

/**
 * Sustained throughput of running Streams apps over a preloaded backlog: from the first record any
 * of their threads processed to the moment all of the backlog, and everything repartitioned on the
 * way, is processed and committed.
 */
final class Throughput {

  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration PROGRESS = Duration.ofSeconds(5);

  /** How long the backlog took, first record processed to last committed. */
  record Measured(long events, double seconds) {
    double eventsPerSecond() {
      return events / seconds;
    }
  }

  private Throughput() {}

  static Measured measure(final String what, final Admin admin, final List<KafkaStreams> apps, final List<Names> names,
      final long events, final Duration timeout, final PrintStream progress) throws Exception {
    final long deadline = System.nanoTime() + timeout.toNanos();
    long first = 0;
    long nextProgress = System.nanoTime() + PROGRESS.toNanos();
    while (true) {
      final long now = System.nanoTime();
      if (now > deadline) {
        throw new IllegalStateException(what + " did not finish " + events + " events within " + timeout);
      }
      for (final KafkaStreams app : apps) {
        if (app.state() == KafkaStreams.State.ERROR || app.state() == KafkaStreams.State.NOT_RUNNING) {
          throw new IllegalStateException(what + " stopped: " + app.state());
        }
      }
      if (first == 0 && processed(apps) > 0) {
        first = now;
      }
      if (first != 0) {
        final long left = lag(admin, names);
        if (left == 0) {
          return new Measured(events, (now - first) / 1e9);
        }
        if (now > nextProgress) {
          progress.printf("%s: %,d records left (inputs and repartitioned) after %.0f s%n", what, left, (now - first) / 1e9);
          nextProgress = now + PROGRESS.toNanos();
        }
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  /** Records processed by all threads of {@code apps}, every sub-topology counted. */
  private static double processed(final List<KafkaStreams> apps) {
    double total = 0;
    for (final KafkaStreams app : apps) {
      for (final Metric metric : app.metrics().values()) {
        if (metric.metricName().name().equals("process-total") && metric.metricName().group().equals("stream-thread-metrics")) {
          total += ((Number) metric.metricValue()).doubleValue();
        }
      }
    }
    return total;
  }

  /** Records left to process and commit, over every app named. */
  static long lag(final Admin admin, final List<Names> names) throws Exception {
    long left = 0;
    for (final Names app : names) {
      left += ProcessorLag.of(admin, app);
    }
    return left;
  }
}

package wxfunnel.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import wxfunnel.generator.TrafficSender;
import wxfunnel.registry.SchemaRegistry;
import wxfunnel.runtime.ProcessorLag;
import wxfunnel.topics.Names;

/**
 * The highest rate running processors hold with live traffic: {@link LiveTraffic} at a fixed rate
 * in real event time (so sweeps, tombstones and final rows happen as in production), for a hold
 * each step, searching for the highest rate held (see {@link #find}). A step is held when the lag
 * (records left: inputs and everything repartitioned, sampled every second) stays under
 * {@link #BOUND} times the rate it sent at over the hold's second half: the processors keep up,
 * commits included, once they have taken the step.
 */
final class LiveRate {

  static final double STEP = 1.25;
  static final Duration BOUND = Duration.ofSeconds(5);
  private static final Duration LATE_BY = Duration.ofSeconds(1);
  private static final Duration SAMPLE_EVERY = Duration.ofSeconds(1);
  private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(10);

  /**
   * One step: the rate asked of the generator, what it sent and in how long (more than
   * {@link #LATE_BY} over the hold: this JVM could not send at that rate, which is not held), the
   * lag samples over its second half and the largest, and whether it held.
   */
  record Step(double rate, long sent, double seconds, int samples, long maxLag, boolean held) {

    /** The rate it sent at. */
    double sentPerSecond() {
      return sent / seconds;
    }
  }

  /**
   * Every step, in order; the highest rate held, as sent (0 when none was), and the rate asked of
   * the generator for it.
   */
  record Result(List<Step> steps, double heldRate, double heldAsked) {}

  private LiveRate() {}

  /**
   * Steps from {@code start}: up by {@link #STEP} after a step held, as long as that stays below
   * the lowest rate not held; halved after a step not held while none has held yet; done after a
   * step not held once one has, or after {@code steps}. After a step not held, the backlog drains
   * before the next.
   */
  static Result find(final Map<String, Object> kafka, final SchemaRegistry registry, final Admin admin, final List<Names> pipeline,
      final double start, final Duration hold, final int steps, final long seed, final PrintStream progress) throws Exception {
    final List<Step> taken = new ArrayList<>();
    Step best = null;
    double rate = start;
    double lowestNotHeld = Double.POSITIVE_INFINITY;
    try (TrafficSender sender = new TrafficSender(kafka, registry)) {
      for (int i = 0; i < steps && rate < lowestNotHeld; i++) {
        final Step step = step(sender, admin, pipeline, rate, hold, seed + i);
        progress.printf("(c) live: %,.0f events/s asked for %d s (%,d sent in %.1f s, %,.0f/s): largest lag over the second half"
            + " %,d, %s%n", rate, hold.toSeconds(), step.sent(), step.seconds(), step.sentPerSecond(), step.maxLag(),
            step.held() ? "held" : "not held");
        taken.add(step);
        if (step.held()) {
          best = step;
          rate *= STEP;
        } else {
          lowestNotHeld = rate;
          ProcessorLag.awaitSettled(admin, pipeline, DRAIN_TIMEOUT);
          if (best != null) {
            break;
          }
          rate /= 2;
        }
      }
    }
    ProcessorLag.awaitSettled(admin, pipeline, DRAIN_TIMEOUT);
    return best == null ? new Result(taken, 0, 0) : new Result(taken, best.sentPerSecond(), best.rate());
  }

  private static Step step(final TrafficSender sender, final Admin admin, final List<Names> pipeline, final double rate,
      final Duration hold, final long seed) throws Exception {
    final LiveTraffic traffic = new LiveTraffic(rate, hold, seed);
    final long began = System.nanoTime();
    final LagSampler lag = new LagSampler(admin, pipeline, began + hold.toNanos() / 2);
    final long sent;
    try {
      sent = traffic.send(sender, record -> {});
      sender.flush();
    } finally {
      lag.close();
    }
    final double seconds = (System.nanoTime() - began) / 1e9;
    final boolean onTime = seconds * 1000 <= hold.plus(LATE_BY).toMillis();
    final long maxLag = lag.max();
    return new Step(rate, sent, seconds, lag.samples(), maxLag,
        onTime && lag.samples() > 0 && maxLag <= sent / seconds * BOUND.toSeconds());
  }

  /** Samples the lag every second on a thread of its own, keeping the largest from {@code from} (nano time) on. */
  private static final class LagSampler {

    private final Thread thread;
    private volatile long max;
    private volatile int samples;
    private volatile Exception failure;

    LagSampler(final Admin admin, final List<Names> pipeline, final long from) {
      this.thread = new Thread(() -> {
        try {
          while (!Thread.currentThread().isInterrupted()) {
            final long lag = Throughput.lag(admin, pipeline);
            if (System.nanoTime() >= from) {
              max = Math.max(max, lag);
              samples++;
            }
            Thread.sleep(SAMPLE_EVERY.toMillis());
          }
        } catch (final InterruptedException stopped) {
          Thread.currentThread().interrupt();
        } catch (final Exception e) {
          failure = e;
        }
      }, "wxfunnel-bench-lag");
      thread.start();
    }

    /** The largest lag sampled; fails if sampling failed. */
    long max() throws Exception {
      if (failure != null) {
        throw failure;
      }
      return max;
    }

    int samples() {
      return samples;
    }

    void close() throws InterruptedException {
      thread.interrupt();
      thread.join();
    }
  }
}
